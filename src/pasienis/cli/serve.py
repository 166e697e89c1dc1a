"""``pasienis serve``: the web process (API, web apps, WebSockets); ``pasienis serve-ingest``:
the position-ingest-only process (Traccar/OsmAnd and OwnTracks HTTP) on a port of its own."""

from __future__ import annotations

import typer

from pasienis.cli.context import settings


def serve(
    host: str | None = typer.Option(None, "--host", help="Address to listen on."),
    port: int | None = typer.Option(None, "--port", help="Port to listen on."),
) -> None:
    """Serve the API and the web apps (uvicorn)."""
    import uvicorn

    from pasienis.api import create_app
    from pasienis.api.access_log import install_access_log_redaction

    cfg = settings()
    app = create_app(cfg, tune_gc=True)  # this process only serves
    install_access_log_redaction()
    uvicorn.run(app, host=host or cfg.host, port=port or cfg.port, log_level=cfg.log_level.lower())


def serve_ingest(
    host: str | None = typer.Option(None, "--host", help="Address to listen on."),
    port: int | None = typer.Option(
        None, "--port", help="Port to listen on (default: PASIENIS_INGEST_PORT)."
    ),
) -> None:
    """Serve position ingest only (Traccar/OsmAnd, OwnTracks HTTP), in a process of its own.

    The same protocol code, device authentication and group-commit writer as the position
    routes of `pasienis serve`, without the rest of the API. Run it beside `pasienis serve`
    (same database; PASIENIS_OPS_REDIS_URL set on both, so dispatchers see its positions live)
    and point the devices' server URL at it.
    """
    import uvicorn

    from pasienis.api.access_log import install_access_log_redaction
    from pasienis.api.ingest_app import create_ingest_app

    cfg = settings()
    if not cfg.ops_redis_url:
        typer.echo(
            "serve-ingest: PASIENIS_OPS_REDIS_URL is not set — positions are stored, but the "
            "dispatcher consoles of `pasienis serve` see them only after a reload",
            err=True,
        )
    app = create_ingest_app(cfg, tune_gc=True)
    install_access_log_redaction()
    uvicorn.run(
        app,
        host=host or cfg.host,
        port=port or cfg.ingest_port,
        log_level=cfg.log_level.lower(),
        lifespan="on",
        timeout_keep_alive=60,  # phones post every few seconds on one connection
    )
