"""What the entity guard costs: an FtM import acting for a user vs. the same as the operator.

The store already holds ``--rows`` entities of a dataset the user cannot see; the file brings
``--rows`` entities, one in a hundred naming one of those (the guard quarantines it). The
reference is the same import run by the operator (no guard) in the same run; the ratio is
acting / operator, best of two each. SQLite, one process.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pasienis.config import Settings
from pasienis.ingest import run_import
from pasienis.model import Provenance, entity_statements, install_model, write_statements
from pasienis.security import Principal, PrincipalKind, Role, principal_for_user
from pasienis.security.provision import provision
from pasienis.security.users import get_user
from pasienis.store import Store, open_store, upgrade


def _store(root: Path, name: str, rows: int) -> tuple[Store, Principal]:
    folder = root / name
    folder.mkdir()
    store = open_store(Settings(data_dir=folder))
    upgrade(store)
    prov = Provenance("other_ds", datetime.now(UTC), run_id="r0", locator="other:1")
    statements = []
    for i in range(rows):
        statements += entity_statements(f"other-{i}", "Person", {"name": [f"Other {i}"]}, prov)
    with store.begin() as conn:
        write_statements(store, conn, statements)
        provision(conn, name="ana", roles=[Role.analyst], datasets=[])
        acting = principal_for_user(conn, get_user(conn, name="ana").id, PrincipalKind.user)
    return store, acting


def _source(root: Path, rows: int) -> Path:
    path = root / "in.ftm.json"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            entity_id = f"other-{i}" if i % 100 == 0 else f"mine-{i}"
            props = {"name": [f"Person {i}"], "birthDate": ["1980-01-01"]}
            handle.write(json.dumps({"id": entity_id, "schema": "Person", "properties": props}))
            handle.write("\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    args, _unknown = parser.parse_known_args()
    root = Path(tempfile.mkdtemp(prefix="bench-guard-"))
    try:
        install_model(Settings(data_dir=root))
        source = _source(root, args.rows)
        best: dict[str, float] = {}
        for attempt in range(2):
            for label in ("operator", "acting"):
                store, acting = _store(root, f"{label}-{attempt}", args.rows)
                started = time.perf_counter()
                result = run_import(
                    store, source=source, fmt="ftm", dataset="mine_ds",
                    acting=acting if label == "acting" else None,
                )  # fmt: skip
                took = time.perf_counter() - started
                store.dispose()
                best[label] = min(best.get(label, took), took)
                print(f"{label:9s} {took:6.2f} s  quarantined {result.run['quarantined']}")
        ratio = best["acting"] / best["operator"]
        print(f"entity guard: acting / operator = {ratio:.2f}x ({args.rows:,} entities)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
