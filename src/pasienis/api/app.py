"""``create_app(settings)``: one process serving the API, the web apps and WebSockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pasienis import __version__
from pasienis.api.problems import install_problem_handlers
from pasienis.api.routers import entities, schema, system
from pasienis.config import Settings
from pasienis.model import install_model
from pasienis.store import Store, open_store


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the app. ``store`` may be given (tests pin one); otherwise it is opened here."""
    settings = settings or Settings()
    install_model(settings)
    owned = store is None
    the_store = store or open_store(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        the_store.check()
        yield
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
    install_problem_handlers(app)
    app.include_router(system.router)
    app.include_router(schema.router)
    app.include_router(entities.router)
    return app
