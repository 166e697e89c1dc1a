"""Evaluation runs: a model and rules on a history's test period, or on the scenario's
current declarations against truth.json — always beside the naive baselines.

Baselines are what a service does without risk analysis: random selection, and inspecting
the highest declared value first. "both" adds the rule weights to the model's log-odds, as
scores in production do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pasienis.risk.evaluate import report
from pasienis.risk.features import GraphFacts
from pasienis.risk.model import RiskModel
from pasienis.risk.rules import RuleSet
from pasienis.risk.score import score
from pasienis.risk.split import Split


def _rankings(
    frame: pd.DataFrame,
    model: RiskModel | None,
    rules: RuleSet | None,
    kb: np.ndarray,
    graph: GraphFacts | None,
    saved: bool,
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if rules is not None:
        out["rules"] = (
            score(frame, model=None, rules=rules, known_before=kb, graph=graph, saved_history=False)
            .table["score"]
            .to_numpy()
        )
    if model is not None:
        both = score(
            frame, model=model, rules=rules, known_before=kb, graph=graph, saved_history=saved
        ).table
        out["model"] = both["model_raw"].to_numpy()
        if rules is not None:
            out["both"] = both["score"].to_numpy()
    out["highest_value"] = frame["value"].to_numpy(dtype=float)
    return out


def assess_history(
    frame: pd.DataFrame,
    split: Split,
    *,
    model: RiskModel | None,
    rules: RuleSet | None,
    graph: GraphFacts | None = None,
) -> dict[str, Any]:
    """Metrics on the test period of a labelled history (features as of ``test_from``)."""
    kb = split.known_before(frame)
    ranks = _rankings(frame, model, rules, kb, graph, saved=False)
    test = split.period(frame) == 2
    y = frame["label"].to_numpy(dtype=float)[test]
    rev = frame["revenue"].to_numpy(dtype=float)[test]
    table = report({k: v[test] for k, v in ranks.items()}, y, rev)
    return {
        "rows": int(test.sum()),
        "illicit": int(np.nansum(y)),
        "split": split.to_dict(),
        "table": table,
    }


def truth_labels(truth_path: Path | str, references: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per line: 1 if its declaration is in truth.json's fraudulent declarations (and the
    revenue at stake where truth gives declared vs expected value)."""
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    fraud = {f["lrn"]: f for f in truth["fraudulent_declarations"]}
    y = references.map(lambda r: 1.0 if r in fraud else 0.0).to_numpy()
    rev = references.map(
        lambda r: (
            max(0.0, fraud[r].get("expected_value", 0.0) - fraud[r].get("declared_value", 0.0))
            * 0.25
            if r in fraud
            else 0.0
        )
    ).to_numpy(dtype=float)
    return y, rev


def assess_declarations(
    frame: pd.DataFrame,
    truth_path: Path | str,
    *,
    model: RiskModel | None,
    rules: RuleSet | None,
    graph: GraphFacts | None = None,
) -> dict[str, Any]:
    """Metrics per declaration (its best line) on store declarations against truth.json."""
    kb = frame["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    ranks = _rankings(frame, model, rules, kb, graph, saved=True)
    per_line = pd.DataFrame(ranks).assign(decl=frame["reference"].to_numpy())
    best = per_line.groupby("decl").max()
    y, rev = truth_labels(truth_path, pd.Series(best.index, index=best.index))
    table = report({k: best[k].to_numpy() for k in ranks}, y, rev)
    return {"rows": len(best), "illicit": int(y.sum()), "table": table}
