"""Drift check: has new data moved away from the training period?

The population stability index (PSI) over the training period's decile bins, per numeric
feature and for the score; the usual reading in credit and customs risk: < 0.1 stable,
0.1-0.25 moving, > 0.25 shifted (retrain, or find out what changed at the border).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

WARN, SHIFT = 0.1, 0.25
_EPS = 1e-4


def histogram(values: np.ndarray) -> dict[str, Any]:
    """Decile edges of the finite values and the share of each bin (plus missing)."""
    v = np.asarray(values, float)
    finite = v[np.isfinite(v)]
    edges = np.unique(np.quantile(finite, np.linspace(0.1, 0.9, 9))) if len(finite) else []
    return {"edges": [float(e) for e in edges], "shares": _shares(v, np.asarray(edges))}


def _shares(v: np.ndarray, edges: np.ndarray) -> list[float]:
    finite = np.isfinite(v)
    counts = np.bincount(
        np.searchsorted(edges, v[finite], side="right"), minlength=len(edges) + 1
    ).astype(float)
    counts = np.append(counts, (~finite).sum())
    return (counts / max(1, len(v))).tolist()


def psi(reference: dict[str, Any], values: np.ndarray) -> float:
    ref = np.asarray(reference["shares"], float) + _EPS
    new = (
        np.asarray(_shares(np.asarray(values, float), np.asarray(reference["edges"])), float) + _EPS
    )
    return float(np.sum((new - ref) * np.log(new / ref)))


@dataclass(frozen=True)
class DriftReport:
    score_psi: float
    features: dict[str, float]

    @property
    def shifted(self) -> list[str]:
        return sorted(k for k, v in self.features.items() if v > SHIFT)

    @property
    def level(self) -> str:
        worst = max([self.score_psi, *self.features.values()], default=0.0)
        return "shifted" if worst > SHIFT else "moving" if worst > WARN else "stable"

    def warnings(self) -> list[str]:
        out = []
        if self.score_psi > WARN:
            out.append(
                f"score distribution moved from the training period (PSI {self.score_psi:.2f})"
            )
        for name in sorted(self.features, key=self.features.get, reverse=True):
            if self.features[name] > SHIFT:
                out.append(f"feature {name} shifted (PSI {self.features[name]:.2f})")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "score_psi": self.score_psi,
            "features": self.features,
            "warnings": self.warnings(),
        }


def drift(reference: dict[str, Any], x: Any, scores: np.ndarray) -> DriftReport:
    feats = {
        name: psi(ref, x[name].to_numpy(dtype=float))
        for name, ref in reference.items()
        if name != "score" and name in x
    }
    return DriftReport(psi(reference["score"], scores), feats)
