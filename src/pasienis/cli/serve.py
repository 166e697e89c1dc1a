"""``pasienis serve``: the one web process (API, web apps, WebSockets)."""

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
    app = create_app(cfg)
    install_access_log_redaction()
    uvicorn.run(app, host=host or cfg.host, port=port or cfg.port, log_level=cfg.log_level.lower())
