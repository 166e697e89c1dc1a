"""The analyst workbench's test world: a small generated scenario (seed 7, scale 0.3) loaded,
its reports ingested as documents, persons resolved, the search index built, an analyst
``ana`` who sees every dataset — made once per session, copied for each test."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from web_helpers import PASSWORD, free_port

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.documents import Options, ingest_paths
from pasienis.ingest import load_scenario
from pasienis.resolve import run_batch
from pasienis.scenario import generate
from pasienis.search import reindex
from pasienis.security import Role
from pasienis.security.compartments import GranteeKind, ResourceKind, grant
from pasienis.security.users import create_user
from pasienis.store import open_store

AXE = Path(__file__).parents[2] / "src/pasienis/web/vendor/axe-core/axe.min.js"
ARTIFACTS = Path(__file__).parents[1] / "artifacts" / "analyst"


def build_world(template: Path, out: Path, settings: Settings) -> dict[str, Any]:
    """Fill ``template`` (a migrated SQLite copy) with the scenario; returns truth facts."""
    folder = out / "scenario"
    generate(seed=7, scale=0.3, out=folder)
    store = open_store(settings)
    try:
        loaded = load_scenario(store, folder=folder, created_by="test")
        failed = [label for label, result in loaded if isinstance(result, Exception)]
        assert not failed, failed
        ingest_paths(store, [folder / "reports"], options=Options.from_settings(settings))
        run_batch(store, kind="person")
        reindex(store)
        with store.begin() as conn:
            ana = create_user(conn, name="ana", roles=[Role.analyst], password=PASSWORD)
            grant(conn, resource_kind=ResourceKind.dataset, resource="*",
                  grantee_kind=GranteeKind.user, grantee=ana.id, granted_by="test")  # fmt: skip
            create_user(conn, name="bob", roles=[Role.analyst], password=PASSWORD)
    finally:
        store.dispose()
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return {"truth": truth, "folder": folder}


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The app on a free port in a thread (uvicorn), until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", ws_ping_interval=None))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def copy_db(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core on the page as it is now: violations of impact serious or critical.

    The script is evaluated through the DevTools protocol (not a <script> tag), so the
    page's strict CSP stays as it is in production.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]
