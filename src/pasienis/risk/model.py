"""Gradient-boosted trees (LightGBM) trained on labelled history, saved as one JSON file.

The file carries everything needed to trust and reproduce a score: the column mapping's
digest (scoring other data is refused), the training data's SHA-256, the split, features,
parameters, metrics, the statistics fitted on training rows, the party history as of the
file's end, and reference distributions for the drift check.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from pasienis.risk.errors import HistoryError, ModelMismatchError, RiskError
from pasienis.risk.features import (
    CATEGORICAL,
    FEATURES,
    FeatureStats,
    GraphFacts,
    build_features,
    fit_stats,
    party_aggregates,
)
from pasienis.risk.mapping import HistoryMapping
from pasienis.risk.split import Split, time_split

FORMAT = "pasienis-risk-model/1"
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    # Depth bounds the cost of TreeSHAP (leaves times depth squared, per tree and row); no loss
    # of precision or recall was measured at 8.
    "max_depth": 8,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10.0,
    "min_data_per_group": 50,
    "max_cat_threshold": 64,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}
ROUNDS, PATIENCE = 600, 40
#: Row-local features watched for drift. Party-history features are left out: they are
#: expanding-window counts and rates, whose spread grows with the history by construction.
DRIFT_FEATURES = (
    "log_value",
    "log_mass",
    "log_unit_value",
    "unit_value_ratio",
    "log_value_per_item",
)


@dataclass
class RiskModel:
    booster: lgb.Booster
    stats: FeatureStats
    mapping_digest: str
    meta: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.meta["id"])

    def check_mapping(self, mapping: HistoryMapping) -> None:
        if mapping.digest() != self.mapping_digest:
            raise ModelMismatchError(
                f"model {self.id} was trained for column mapping {self.mapping_digest}, "
                f"not {mapping.digest()} ({mapping.source})",
                hint="score with the mapping the model was trained with, or train a new model",
            )

    def raw(self, x: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(x, raw_score=True)

    def contributions(self, x: pd.DataFrame) -> np.ndarray:
        """TreeSHAP contributions: one column per feature plus the bias; rows sum to raw."""
        return np.asarray(self.booster.predict(x, pred_contrib=True, num_threads=0))

    def save(self, path: Path | str) -> Path:
        p = Path(path)
        doc = {
            "format": FORMAT,
            **self.meta,
            "mapping_digest": self.mapping_digest,
            "stats": self.stats.to_dict(),
            "booster": self.booster.model_to_string(),
        }
        tmp = p.with_suffix(p.suffix + ".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        tmp.replace(p)
        return p


def load_model(path: Path | str) -> RiskModel:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RiskError(f"{p}: not a readable risk model: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelMismatchError(f"{p}: not a {FORMAT} file")
    booster = lgb.Booster(model_str=doc.pop("booster"))
    stats = FeatureStats.from_dict(doc.pop("stats"))
    digest = doc.pop("mapping_digest")
    doc.pop("format")
    return RiskModel(booster, stats, digest, doc)


def file_sha256(path: Path | str) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def training_matrices(
    frame: pd.DataFrame, split: Split, graph: GraphFacts | None = None
) -> tuple[FeatureStats, pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]:
    """Stats fitted on training rows, and (x, y) for training and validation.

    The one place that decides what training sees; the leak test mutates every row on or
    after ``split.test_from`` and requires these to stay equal.
    """
    period = split.period(frame)
    fit_rows = frame[period < 2]
    stats = fit_stats(frame[period == 0])
    x = build_features(fit_rows, stats, known_before=split.known_before(fit_rows), graph=graph)
    y = fit_rows["label"].astype(float)
    p = period[period < 2]
    return stats, x[p == 0], y[p == 0], x[p == 1], y[p == 1]


def train(
    frame: pd.DataFrame,
    mapping: HistoryMapping,
    *,
    source_sha256: str,
    split: Split | None = None,
    graph: GraphFacts | None = None,
    rounds: int = ROUNDS,
    threads: int = 0,
) -> RiskModel:
    """Train on the labelled ``frame``; early stopping on the validation period.

    ``threads`` 0 lets LightGBM use every core; give 1 where other work shares the machine
    (OpenMP threads that wait on a busy core slow training down many times over).
    """
    if frame["label"].isna().any():
        raise HistoryError("every training row needs its outcome (label)")
    split = split or time_split(frame)
    stats, x_tr, y_tr, x_va, y_va = training_matrices(frame, split, graph)
    if y_tr.nunique() < 2:
        raise HistoryError("the training period holds only one outcome; the model needs both")
    started = datetime.now(UTC)
    dtrain = lgb.Dataset(x_tr, y_tr, categorical_feature=list(CATEGORICAL), free_raw_data=False)
    dvalid = lgb.Dataset(x_va, y_va, reference=dtrain)
    params = {**PARAMS, "num_threads": threads}
    booster = lgb.train(
        params,
        dtrain,
        num_boost_round=rounds,
        valid_sets=[dvalid],
        callbacks=[lgb.early_stopping(PATIENCE, verbose=False)],
    )
    stats.parties = party_aggregates(frame)
    # The drift reference is the validation period: scored out of sample, like new data
    # (on training rows the unit-value medians fit their own rows).
    valid_scores = booster.predict(x_va, raw_score=True)
    meta = {
        "id": f"risk-{started:%Y%m%dT%H%M%S}-{source_sha256[:8]}",
        "created_at": started.isoformat(),
        "mapping": mapping.to_dict(),
        "data_sha256": source_sha256,
        "rows": {"train": len(x_tr), "valid": len(x_va), "all": len(frame)},
        "history_end": str(pd.Series(frame["date"]).max().date()),
        "split": split.to_dict(),
        "features": list(FEATURES),
        "categorical": list(CATEGORICAL),
        "params": {**PARAMS, "rounds": booster.best_iteration or rounds},
        "feature_importance": dict(
            zip(
                booster.feature_name(),
                booster.feature_importance("gain").round(3).tolist(),
                strict=True,
            )
        ),
        "metrics": {"valid_" + k: v for k, v in _valid_metrics(booster, x_va, y_va).items()},
        "reference": reference_distributions(x_va, valid_scores),
    }
    return RiskModel(booster, stats, mapping.digest(), meta)


def _valid_metrics(booster: lgb.Booster, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    p = booster.predict(x)
    if y.nunique() < 2:
        return {}
    return {
        "auc": float(roc_auc_score(y, p)),
        "average_precision": float(average_precision_score(y, p)),
    }


def reference_distributions(x: pd.DataFrame, scores: np.ndarray) -> dict[str, Any]:
    """Decile edges of the score and of the drift features, with the training shares."""
    from pasienis.risk.drift import histogram

    out = {"score": histogram(scores)}
    for name in DRIFT_FEATURES:
        out[name] = histogram(x[name].to_numpy(dtype=float))
    return out
