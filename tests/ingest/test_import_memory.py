"""What an import process holds beside its batches and caches (issue 12: memory flat).

Two fixed costs had doubled the importing process's peak (311-337 MB → 641-675 MB at 1M
rows): upgrading a store imported every capability's package (OR-Tools, pandas, DuckDB,
LightGBM) for Alembic's metadata, and counting the run's entities filled the connection's
256 MiB page cache with statement pages read once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pasienis.ingest import parse_mapping, run_import
from pasienis.store import Store

#: Packages only other capabilities use; an import must not load them.
HEAVY = ("ortools", "pandas", "duckdb", "splink", "lightgbm", "sklearn", "scipy")

PEOPLE = """
dataset: people
entities:
  person: {schema: Person, key: [id], properties: {name: name}}
"""
PROBE = """
import json, sys
from pathlib import Path
from pasienis.config import Settings
from pasienis.ingest import parse_mapping, run_import
from pasienis.model import install_model
from pasienis.store import open_store, upgrade
settings = Settings(data_dir=Path(sys.argv[1]))
install_model(settings)
store = open_store(settings)
upgrade(store)
source = Path(sys.argv[1]) / "p.csv"
source.write_text("id,name\\n1,Jonas\\n", encoding="utf-8")
mapping = parse_mapping(sys.argv[2], name="m.yml")
run_import(store, source=source, mapping=mapping)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_upgrading_and_importing_loads_no_other_capabilitys_libraries(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path), PEOPLE], capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert loaded & set(HEAVY) == set()


def test_the_entity_count_reads_with_a_small_page_cache(
    sqlite_store: Store, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The count at the end of a run (a scan of the run's id statements) runs inside
    ``Dialect.one_pass``: with SQLite a 4 MiB page cache, the write path's back after."""
    from pasienis.ingest import runs

    seen: list[int] = []
    counted = runs.entities_in_store

    def spy(conn, run):  # type: ignore[no-untyped-def]
        seen.append(conn.exec_driver_sql("PRAGMA cache_size").scalar())
        return counted(conn, run)

    monkeypatch.setattr(runs, "entities_in_store", spy)
    source = tmp_path / "p.csv"
    source.write_text("id,name\n1,Jonas\n2,Ona\n", encoding="utf-8")
    result = run_import(sqlite_store, source=source, mapping=parse_mapping(PEOPLE, name="m.yml"))
    assert result.run["entities"] == 2
    assert seen == [-4 * 1024]
    with sqlite_store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -(
            sqlite_store.settings.sqlite_cache_mb * 1024
        )
