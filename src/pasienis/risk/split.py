"""Time-based train / validation / test split: the future never teaches the past.

Rows before ``valid_from`` train; rows from ``valid_from`` to ``test_from`` stop the boosting
early; rows from ``test_from`` on are only ever scored. :func:`known_before` is the per-row
cutoff for outcomes: a training row knows outcomes before its own day, a validation row
those before ``valid_from``, a test row those before ``test_from`` (a model deployed on that
day knows no outcome of the days it is judged on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pasienis.risk.errors import HistoryError
from pasienis.risk.timesafe import days


@dataclass(frozen=True)
class Split:
    valid_from: date
    test_from: date

    def to_dict(self) -> dict[str, str]:
        return {"valid_from": self.valid_from.isoformat(), "test_from": self.test_from.isoformat()}

    def period(self, frame: pd.DataFrame) -> np.ndarray:
        """0 train, 1 validation, 2 test, for each row."""
        d = days(frame["date"].to_numpy())
        v, t = _day(self.valid_from), _day(self.test_from)
        return np.where(d < v, 0, np.where(d < t, 1, 2))

    def known_before(self, frame: pd.DataFrame) -> np.ndarray:
        d = days(frame["date"].to_numpy())
        return np.select(
            [d < _day(self.valid_from), d < _day(self.test_from)],
            [d, _day(self.valid_from)],
            _day(self.test_from),
        )


def _day(d: date) -> int:
    return int(np.datetime64(d.isoformat(), "D").astype(np.int64))


def time_split(
    frame: pd.DataFrame,
    *,
    valid_from: date | None = None,
    test_from: date | None = None,
    valid_share: float = 0.15,
    test_share: float = 0.15,
) -> Split:
    """Split days at the given dates, or at the quantiles that leave the given shares."""
    when = pd.Series(frame["date"]).sort_values()
    if valid_from is None:
        valid_from = when.iloc[int(len(when) * (1 - valid_share - test_share))].date()
    if test_from is None:
        test_from = when.iloc[int(len(when) * (1 - test_share))].date()
    split = Split(valid_from, test_from)
    counts = np.bincount(split.period(frame), minlength=3)
    if valid_from >= test_from or (counts == 0).any():
        raise HistoryError(
            f"the time split {split.to_dict()} leaves {counts.tolist()} rows for train, "
            "validation and test; each needs rows",
            hint="give --valid-from and --test-from dates inside the history's period",
        )
    return split
