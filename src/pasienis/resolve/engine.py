"""Splink on DuckDB (embedded) or Spark (larger than one machine): one model, two engines.

Training uses no labels: the prior from deterministic rules, u-probabilities from random
sampling (seeded, so a run is reproducible) and m-probabilities by expectation maximisation.
The trained model is Splink's settings JSON, saved with the run and reloaded to score new
records (incremental) with exactly the same parameters.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pasienis.model.names import rendering_key_of_tokens
from pasienis.resolve.blocking import FrameStats
from pasienis.resolve.comparisons import (
    BLOCKING_KEY,
    DERIVED,
    DETERMINISTIC,
    EM_RULES,
    LOOKALIKES,
    settings_for,
    usable_rules,
)
from pasienis.resolve.errors import ResolveError, SparkUnavailableError
from pasienis.resolve.kinds import FEATURES, name_features

if TYPE_CHECKING:
    import pandas as pd
    from splink import Linker

log = logging.getLogger(__name__)

#: Columns of the frame Splink sees (features plus the derived comparison columns).
FRAME_COLUMNS: tuple[str, ...] = ("unique_id", *FEATURES, *DERIVED)


def frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """A pandas frame of feature rows with the derived columns Splink compares (missing
    values may be None or NaN: both become nulls when the frame is registered)."""
    import pandas as pd

    # from_records builds the columns in compiled code (a million rows: seconds, not tens).
    df = pd.DataFrame.from_records(rows, columns=["entity_id", *FEATURES])
    df = df.rename(columns={"entity_id": "unique_id"})
    missing = df["name_fold"].isna() & df["name"].notna()
    if missing.any():  # rows saved before name_fold was a stored feature (migration 0017)
        df.loc[missing, "name_fold"] = [name_features(n)["name_fold"] for n in df["name"][missing]]
    df["id1_fold"] = [v.translate(LOOKALIKES) if isinstance(v, str) else None for v in df["id1"]]
    # name_fold is the name's tokens (model.names.name_tokens) joined by single spaces.
    df["name_render"] = _per_value(df["name_fold"], lambda f: rendering_key_of_tokens(f.split()))
    return df[list(FRAME_COLUMNS)].astype(object)


def _per_value(column: pd.Series, fn: Any) -> list[Any]:
    """``fn`` of each value, computed once per distinct value (names repeat: a million
    records hold far fewer distinct names), None for missing values."""
    done = {v: fn(v) for v in column.dropna().unique()}
    return [done.get(v) if isinstance(v, str) else None for v in column]


@dataclass
class Engine:
    """Which Splink backend runs: ``duckdb`` (default) or ``spark`` with a session."""

    name: str = "duckdb"
    spark: Any = None
    memory_mb: int = 2048
    threads: int = 2
    _con: Any = field(default=None, repr=False)

    def db_api(self) -> Any:
        if self.name == "spark":
            from splink.backends.spark import SparkAPI

            return SparkAPI(spark_session=self.spark or spark_session())
        import duckdb
        from splink import DuckDBAPI

        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{int(self.memory_mb)}MB'")
        con.execute(f"SET threads = {int(self.threads)}")
        con.execute("SET preserve_insertion_order = false")
        self._con = con
        return DuckDBAPI(connection=con)

    def register(self, db_api: Any, df: pd.DataFrame, name: str) -> Any:
        if self.name == "spark":
            session = db_api.spark
            clean = df.astype(object).where(df.notna(), None)  # Spark wants None, not NaN
            return db_api.register(
                session.createDataFrame(clean, schema=_spark_schema()), table_name=name
            )
        import pyarrow as pa

        # An all-empty column must still be text (pandas would make it an integer column).
        schema = pa.schema([(c, pa.string()) for c in FRAME_COLUMNS])
        return db_api.register(pa.Table.from_pandas(df, schema=schema, preserve_index=False),
                               table_name=name)  # fmt: skip


def _spark_schema() -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField(c, StringType(), True) for c in FRAME_COLUMNS])


def spark_session(master: str = "local[2]") -> Any:
    """A Spark session (``master`` is ``local[N]`` here, ``spark://host:7077`` on a cluster)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailableError(
            "the Spark engine needs pyspark", hint="pip install 'pasienis[spark]'"
        ) from exc
    if shutil.which("java") is None:
        raise SparkUnavailableError("the Spark engine needs a Java runtime", hint="install a JRE")
    from splink.backends.spark import similarity_jar_location

    # Spark's Python workers must run this interpreter (not whatever python3 is on PATH).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(master)
        # Splink's string-similarity UDFs (Jaro-Winkler, Damerau-Levenshtein) for Spark SQL.
        .config("spark.jars", similarity_jar_location())
        .config("spark.pyspark.python", sys.executable)
        .appName("pasienis-resolve")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    if not session.sparkContext.getCheckpointDir():
        # Splink checkpoints intermediate tables; a cluster sets this to shared storage.
        folder = Path(tempfile.gettempdir()) / "pasienis-spark-checkpoints"
        session.sparkContext.setCheckpointDir(str(folder))
    return session


def _quiet() -> None:
    for name in ("splink", "py4j"):
        logging.getLogger(name).setLevel(logging.ERROR)


def train(
    engine: Engine, df: pd.DataFrame, kind: str, *, seed: int, max_pairs: float
) -> tuple[Linker, list[str]]:
    """A linker for ``df`` with parameters trained without labels; returns warnings too."""
    from splink import Linker

    _quiet()
    api = engine.db_api()
    stats = FrameStats(df)
    try:
        settings, warnings, filled, specs = settings_for(kind, stats)
    finally:
        stats.close()
    registered = engine.register(api, df, f"features_{kind}")
    linker = Linker(registered, settings, log_level=None)
    try:
        linker.training.estimate_probability_two_random_records_match(
            usable_rules(DETERMINISTIC[kind], filled), recall=0.8
        )
    except Exception as exc:  # too few records for any rule to fire
        warnings.append(f"prior not estimated: {exc}")
    settings = linker._settings_obj  # Splink keeps the prior here; no public setter
    if not 0 < (settings._probability_two_random_records_match or 0) < 1:
        # No deterministic pair at all: fall back to one match per record, a weak prior.
        settings._probability_two_random_records_match = 1 / max(len(df), 2)
        warnings.append("no deterministic matches: prior set to 1/records")
    # One chunk, no early stop: the same seed gives the same sample (and is faster here).
    linker.training.estimate_u_using_random_sampling(
        max_pairs=max_pairs, seed=seed, num_chunks=1, min_count_per_level=None
    )
    for rule in usable_rules(EM_RULES[kind], filled):
        # A failed session can leave its training copy of the settings on the linker (the
        # blocked comparison removed, the blocked set's prior): put the settings back.
        before = copy.deepcopy(linker._settings_obj)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=max_pairs
            )
        except Exception as exc:  # Splink raises when a rule yields no pairs to train on
            linker._settings_obj = before
            warnings.append(f"EM session on {rule} skipped: {exc}")
    linker._pasienis_blocking = specs  # read by model_json (Splink's settings have no slot)
    register_term_frequencies(linker, engine, api, [registered], [df],
                              _tf_columns(model_json(linker)))  # fmt: skip
    return linker, warnings


def term_frequencies(df: pd.DataFrame, columns: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Per column, each value's share of the *distinct* feature rows that fill the column.

    Why not Splink's own share of records: one person's repeated records (a driver on
    thirteen declarations, each naming him and his truck and nothing else) are identical
    rows, and counting each made his name look thirteen times as common as it is, which
    pulled every pair of his records below the merge threshold. Rows that differ in any
    field (another date of birth, another vehicle) still count apart, so two people who
    share a name still make it common. No labels are involved."""
    import duckdb
    import pyarrow as pa

    con = duckdb.connect()
    try:
        schema = pa.schema([(c, pa.string()) for c in FRAME_COLUMNS])
        con.register("f", pa.Table.from_pandas(df[list(FRAME_COLUMNS)], schema=schema,
                                               preserve_index=False))  # fmt: skip
        names = _tf_tables(con, ["f"], columns)
        return {c: con.execute(f"select * from {t}").df() for c, t in names.items()}
    finally:
        con.close()


def _tf_tables(con: Any, tables: Sequence[str], columns: Sequence[str]) -> dict[str, str]:
    """:func:`term_frequencies` as tables in a DuckDB connection, over the union of
    ``tables`` (feature frames): column -> table name."""
    if not columns:
        return {}
    features = ", ".join(f'"{c}"' for c in FRAME_COLUMNS if c != "unique_id")
    kept = ", ".join(f'"{c}"' for c in columns)
    # One 64-bit hash of the whole feature row stands for the row (a distinct over twenty
    # text columns of a million rows took ten seconds; this takes one).
    union = " union all ".join(f"select hash({features}) as row_hash, {kept} from {t}"
                               for t in tables)  # fmt: skip
    con.execute(
        f"create or replace temp table pasienis_tf_rows as select distinct * from ({union})"
    )
    out = {}
    for c in columns:
        out[c] = f"pasienis_tf_{c}"
        con.execute(
            f'create or replace table {out[c]} as select "{c}", cast(count(*) as double) / '
            f'(select count("{c}") from pasienis_tf_rows) as "tf_{c}" from pasienis_tf_rows '
            f'where "{c}" is not null group by "{c}"'
        )
    con.execute("drop table pasienis_tf_rows")
    return out


def register_term_frequencies(
    linker: Linker, engine: Engine, api: Any, frames: Sequence[Any],
    local: Sequence[pd.DataFrame], columns: Sequence[str],
) -> None:  # fmt: skip
    """Hand Splink the term-frequency tables of :func:`term_frequencies` over the registered
    ``frames``: computed where they are (DuckDB: no copy of a million rows), or from their
    ``local`` pandas frames (Spark: the tables are small and registered to the session)."""
    if engine.name == "duckdb":
        for column, table in _tf_tables(engine._con, [f.physical_name for f in frames],
                                        columns).items():  # fmt: skip
            found = api.table_to_splink_dataframe(table, table)
            linker.table_management.register_term_frequency_lookup(found, column)
        return
    import pandas as pd

    both = pd.concat(list(local), ignore_index=True)
    for column, table in term_frequencies(both, columns).items():
        registered = api.register(table, table_name=f"pasienis_tf_{column}")
        linker.table_management.register_term_frequency_lookup(registered, column)


def load(
    engine: Engine, model: dict[str, Any], frames: dict[str, pd.DataFrame]
) -> tuple[Linker, list[Any]]:
    """A linker with a saved model over registered frames (for incremental scoring)."""
    from splink import Linker

    _quiet()
    api = engine.db_api()
    registered = [engine.register(api, df, name) for name, df in frames.items()]
    settings = {k: v for k, v in model.items() if k != BLOCKING_KEY}
    linker = Linker(registered[0], settings, log_level=None)
    # Term frequencies (predict_between needs them registered): shares of the distinct
    # rows among the candidates and the new records. Those hold the saved records sharing
    # a new record's value (the blocking rules found them) out of far fewer rows than the
    # batch had, so a value looks more common here than in the batch: incremental scoring
    # is the stricter of the two, never the looser (the next batch run re-scores).
    register_term_frequencies(linker, engine, api, registered, list(frames.values()),
                              _tf_columns(model))  # fmt: skip
    return linker, registered


def _tf_columns(model: dict[str, Any]) -> list[str]:
    return sorted(
        {
            lv["tf_adjustment_column"]
            for comp in model.get("comparisons", [])
            for lv in comp["comparison_levels"]
            if lv.get("tf_adjustment_column")
        }
    )


def model_json(linker: Linker) -> dict[str, Any]:
    """Splink's model JSON plus our blocking rules as column lists (for incremental)."""
    model = linker.misc.save_model_to_json(out_path=None)
    specs = getattr(linker, "_pasienis_blocking", None)
    if specs is not None:
        model[BLOCKING_KEY] = specs
    return model


def predictions(splink_df: Any) -> pd.DataFrame:
    """Splink predictions as pandas (ids, score, per-comparison gamma and weight only: the
    compared values stay in the engine, which keeps a million-record run's memory down)."""
    names = [c.unquote().name for c in splink_df.columns]
    keep = [n for n in names if n.startswith(("gamma_", "mw_")) or n in _PAIR_COLUMNS]
    sql = f"select {', '.join(keep)} from {splink_df.physical_name}"
    out = splink_df.db_api.query_sql(sql, output_type="pandas")
    splink_df.drop_table_from_database_and_remove_from_cache()
    if out.empty:
        return out
    return out.sort_values(["unique_id_l", "unique_id_r"], kind="stable").reset_index(drop=True)


_PAIR_COLUMNS = ("unique_id_l", "unique_id_r", "match_probability", "match_weight")


def predict(linker: Linker, *, threshold: float) -> pd.DataFrame:
    """Scored pairs above ``threshold`` found by the kind's blocking rules."""
    return predictions(linker.inference.predict(threshold_match_probability=threshold))


def predict_between(linker: Linker, new: Any, old: Any, *, threshold: float) -> pd.DataFrame:
    """Pairs new x existing (blocked) plus pairs within the new records."""
    import pandas as pd

    between = predictions(
        linker.inference.predict_between(
            new, old, threshold_match_probability=threshold, warning_mode="never"
        )
    )
    within = predictions(
        linker.inference.predict_within(
            new, threshold_match_probability=threshold, warning_mode="never"
        )
    )
    return pd.concat([between, within], ignore_index=True)


@dataclass(frozen=True)
class Evidence:
    """How a comparison's gamma value reads: per comparison, level labels by gamma."""

    labels: dict[str, dict[int, str]]

    @classmethod
    def of(cls, model: dict[str, Any]) -> Evidence:
        labels: dict[str, dict[int, str]] = {}
        for comp in model.get("comparisons", []):
            levels = comp["comparison_levels"]
            name = comp.get("output_column_name") or comp.get("comparison_description")
            non_null = [lv for lv in levels if not lv.get("is_null_level")]
            labels[name] = {
                len(non_null) - 1 - i: lv.get("label_for_charts") or lv["sql_condition"]
                for i, lv in enumerate(non_null)
            }
            if any(lv.get("is_null_level") for lv in levels):
                labels[name][-1] = "missing on one side"
        return cls(labels)

    def of_row(self, row: Any) -> list[dict[str, Any]]:
        """Per comparison: its level, gamma and match weight (log2 Bayes factor)."""
        out = []
        for name, levels in self.labels.items():
            gamma = row.get(f"gamma_{name}")
            if gamma is None or (isinstance(gamma, float) and math.isnan(gamma)):
                continue
            weight = float(row.get(f"mw_{name}") or 0.0)
            out.append({
                "comparison": name, "gamma": int(gamma),
                "level": levels.get(int(gamma), str(gamma)),
                "agrees": int(gamma) == max(levels), "match_weight": round(weight, 3),
            })  # fmt: skip
        return out


def require_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    """Fail loudly when Splink's output lacks what evidence needs (a model mismatch)."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ResolveError(f"Splink predictions lack columns {missing}")
