"""Loading a whole generated scenario folder with the shipped mappings."""

from __future__ import annotations

from pathlib import Path

from pasienis.errors import PasienisError
from pasienis.ingest.errors import SourceError
from pasienis.ingest.mapping import load_mapping
from pasienis.ingest.mappings.scenario import FOLDER, SCENARIO_FILES
from pasienis.ingest.service import ImportResult, Progress, run_import
from pasienis.security import Principal
from pasienis.store import Store


def load_scenario(
    store: Store,
    *,
    folder: Path,
    created_by: str | None = None,
    progress: Progress | None = None,
    acting: Principal | None = None,
) -> list[tuple[str, ImportResult | PasienisError]]:
    """Import every mapped file of ``folder`` (reports are free text: not mapping-driven).

    A file that fails (the truncated XML keeps its good records and reports the break as a
    quarantine entry; a missing file is an error) does not stop the others.
    """
    folder = Path(folder)
    if not (folder / "truth.json").is_file() and not (folder / "crossings.csv").is_file():
        raise SourceError(
            f"{folder} does not look like a generated scenario folder",
            hint="run `pasienis scenario generate --out DIR` first",
        )
    results: list[tuple[str, ImportResult | PasienisError]] = []
    for file_name, mapping_name in SCENARIO_FILES:
        mapping = load_mapping(FOLDER / mapping_name)
        label = f"{file_name} ({mapping_name})"
        try:
            result = run_import(
                store,
                source=folder / file_name,
                mapping=mapping,
                created_by=created_by,
                progress=progress,
                acting=acting,
            )
        except PasienisError as exc:
            results.append((label, exc))
        else:
            results.append((label, result))
    return results
