"""The same model on Splink's Spark backend (local session) as on DuckDB.

CI runs this (``.ci/run`` installs a Java runtime); outside CI it is skipped when Java or
pyspark is missing.
"""

from __future__ import annotations

import shutil

import pytest
from tests.conftest import service_missing
from tests.resolve.conftest import VARIANTS, people

from pasienis.resolve import engine as eng
from pasienis.resolve.features import fold
from pasienis.resolve.kinds import kind_of


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        service_missing("a Java runtime for Spark", "java not on PATH")
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:  # CI installs the [spark] extra: missing there is a failure
        service_missing("pyspark (pip install 'pasienis[spark]')", exc)
    session = eng.spark_session("local[1]")
    yield session
    session.stop()


def _rows() -> list[dict]:
    kind, rows = kind_of("person"), []
    for p in people(40):
        for n, name in enumerate(
            (f"{p['first']} {p['last']}", f"{VARIANTS.get(p['last'], p['last'])} {p['first']}")
        ):
            row = fold(kind, {"name": [name], "birthDate": [p["dob"]]})
            row["entity_id"] = f"p{p['i']:03d}-{n}"
            rows.append(row)
    return rows


@pytest.mark.slow
def test_spark_and_duckdb_agree(spark) -> None:
    df = eng.frame(_rows())
    results = {}
    for name, session in (("duckdb", None), ("spark", spark)):
        linker, _ = eng.train(eng.Engine(name, spark=session), df, "person", seed=7, max_pairs=5e3)
        preds = eng.predict(linker, threshold=0.5)
        results[name] = {(r.unique_id_l, r.unique_id_r) for r in preds.itertuples()}
    truth = {(f"p{i:03d}-0", f"p{i:03d}-1") for i in range(40)}
    for name, pairs in results.items():
        assert len(pairs & truth) >= 36, f"{name} found {len(pairs & truth)}/40 true pairs"
    overlap = len(results["duckdb"] & results["spark"]) / max(len(results["duckdb"]), 1)
    assert overlap >= 0.9, f"engines disagree: {overlap:.2f}"
