"""The sizes and limits of an import, from the one :class:`~pasienis.config.Settings`.

Every default is the setting's own default (``Settings.model_fields``), so a batch size or
a cache bound is written once, in config.py, and reaches the CLI, the API's import jobs and
library callers alike through the store's settings.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from pasienis.config import Settings


def setting_default(name: str) -> Any:
    """The default of one setting, as config.py declares it."""
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class ImportOptions:
    """How much an import holds at once and what it tolerates (see docs/configuration.md)."""

    batch_records: int = setting_default("ingest_batch_records")
    defer_indexes_from: int = setting_default("ingest_defer_indexes_from")
    writer_process_from: int = setting_default("ingest_writer_process_from")
    cache_entries: int = setting_default("ingest_cache_entries")
    max_quarantine_share: float = setting_default("ingest_max_quarantine_share")
    check_sample_records: int = setting_default("ingest_check_sample_records")

    @classmethod
    def from_settings(cls, settings: Settings | None) -> ImportOptions:
        """The options of ``settings`` (the defaults when there are none)."""
        if settings is None:
            return cls()
        return cls(
            batch_records=settings.ingest_batch_records,
            defer_indexes_from=settings.ingest_defer_indexes_from,
            writer_process_from=settings.ingest_writer_process_from,
            cache_entries=settings.ingest_cache_entries,
            max_quarantine_share=settings.ingest_max_quarantine_share,
            check_sample_records=settings.ingest_check_sample_records,
        )

    def override(self, **given: Any) -> ImportOptions:
        """These options with the values given (``None`` keeps the option)."""
        names = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in given.items() if k in names and v is not None})
