"""Features of a declaration line: its own fields, derived values and what was known before.

One function, :func:`build_features`, makes them for training, evaluation and scoring, so
the model never sees a feature computed two ways. Statistics (medians, category lists, the
base rate) are fitted on training rows only (:class:`FeatureStats`); party history and graph
links come from :func:`~pasienis.risk.timesafe.prior_sum` with a per-row cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pasienis.risk.mapping import PARTIES
from pasienis.risk.timesafe import BEFORE_ALL, days, prior_sum

CATEGORICAL = ("office", "origin", "hs2", "hs4", "hs6")
_SMOOTH = 5.0  # pseudo-count pulling a party's rate towards the base rate


def _party_features(role: str) -> tuple[str, ...]:
    return (f"{role}_n_prior", f"{role}_known_prior", f"{role}_rate_prior")


NUMERIC = (
    "log_value",
    "log_mass",
    "log_unit_value",
    "unit_value_ratio",
    "log_value_per_item",
    *(f for role in PARTIES for f in _party_features(role)),
    "graph_degree",
    "graph_offender_links",
    "graph_seizure_links",
    "vehicle_cotravel_watch",
)
FEATURES = (*CATEGORICAL, *NUMERIC)


@dataclass
class GraphFacts:
    """Graph context of parties, in the frame's party ids (see :mod:`pasienis.risk.graphctx`).

    ``links`` are (party, neighbour) pairs of companies tied by a shared officer, owner,
    address or phone; ``seizures`` (party, day) of seizures that involve a party's neighbour.
    """

    degree: dict[str, float] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)
    seizures: list[tuple[str, int]] = field(default_factory=list)
    cotravel_watch: dict[str, float] = field(default_factory=dict)


@dataclass
class FeatureStats:
    """What is learnt from the training rows and carried with the model."""

    base_rate: float
    medians: dict[str, dict[str, float]]
    categories: dict[str, list[str]]
    parties: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_rate": self.base_rate,
            "medians": self.medians,
            "categories": self.categories,
            "parties": self.parties,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureStats:
        return cls(d["base_rate"], d["medians"], d["categories"], d.get("parties", {}))


def derived(frame: pd.DataFrame) -> pd.DataFrame:
    """Row-local values: HS prefixes and logs (no statistics, so no leak is possible)."""
    hs = frame["hs_code"].astype(str).str.replace(r"\D", "", regex=True)
    value = frame["value"].astype(float)
    mass = frame["mass"].astype(float)
    qty = frame["quantity"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "hs2": hs.str[:2],
                "hs4": hs.str[:4],
                "hs6": hs.str[:6],
                "log_value": np.log1p(value.clip(lower=0)),
                "log_mass": np.log1p(mass.clip(lower=0)),
                "log_unit_value": np.where(mass > 0, np.log1p(value.clip(lower=0) / mass), np.nan),
                "log_value_per_item": np.where(
                    qty > 0, np.log1p(value.clip(lower=0) / qty), np.nan
                ),
            },
            index=frame.index,
        )
    return out


def fit_stats(train: pd.DataFrame) -> FeatureStats:
    """Statistics of the training rows: base rate, unit-value medians, category lists."""
    d = derived(train)
    luv = d["log_unit_value"]
    origin = train["origin"].astype(str)
    medians = {
        "hs6_origin": luv.groupby(d["hs6"] + "|" + origin).median().dropna().to_dict(),
        "hs6": luv.groupby(d["hs6"]).median().dropna().to_dict(),
        "hs4": luv.groupby(d["hs4"]).median().dropna().to_dict(),
        "all": {"": float(np.nanmedian(luv)) if luv.notna().any() else 0.0},
    }
    cats = {
        "office": train["office"],
        "origin": train["origin"],
        "hs2": d["hs2"],
        "hs4": d["hs4"],
        "hs6": d["hs6"],
    }
    categories = {k: sorted(set(v.astype(str).unique()) - {"", "nan"}) for k, v in cats.items()}
    labels = train["label"].dropna()
    return FeatureStats(float(labels.mean()) if len(labels) else 0.0, medians, categories)


def party_aggregates(frame: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
    """Per role and party: [declarations, with known outcome, illicit] — the history a
    model carries for scoring data that comes after its history file."""
    out: dict[str, dict[str, list[float]]] = {}
    for role in PARTIES:
        col = frame[role].astype(str)
        keep = col != ""
        g = pd.DataFrame(
            {"p": col[keep], "k": frame["label"][keep].notna(), "i": frame["label"][keep].eq(1)}
        ).groupby("p")
        agg = pd.DataFrame({"n": g.size(), "k": g["k"].sum(), "i": g["i"].sum()})
        out[role] = {p: [float(r.n), float(r.k), float(r.i)] for p, r in agg.iterrows()}
    return out


def build_features(
    frame: pd.DataFrame,
    stats: FeatureStats,
    *,
    known_before: np.ndarray,
    graph: GraphFacts | None = None,
    saved_history: bool = False,
) -> pd.DataFrame:
    """The model's feature matrix for ``frame`` (same index).

    ``known_before[i]`` is the first day whose outcomes row i may not see: its own day for a
    training row, the split day for rows of a later period. Declarations themselves (not
    their outcomes) count from every earlier day. ``saved_history`` adds the party
    aggregates carried in ``stats`` (scoring after the history file's end).
    """
    d = derived(frame)
    day = days(frame["date"].to_numpy())
    cutoff = np.minimum(day, known_before.astype(np.int64))
    x = pd.DataFrame(index=frame.index)
    for name in CATEGORICAL:
        src = d[name] if name in d else frame[name]
        x[name] = pd.Categorical(src.astype(str), categories=stats.categories.get(name, []))
    for name in ("log_value", "log_mass", "log_unit_value", "log_value_per_item"):
        x[name] = d[name].astype(float)
    x["unit_value_ratio"] = np.exp(d["log_unit_value"] - _median(d, frame, stats))
    label = frame["label"].to_numpy(dtype=float)
    for role in PARTIES:
        x = x.join(
            _history(frame[role].astype(str), day, cutoff, label, stats, role, saved_history)
        )
    saved_importers = stats.parties.get("importer", {}) if saved_history else {}
    x = x.join(_graph(frame, day, cutoff, label, graph, saved_importers))
    return x[list(FEATURES)]


def _median(d: pd.DataFrame, frame: pd.DataFrame, stats: FeatureStats) -> np.ndarray:
    m = stats.medians
    key = d["hs6"] + "|" + frame["origin"].astype(str)
    med = key.map(m["hs6_origin"])
    med = med.fillna(d["hs6"].map(m["hs6"])).fillna(d["hs4"].map(m["hs4"]))
    return med.fillna(m["all"][""]).to_numpy(dtype=float)


def _history(
    party: pd.Series,
    day: np.ndarray,
    cutoff: np.ndarray,
    label: np.ndarray,
    stats: FeatureStats,
    role: str,
    saved: bool,
) -> pd.DataFrame:
    saved_rows = stats.parties.get(role, {}) if saved else {}
    names = pd.Index(list(saved_rows)).append(pd.Index(party.unique()))
    _, uniques = pd.factorize(names)
    lookup = pd.Series(np.arange(len(uniques)), index=uniques)
    q = lookup.reindex(party.to_numpy()).to_numpy()
    s_codes = lookup.reindex(list(saved_rows)).to_numpy() if saved_rows else np.array([], int)
    s_vals = np.array(list(saved_rows.values()), float).reshape(-1, 3)
    all_party = np.concatenate([s_codes, q])
    all_day = np.concatenate([np.full(len(s_codes), BEFORE_ALL), day])
    known = ~np.isnan(label)
    n = prior_sum(all_party, all_day, np.concatenate([s_vals[:, 0], np.ones(len(q))]), q, day)
    k = prior_sum(
        all_party, all_day, np.concatenate([s_vals[:, 1], known.astype(float)]), q, cutoff
    )
    i = prior_sum(
        all_party, all_day, np.concatenate([s_vals[:, 2], (label == 1).astype(float)]), q, cutoff
    )
    blank = party.to_numpy() == ""
    rate = (i + _SMOOTH * stats.base_rate) / (k + _SMOOTH)
    n_prior, k_prior, r_prior = _party_features(role)
    return pd.DataFrame(
        {
            n_prior: np.where(blank, np.nan, np.log1p(n)),
            k_prior: np.where(blank, np.nan, np.log1p(k)),
            r_prior: np.where(blank, np.nan, rate),
        },
        index=party.index,
    )


def _graph(
    frame: pd.DataFrame,
    day: np.ndarray,
    cutoff: np.ndarray,
    label: np.ndarray,
    graph: GraphFacts | None,
    saved: dict[str, list[float]],
) -> pd.DataFrame:
    cols = ("graph_degree", "graph_offender_links", "graph_seizure_links", "vehicle_cotravel_watch")
    if graph is None:
        return pd.DataFrame(dict.fromkeys(cols, np.nan), index=frame.index)
    importer = frame["importer"].astype(str)
    degree = importer.map(graph.degree).to_numpy(dtype=float)
    # Offender links: outcomes of the importer's neighbours known before the cutoff.
    offenders = np.zeros(len(frame))
    seized = np.zeros(len(frame))
    if graph.links:
        pairs = pd.DataFrame(graph.links, columns=["p", "nb"])
        rows = pd.DataFrame({"p": importer.to_numpy(), "row": np.arange(len(frame))})
        q = rows.merge(pairs, on="p")
        names = pd.concat(
            [pd.Series(list(saved), dtype=object), importer, q["nb"]], ignore_index=True
        )
        codes, _ = pd.factorize(names)
        n_saved = len(saved)
        own = codes[: n_saved + len(frame)]
        nb = codes[n_saved + len(frame) :]
        s_illicit = np.array([v[2] for v in saved.values()], float)
        own_day = np.concatenate([np.full(n_saved, BEFORE_ALL), day])
        weight = np.concatenate([s_illicit, (label == 1).astype(float)])
        qrow = q["row"].to_numpy()
        hit = prior_sum(own, own_day, weight, nb, cutoff[qrow])
        offenders = np.bincount(qrow, weights=hit, minlength=len(frame))
    if graph.seizures:
        s = pd.DataFrame(graph.seizures, columns=["p", "day"])
        codes, _ = pd.factorize(pd.concat([s["p"], importer], ignore_index=True))
        seized = prior_sum(
            codes[: len(s)], s["day"].to_numpy(), np.ones(len(s)), codes[len(s) :], cutoff
        )
    cot = frame["vehicle"].astype(str).map(graph.cotravel_watch).to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "graph_degree": degree,
            "graph_offender_links": offenders,
            "graph_seizure_links": seized,
            "vehicle_cotravel_watch": cot,
        },
        index=frame.index,
    )
