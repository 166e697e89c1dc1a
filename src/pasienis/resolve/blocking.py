"""Blocking rules chosen from the data: a rule is used when the records fill its columns and
it yields a number of pairs the run can afford.

Why not one fixed list: a customs import has names, dates and documents; a register extract
has postcodes and birth places; a rule on a column nobody fills finds nothing, and a broad
rule (the date of birth alone) that finds the typo'd names in 5,000 records would make
tens of millions of pairs in a million. Counting a rule's pairs is a group-by over the
feature frame (sum of n·(n-1)/2 over its keys), far cheaper than the join it predicts; it
runs in an embedded DuckDB whichever engine scores (the frame is local in both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from splink import block_on

if TYPE_CHECKING:
    import pandas as pd

#: A rule may make at most this many pairs per record (or BUDGET_FLOOR, whichever is more).
PAIRS_PER_RECORD = 8
BUDGET_FLOOR = 2_000_000


@dataclass(frozen=True)
class Key:
    """One part of an equi-join rule: a column, or its first ``prefix`` characters."""

    column: str
    prefix: int | None = None

    @property
    def sql(self) -> str:
        return self.column if self.prefix is None else f"substr({self.column}, 1, {self.prefix})"


@dataclass(frozen=True)
class Rule:
    """Records agreeing on every key are compared; ``always`` rules skip the budget (they
    block on identifiers or whole names, which are nearly unique)."""

    keys: tuple[Key, ...]
    always: bool = False
    sql: str | None = None  # a non-equi rule (swapped name parts), always used when filled

    @property
    def columns(self) -> set[str]:
        return {k.column for k in self.keys}

    def creator(self) -> Any:
        return self.sql or block_on(*(k.sql for k in self.keys))

    def spec(self) -> dict[str, Any]:
        """JSON form, saved with the model so incremental lookups follow the same rules."""
        if self.sql:
            return {"sql": self.sql, "columns": sorted(self.columns)}
        return {"keys": [[k.column, k.prefix] for k in self.keys]}

    def pairs(self, stats: FrameStats) -> int:
        """Pairs this rule makes in the frame (records with every key filled)."""
        keys = ", ".join(k.sql for k in self.keys)
        filled = " and ".join(f"{k.column} is not null" for k in self.keys)
        sql = (
            f"select coalesce(sum(n * (n - 1) // 2), 0) from "
            f"(select count(*) as n from t where {filled} group by {keys})"
        )
        return int(stats.scalar(sql))


class FrameStats:
    """Counts over a feature frame (filled columns, pairs per rule, agreement rates)."""

    def __init__(self, df: pd.DataFrame) -> None:
        import duckdb
        import pyarrow as pa

        self.rows = len(df)
        self.columns = list(df.columns)
        schema = pa.schema([(c, pa.string()) for c in self.columns])
        self._con = duckdb.connect()
        self._con.execute("SET threads = 2")
        self._con.register("t", pa.Table.from_pandas(df, schema=schema, preserve_index=False))

    def scalar(self, sql: str) -> Any:
        return self._con.execute(sql).fetchone()[0]  # type: ignore[index]

    def filled(self) -> dict[str, int]:
        """Non-null values per column."""
        counts = self._con.execute(
            "select " + ", ".join(f'count("{c}")' for c in self.columns) + " from t"
        ).fetchone()
        return dict(zip(self.columns, counts or (), strict=True))

    def agreement(self, key: str, column: str) -> tuple[int, int]:
        """(pairs agreeing on ``key`` with ``column`` filled on both sides, of them equal)."""
        sql = (
            f"select count(*), coalesce(sum(case when l.{column} = r.{column} then 1 end), 0) "
            f"from t l join t r on l.{key} = r.{key} and l.unique_id < r.unique_id "
            f"where l.{column} is not null and r.{column} is not null"
        )
        pairs, same = self._con.execute(sql).fetchone()  # type: ignore[misc]
        return int(pairs), int(same)

    def close(self) -> None:
        self._con.close()


def rule(*keys: str | tuple[str, int], always: bool = False) -> Rule:
    return Rule(tuple(Key(k) if isinstance(k, str) else Key(*k) for k in keys), always=always)


def choose(
    rules: Sequence[Rule], stats: FrameStats, filled: set[str], refiners: Sequence[Key] = ()
) -> tuple[list[Rule], list[str]]:
    """The rules to use and a note per rule changed or left out (kept in the run's
    warnings). A rule over the budget is narrowed by the first of ``refiners`` (the year of
    birth, say) that brings it within; only if none does is it left out. Why narrow rather
    than drop: a million records share common names thousands of times, yet those with the
    same name and year are few, and the same person's records nearly always agree on both."""
    budget = max(BUDGET_FLOOR, PAIRS_PER_RECORD * stats.rows)
    chosen: list[Rule] = []
    notes: list[str] = []
    for r in rules:
        label = r.sql or " and ".join(k.sql for k in r.keys)
        if not r.columns <= filled:
            continue
        if r.always or r.sql:
            chosen.append(r)
            continue
        n = r.pairs(stats)
        if n <= budget:
            chosen.append(r)
            continue
        for key in refiners:
            if key.column not in filled or key.column in r.columns:
                continue
            narrow = Rule((*r.keys, key))
            m = narrow.pairs(stats)
            if m <= budget:
                chosen.append(narrow)
                notes.append(f"blocking on {label} narrowed by {key.sql}: {n:,} pairs > "
                             f"budget {budget:,}, {m:,} after")  # fmt: skip
                break
        else:
            notes.append(f"blocking on {label} left out: {n:,} pairs > budget {budget:,}")
    return chosen, notes
