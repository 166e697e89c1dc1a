"""``create_app(settings)``: one process serving the API, the web apps and WebSockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from pasienis import __version__
from pasienis.api.access_log import install_access_log_redaction
from pasienis.api.collector import freeze_startup
from pasienis.api.middleware import install_security
from pasienis.api.problems import install_problem_handlers
from pasienis.api.routeindex import install_route_index
from pasienis.api.routers import (
    alerts,
    audit,
    auth,
    basemap,
    cases,
    documents,
    entities,
    graph,
    imports,
    jobs,
    mappings,
    ops_intercept,
    ops_pairing,
    ops_positions,
    ops_tasks,
    ops_units,
    ops_ws,
    planning,
    plate_reads,
    profile,
    resolution,
    retention,
    risk,
    schema,
    search,
    system,
    users,
    violations,
    watch,
)
from pasienis.api.sockets import SocketRegistry
from pasienis.api.static import mount_web
from pasienis.api.wiring import retention_erasers
from pasienis.config import Settings
from pasienis.documents import JOB_KIND as DOCUMENTS_JOB
from pasienis.documents import RELINK_JOB, documents_job, relink_job
from pasienis.ingest.evidence import TOPIC as SEIZURE_TOPIC
from pasienis.ingest.evidence import seizure_handler
from pasienis.ingest.jobkind import JOB_KIND as IMPORT_JOB
from pasienis.ingest.jobkind import import_job
from pasienis.jobs import Bus, JobRunner
from pasienis.model import install_model
from pasienis.ops.flows import Ops
from pasienis.ops.runtime import ops_running
from pasienis.resolve import INCREMENTAL_JOB, incremental_job, on_import_completed, resolve_job
from pasienis.resolve import JOB_KIND as RESOLVE_JOB
from pasienis.risk.jobkind import JOB_KIND as RISK_JOB
from pasienis.risk.jobkind import risk_job
from pasienis.security import PrincipalCache
from pasienis.security.anchor import anchoring
from pasienis.store import Store, background_checkpoints, open_store
from pasienis.watch import IndexCache
from pasienis.watch.runtime import running as intelligence_running


def then_relink(handler: Any, submit: Any) -> Any:
    """A resolve job handler that, once done, queues the re-link of documents' mentions
    whose candidates now resolve differently (documents and resolve are siblings: the API
    composes them)."""

    def run(ctx: Any) -> Any:
        result = handler(ctx)
        submit(RELINK_JOB, {}, created_by=ctx.created_by)
        return result

    return run


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, tune_gc: bool = False
) -> FastAPI:
    """Build the app. ``store`` may be given (tests pin one); otherwise it is opened here.

    ``tune_gc``: once started, freeze the start-up heap out of the collector's reach
    (:mod:`pasienis.api.collector`) — only where this process is the server
    (``pasienis serve``), never in tests or inside another program.
    """
    settings = settings or Settings()
    install_model(settings)
    owned = store is None
    the_store = store or open_store(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        the_store.check()
        install_access_log_redaction()  # also when run by `uvicorn` directly, after its logging
        ops.bus = ops.bus or getattr(_app.state, "bus", None)
        # The halves meet on the bus: a seizure recorded in the field becomes graph evidence.
        unsubscribe = _app.state.bus.subscribe(SEIZURE_TOPIC, seizure_handler(the_store))
        # A finished import's records are resolved against the saved models (a job).
        unresolve = _app.state.bus.subscribe(
            "import.completed", on_import_completed(_app.state.jobs.submit)
        )
        # WAL checkpoints in a thread of their own, never inside a request's commit.
        with background_checkpoints(the_store):
            async with (
                ops_running(ops),
                anchoring(the_store, settings),
                intelligence_running(the_store, settings, watch_cache),
            ):
                if tune_gc:  # everything start-up loaded is in memory by now
                    freeze_startup()
                yield
        unsubscribe()
        unresolve()
        _app.state.jobs.shutdown()
        if owned:
            the_store.dispose()

    app = FastAPI(
        title="pasienis",
        version=__version__,
        description="Customs intelligence and field-operations API.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = the_store
    # Principals per credential while the security epoch stands (every route authenticates).
    app.state.principals = PrincipalCache()
    app.state.bus = Bus(the_store)
    app.state.jobs = JobRunner(the_store)
    app.state.jobs.register(IMPORT_JOB, import_job)
    app.state.jobs.register(DOCUMENTS_JOB, documents_job(settings))
    # A flow across two capabilities: identity changed, so mentions are re-decided.
    app.state.jobs.register(RESOLVE_JOB, then_relink(resolve_job, app.state.jobs.submit))
    app.state.jobs.register(INCREMENTAL_JOB, then_relink(incremental_job, app.state.jobs.submit))
    app.state.jobs.register(RELINK_JOB, relink_job)
    app.state.jobs.register(RISK_JOB, risk_job(settings))
    ops = app.state.ops = Ops(store=the_store, settings=settings)
    app.state.sockets = SocketRegistry()
    # Revocations reach the other workers (Redis relay), and theirs close sockets here.
    app.state.sockets.on_revoke = ops.credentials_changed
    ops.revoke_hooks.append(lambda subjects: app.state.sockets.revoke_local(*subjects))
    app.state.erasers = retention_erasers(settings, the_store)
    watch_cache = app.state.watch_cache = IndexCache(name_threshold=settings.watch_name_threshold)
    install_problem_handlers(app)
    # First: routes are matched in order, and position ingest is by far the busiest path.
    app.include_router(ops_positions.router)
    app.include_router(system.router)
    app.include_router(schema.router)
    app.include_router(entities.router)
    app.include_router(profile.router)
    app.include_router(cases.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(audit.router)
    app.include_router(imports.router)
    app.include_router(violations.router)
    app.include_router(planning.router)
    app.include_router(jobs.router)
    app.include_router(retention.router)
    app.include_router(mappings.router)
    app.include_router(documents.router)
    app.include_router(graph.router)
    app.include_router(resolution.router)
    app.include_router(search.router)
    app.include_router(watch.router)
    app.include_router(alerts.router)
    app.include_router(plate_reads.router)
    app.include_router(risk.router)
    app.include_router(basemap.router)
    for ops_router in (ops_units, ops_pairing, ops_tasks, ops_ws, ops_intercept):
        app.include_router(ops_router.router)
    mount_web(app)
    # Last: checks every route above declares require()/public(), then adds hardening.
    install_security(app, settings)
    # Requests are matched only against the routes that could match their path.
    install_route_index(app.router)
    return app
