"""The statistics are right: Gi* equals PySAL esda's, KDE integrates to the count, FDR holds."""

from __future__ import annotations

import math

import esda
import h3
import libpysal
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from pasienis.violations import (
    AnalysisInputError,
    fdr_significance,
    gi_star,
    hot_spots,
    kernel_density,
    make_points,
    near_repeat,
)
from pasienis.violations.emerging import classify, space_time_weights


def _lattice(n: int) -> tuple[libpysal.weights.W, sp.csr_matrix]:
    w = libpysal.weights.lat2W(n, n, rook=False)
    dense = w.sparse.toarray() + np.eye(n * n)
    return w, sp.csr_matrix(dense)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=36, max_size=36).filter(lambda v: len(set(v)) > 1))
def test_gi_star_equals_esda(values: list[int]) -> None:
    w, with_self = _lattice(6)
    y = np.asarray(values, dtype=np.float64)
    reference = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    assert np.allclose(gi_star(y, with_self), reference.Zs, atol=1e-9)


def test_gi_star_refuses_constant_values() -> None:
    _, with_self = _lattice(4)
    with pytest.raises(AnalysisInputError, match="same count"):
        gi_star(np.ones(16), with_self)


def test_fdr_is_stricter_than_raw_p() -> None:
    rng = np.random.default_rng(3)
    z = rng.standard_normal(10_000)  # pure noise: raw p < 0.05 flags ~500 cells
    assert (np.abs(z) > 1.96).sum() > 300
    assert (fdr_significance(z) >= 0.95).sum() <= 5


def test_a_planted_cluster_is_hot_and_an_empty_corner_is_not() -> None:
    rng = np.random.default_rng(5)
    lat = np.concatenate([rng.normal(54.30, 0.01, 400), rng.uniform(54.0, 56.0, 400)])
    lon = np.concatenate([rng.normal(25.20, 0.015, 400), rng.uniform(22.0, 26.0, 400)])
    spots = hot_spots(make_points(lat, lon, np.zeros(800)), res=7)
    hot = spots.hot_cells(0.99)
    assert hot
    for cell in hot:
        c_lat, c_lon = h3.cell_to_latlng(cell)
        assert abs(c_lat - 54.30) < 0.08
        assert abs(c_lon - 25.20) < 0.12


def test_kde_keeps_the_mass_and_peaks_at_the_cluster() -> None:
    rng = np.random.default_rng(1)
    pts = make_points(rng.normal(54.5, 0.02, 2000), rng.normal(24.0, 0.03, 2000), np.zeros(2000))
    density = kernel_density(pts, bandwidth_m=1000, cell_m=250)
    mass = density.values.sum() * (density.cell_m / 1000) ** 2
    assert mass == pytest.approx(2000, rel=1e-3)
    r, c = np.unravel_index(np.argmax(density.values), density.values.shape)
    peak_lat = density.south + (r + 0.5) * density.cell_deg_lat
    peak_lon = density.west + (c + 0.5) * density.cell_deg_lon
    assert math.isclose(peak_lat, 54.5, abs_tol=0.01)
    assert math.isclose(peak_lon, 24.0, abs_tol=0.015)


@pytest.mark.parametrize("bandwidth", [0, -5, float("nan"), float("inf")])
def test_kde_refuses_a_bandwidth_that_is_not_positive(bandwidth: float) -> None:
    pts = make_points([54.0], [24.0], [0.0])
    with pytest.raises(AnalysisInputError, match="bandwidth"):
        kernel_density(pts, bandwidth_m=bandwidth)


def test_single_point_and_empty_selections_are_refused_clearly() -> None:
    with pytest.raises(AnalysisInputError, match="at least two"):
        hot_spots(make_points([54.0], [24.0], [0.0]))
    with pytest.raises(AnalysisInputError, match="no violations"):
        kernel_density(make_points([], [], []))
    with pytest.raises(AnalysisInputError, match="outside WGS84"):
        make_points([91.0], [24.0], [0.0])


def test_space_time_weights_link_a_cell_to_its_previous_slice_only() -> None:
    spatial = sp.identity(2, format="csr")
    w = space_time_weights(spatial, 3).toarray()
    # cube index = slice * cells + cell: cell 0 in slice 1 sees itself in slices 1 and 0.
    assert w[2].tolist() == [1, 0, 1, 0, 0, 0]
    assert w[0].tolist() == [1, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("hot", "trend", "expected"),
    [
        ([0] * 11 + [1], "no trend", "new"),
        ([0] * 8 + [1] * 4, "increasing", "consecutive"),
        ([1] * 12, "increasing", "intensifying"),
        ([1] * 12, "no trend", "persistent"),
        ([1] * 12, "decreasing", "diminishing"),
        ([1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1], "no trend", "sporadic"),
        ([1] * 7 + [0] * 5, "decreasing", "historical"),
        ([0] * 12, "no trend", "no_pattern"),
    ],
)
def test_emerging_categories(hot: list[int], trend: str, expected: str) -> None:
    flags = np.asarray(hot, dtype=bool)
    assert classify(flags, np.zeros(12, dtype=bool), trend, 0.01) == expected


def test_near_repeat_finds_planted_repeats_and_not_noise() -> None:
    rng = np.random.default_rng(2)
    n = 300
    lat, lon = rng.uniform(54, 55, n), rng.uniform(23, 25, n)
    t = rng.uniform(0, 365 * 86400, n)
    # Each seed seizure is followed by one within 300 m and 2 days.
    seeds = rng.choice(n, 100, replace=False)
    lat2 = lat[seeds] + rng.normal(0, 0.001, 100)
    lon2 = lon[seeds] + rng.normal(0, 0.0015, 100)
    t2 = t[seeds] + rng.uniform(0, 2 * 86400, 100)
    planted = make_points(np.r_[lat, lat2], np.r_[lon, lon2], np.r_[t, t2])
    result = near_repeat(planted, permutations=49)
    assert result.p_value[0, 0] <= 0.05
    assert result.ratio[0, 0] > 5
    noise = near_repeat(make_points(lat, lon, t), permutations=49)
    assert noise.observed[0, 0] <= 3
