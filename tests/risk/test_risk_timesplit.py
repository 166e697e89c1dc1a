"""Nothing from after the split reaches training: not rows, not outcomes, not statistics,
not through party history. And the fast prior sums equal their definition."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_risk_data import history

from pasienis.risk.features import GraphFacts
from pasienis.risk.model import training_matrices
from pasienis.risk.split import Split, time_split
from pasienis.risk.timesafe import BEFORE_ALL, prior_sum


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 4), st.integers(-3, 30), st.floats(0, 5)),
                  max_size=40),
    queries=st.lists(st.tuples(st.integers(0, 5), st.integers(-5, 35)), max_size=20),
)  # fmt: skip
def test_prior_sum_equals_its_definition(rows, queries) -> None:  # type: ignore[no-untyped-def]
    party = np.array([r[0] for r in rows], np.int64)
    day = np.array([r[1] for r in rows], np.int64)
    weight = np.array([r[2] for r in rows], float)
    qp = np.array([q[0] for q in queries], np.int64)
    qc = np.array([q[1] for q in queries], np.int64)
    fast = prior_sum(party, day, weight, qp, qc)
    slow = [sum(w for p, d, w in rows if p == a and d < c) for a, c in queries]
    assert np.allclose(fast, slow)


def test_saved_aggregates_count_before_every_day() -> None:
    got = prior_sum(np.array([1, 1]), np.array([BEFORE_ALL, 10]), np.array([5.0, 1.0]),
                    np.array([1, 1, 2]), np.array([0, 11, 11]))  # fmt: skip
    assert got.tolist() == [5.0, 6.0, 0.0]


def _mutate_after(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    """Everything on or after ``day`` changed: outcomes flipped, values and parties moved."""
    out = frame.copy()
    late = out["date"] >= pd.Timestamp(day)
    out.loc[late, "label"] = 1 - out.loc[late, "label"]
    out.loc[late, "value"] = out.loc[late, "value"] * 0.01
    out.loc[late, "importer"] = out["importer"].iloc[0]  # every late row now the same importer
    out.loc[late, "hs_code"] = "99999999"
    return out


def test_training_sees_nothing_from_the_test_period() -> None:
    frame = history(3000)
    split = time_split(frame)
    pairs = zip(frame["importer"][:50], frame["importer"][50:100], strict=True)
    graph = GraphFacts(links=list(pairs))
    before = training_matrices(frame, split, graph)
    after = training_matrices(_mutate_after(frame, split.test_from), split, graph)
    assert before[0].to_dict() == after[0].to_dict()  # statistics
    for a, b in zip(before[1:], after[1:], strict=True):
        pd.testing.assert_frame_equal(a, b) if isinstance(a, pd.DataFrame) else \
            pd.testing.assert_series_equal(a, b)  # fmt: skip


def test_training_rows_see_no_outcome_from_the_validation_period() -> None:
    frame = history(3000)
    split = time_split(frame)
    _, x_before, *_ = training_matrices(frame, split)
    _, x_after, *_ = training_matrices(_mutate_after(frame, split.valid_from), split)
    # Only validation rows may change; training rows are identical.
    pd.testing.assert_frame_equal(x_before, x_after)


def test_the_leak_test_would_catch_a_leak() -> None:
    """Guard against a test that cannot fail: a feature using all outcomes does differ."""
    frame = history(3000)
    split = time_split(frame)
    leaky = frame.groupby("importer")["label"].transform("mean")
    changed = _mutate_after(frame, split.test_from).groupby("importer")["label"].transform("mean")
    train = split.period(frame) == 0
    assert not np.allclose(leaky[train], changed[train])


def test_validation_and_test_rows_know_outcomes_only_before_their_period() -> None:
    frame = history(2000)
    split = Split(date(2025, 1, 1), date(2025, 7, 1))
    kb = split.known_before(frame)
    period = split.period(frame)
    day = frame["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    assert (kb[period == 0] == day[period == 0]).all()
    assert (kb[period == 1] == np.datetime64("2025-01-01").astype(np.int64)).all()
    assert (kb[period == 2] == np.datetime64("2025-07-01").astype(np.int64)).all()
