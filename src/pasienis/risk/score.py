"""Scores with their explanation: the model's TreeSHAP contributions plus the rules fired.

A score is in log-odds: ``bias + Σ feature contributions + Σ weights of rules fired``, and
the explanation lists exactly those terms, so they add up to the score an officer is shown
(``probability`` is its logistic). Either part may be absent (rules alone, model alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pasienis.risk.drift import DriftReport, drift
from pasienis.risk.features import FEATURES, GraphFacts, build_features
from pasienis.risk.model import RiskModel
from pasienis.risk.rules import RuleSet

TOP = 5


@dataclass
class Scores:
    """One row per declaration line: ``frame`` ids with score, probability and the parts."""

    table: pd.DataFrame  # id, score, probability, model_raw, rules_total
    contributions: np.ndarray | None  # (n, features + 1); the last column is the bias
    fired: pd.DataFrame | None  # bool per rule
    rules: RuleSet | None
    drift: DriftReport | None

    def explain(self, i: int, top: int = TOP) -> dict[str, Any]:
        """Why row ``i`` scored what it did; the terms sum to ``score``."""
        row = self.table.iloc[i]
        out: dict[str, Any] = {
            "id": row["id"],
            "score": float(row["score"]),
            "probability": float(row["probability"]),
        }
        terms: list[dict[str, Any]] = []
        if self.contributions is not None:
            c = self.contributions[i]
            out["bias"] = float(c[-1])
            order = np.argsort(-np.abs(c[:-1]))
            shown = order[:top]
            terms += [{"feature": FEATURES[j], "contribution": float(c[j])} for j in shown]
            rest = float(c[:-1][order[top:]].sum())
            if len(order) > top:
                terms.append({"feature": "(other features)", "contribution": rest})
        out["features"] = terms
        out["rules"] = []
        if self.fired is not None and self.rules is not None:
            for r in self.rules.rules:
                if bool(self.fired[r.id].iloc[i]):
                    out["rules"].append({"id": r.id, "weight": r.weight, "reason": r.reason})
        return out


def facts(frame: pd.DataFrame, x: pd.DataFrame) -> pd.DataFrame:
    """What rules see: the canonical fields and the features (outcomes left out)."""
    cols = [c for c in frame.columns if c not in ("label", "revenue", "line")]
    return pd.concat([frame[cols], x[[c for c in x.columns if c not in cols]]], axis=1)


def score(
    frame: pd.DataFrame,
    *,
    model: RiskModel | None,
    rules: RuleSet | None,
    known_before: np.ndarray | None = None,
    graph: GraphFacts | None = None,
    saved_history: bool = True,
) -> Scores:
    """Score ``frame``. ``known_before`` defaults to each row's own day (new data)."""
    if model is None and rules is None:
        raise ValueError("score needs a model, rules or both")
    from pasienis.risk.features import FeatureStats, fit_stats

    kb = known_before
    if kb is None:
        kb = frame["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    stats: FeatureStats = model.stats if model is not None else fit_stats(frame)
    x = build_features(
        frame,
        stats,
        known_before=kb,
        graph=graph,
        saved_history=saved_history and model is not None,
    )
    n = len(frame)
    raw = np.zeros(n)
    contrib = None
    report = None
    if model is not None:
        contrib = model.contributions(x)
        raw = contrib.sum(axis=1)
        report = drift(model.meta["reference"], x, raw)
    fired = rules.fire(facts(frame, x)) if rules is not None else None
    total_rules = (
        fired.to_numpy(float) @ rules.weights().reindex(fired.columns).to_numpy()
        if fired is not None and len(fired.columns)
        else np.zeros(n)
    )
    total = raw + total_rules
    table = pd.DataFrame(
        {
            "id": frame["id"].to_numpy(),
            "score": total,
            "probability": 1 / (1 + np.exp(-total)),
            "model_raw": raw,
            "rules_total": total_rules,
        }
    )
    return Scores(table, contrib, fired, rules, report)
