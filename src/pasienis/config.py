"""Settings from ``PASIENIS_*`` environment variables.

One :class:`Settings` object is built by ``create_app()`` or the CLI and passed down; nothing
reads the environment or connects at import time. Every field has a default and help text, and
``docs/configuration.md`` must list them all (a test checks it).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All run-time configuration of pasienis."""

    model_config = SettingsConfigDict(env_prefix="PASIENIS_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory for the embedded database, uploads and the assembled schema.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the store. Empty means the embedded SQLite file "
            "<data_dir>/pasienis.db; use postgresql+psycopg://user@host/db for production."
        ),
    )
    schema_dir: Path | None = Field(
        default=None,
        description=(
            "Extra folder of administrator-written FollowTheMoney schema YAML files, loaded "
            "after the standard and customs schemata."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address `pasienis serve` listens on.")
    port: int = Field(default=8000, description="Port `pasienis serve` listens on.")
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")
    bulk_batch_size: int = Field(
        default=50_000,
        description="Rows per batch when bulk-writing statements and events.",
    )

    def resolved_database_url(self) -> str:
        """The database URL to connect to, defaulting to the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pasienis.db').resolve()}"
