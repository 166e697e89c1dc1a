"""Read a labelled declaration history (CSV or Parquet) into the canonical frame.

Training data must be right or refused: a value that does not parse is an error naming the
file, line and field (the first ten, and how many in all), never a silently dropped row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pasienis.ingest.suggest import did_you_mean
from pasienis.model import make_id
from pasienis.risk.errors import HistoryError
from pasienis.risk.mapping import FIELDS, PARTIES, HistoryMapping

_TRUE = {"1", "true", "yes", "y", "t", "illicit", "taip"}
_FALSE = {"0", "false", "no", "n", "f", "licit", "ne"}
_SHOWN = 10


def read_history(path: Path | str, mapping: HistoryMapping, *, labelled: bool) -> pd.DataFrame:
    """The canonical frame: one row per declaration line, columns named by :data:`FIELDS`.

    ``labelled`` requires the label field (training and evaluation); scoring does not.
    """
    p = Path(path)
    raw = _read_raw(p)
    return canonical(raw, mapping, source=str(p), labelled=labelled, first_line=2)


def _read_raw(p: Path) -> pd.DataFrame:
    try:
        if p.suffix.lower() == ".parquet":
            return pd.read_parquet(p).astype(str).replace({"None": "", "nan": ""})
        return pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as exc:
        raise HistoryError(f"{p}: no such file") from exc
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise HistoryError(f"{p}: cannot read as CSV (UTF-8) or Parquet: {exc}") from exc


def canonical(
    raw: pd.DataFrame, mapping: HistoryMapping, *, source: str, labelled: bool, first_line: int
) -> pd.DataFrame:
    """Map and parse columns; ``first_line`` is the file line of the first data row."""
    _check_columns(raw, mapping, source=source, labelled=labelled)
    out: dict[str, object] = {}
    problems: list[str] = []
    total = 0
    for name, column in mapping.columns.items():
        if name == "label" and not labelled:
            continue
        kind, required = FIELDS[name]
        text = raw[column].astype(str).str.strip()
        empty = text.eq("").to_numpy()
        if required or name == "label":
            total += _report(problems, source, first_line, empty, column, text, "is empty")
        values, bad = _parse(kind, text, mapping)
        what = f"is not a {'date' if kind == 'date' else kind}"
        total += _report(problems, source, first_line, bad & ~empty, column, text, what)
        out[name] = values
    if problems:
        more = f"\n  … {total - len(problems)} more" if total > len(problems) else ""
        raise HistoryError(
            f"{source}: {total} bad value(s):\n  " + "\n  ".join(problems) + more,
            hint="fix the file or the mapping (date_format, decimal)",
        )
    frame = pd.DataFrame(out)
    for name, (kind, _) in FIELDS.items():
        if name not in frame:
            frame[name] = np.nan if kind == "number" else ("" if kind == "text" else pd.NaT)
    if "label" not in mapping.columns or not labelled:
        frame["label"] = np.nan
    if mapping.party_namespace:  # company codes → the store's entity ids for the same codes
        for role in PARTIES:
            frame[role] = [make_id(mapping.party_namespace, v) if v else "" for v in frame[role]]
    frame["line"] = np.arange(first_line, first_line + len(frame))
    return frame


def _check_columns(
    raw: pd.DataFrame, mapping: HistoryMapping, *, source: str, labelled: bool
) -> None:
    missing = [(f, c) for f, c in mapping.columns.items() if c not in raw.columns]
    if missing:
        header = [str(x) for x in raw.columns]
        raise HistoryError(
            "\n".join(
                f"{source}: column {c!r} (field {f!r}, mapping line {mapping.lines.get(f, '?')}) "
                f"is not in the header{did_you_mean(c, header)}"
                for f, c in missing
            )
        )
    if labelled and "label" not in mapping.columns:
        raise HistoryError(
            f"{mapping.source}: training and evaluation need the 'label' field "
            "(the inspection outcome) mapped"
        )
    if raw.empty:
        raise HistoryError(f"{source}: no data rows")


def _report(
    problems: list[str],
    source: str,
    first: int,
    bad: np.ndarray,
    column: str,
    text: pd.Series,
    what: str,
) -> int:
    where = np.flatnonzero(bad)
    for i in where[: max(0, _SHOWN - len(problems))]:
        problems.append(f"{source}:{first + i}: {column} {text.iloc[i]!r} {what}")
    return len(where)


def _parse(kind: str, text: pd.Series, mapping: HistoryMapping) -> tuple[object, np.ndarray]:
    """Parsed values and a mask of values that did not parse."""
    if kind == "text":
        return text.to_numpy(dtype=object), np.zeros(len(text), bool)
    if kind == "number":
        t = text.str.replace(",", ".", regex=False) if mapping.decimal == "," else text
        num = pd.to_numeric(t, errors="coerce")
        return num.to_numpy(dtype=float), num.isna().to_numpy()
    if kind == "date":
        fmt = mapping.date_format or "ISO8601"
        when = pd.to_datetime(text, format=fmt, errors="coerce")
        return when.dt.normalize().to_numpy(), when.isna().to_numpy()
    low = text.str.lower()
    label = np.where(low.isin(_TRUE), 1.0, np.where(low.isin(_FALSE), 0.0, np.nan))
    return label, np.isnan(label)
