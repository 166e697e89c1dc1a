"""The risk capability: analysts' rules and models trained on inspection outcomes select the
declarations worth inspecting, each score with its explanation.

Rules are YAML (:mod:`~pasienis.risk.rules`); models are LightGBM trees on labelled history
read through a column mapping (:mod:`~pasienis.risk.mapping`, :mod:`~pasienis.risk.model`);
scores are log-odds whose terms (TreeSHAP contributions, rule weights) add up to them
(:mod:`~pasienis.risk.score`); evaluation reports precision/recall/revenue at n% inspected
(:mod:`~pasienis.risk.evaluate`). See docs/risk.md.
"""

from pasienis.risk.drift import DriftReport, drift
from pasienis.risk.errors import (
    HistoryError,
    ModelMismatchError,
    RiskError,
    RiskNotFoundError,
    RuleError,
)
from pasienis.risk.evaluate import at_n, format_table, random_baseline, report
from pasienis.risk.features import FEATURES, FeatureStats, GraphFacts, build_features
from pasienis.risk.history import read_history
from pasienis.risk.mapping import FIELDS, HistoryMapping, load_mapping, parse_mapping
from pasienis.risk.model import RiskModel, file_sha256, load_model, train, training_matrices
from pasienis.risk.rules import RuleSet, load_rules, parse_rules
from pasienis.risk.score import Scores, score
from pasienis.risk.service import get_scores, list_scores, score_store
from pasienis.risk.split import Split, time_split

__all__ = [
    "FEATURES",
    "FIELDS",
    "DriftReport",
    "FeatureStats",
    "GraphFacts",
    "HistoryError",
    "HistoryMapping",
    "ModelMismatchError",
    "RiskError",
    "RiskModel",
    "RiskNotFoundError",
    "RuleError",
    "RuleSet",
    "Scores",
    "Split",
    "at_n",
    "build_features",
    "drift",
    "file_sha256",
    "format_table",
    "get_scores",
    "list_scores",
    "load_mapping",
    "load_model",
    "load_rules",
    "parse_mapping",
    "parse_rules",
    "random_baseline",
    "read_history",
    "report",
    "score",
    "score_store",
    "time_split",
    "train",
    "training_matrices",
]
