"""Assemble and install the one FollowTheMoney model pasienis runs on.

FtM reads ``FTM_MODEL_PATH`` once and keeps a ``Model.instance()`` singleton, and that path
replaces the default schema folder rather than adding to it. So this module — the only place
that does it — copies the installed standard schemata, the customs schemata shipped in
``model/schema/`` and an administrator's ``PASIENIS_SCHEMA_DIR`` into one folder, checks the
added files with line numbers, and installs the model built from that folder as the singleton.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from pasienis.config import Settings
from pasienis.model.errors import SchemaFileError
from pasienis.model.schema_files import SchemaSet, check_docs, read_files
from pasienis.model.statements import clear_caches

CUSTOMS_SCHEMA_DIR = Path(__file__).parent / "schema"
_installed: Path | None = None
#: Schema file sets (by path and content) that passed the check in this process, with their
#: added files. An app is created many times in one process (tests, workers); parsing every
#: YAML file again each time cost more than building the rest of the app.
_checked: dict[str, list[Path]] = {}


def standard_schema_dir() -> Path:
    """The folder of schemata shipped with the installed ``followthemoney`` package."""
    spec = importlib.util.find_spec("followthemoney")
    if spec is None or not spec.submodule_search_locations:
        raise SchemaFileError([])
    return Path(next(iter(spec.submodule_search_locations))) / "schema"


def schema_sources(settings: Settings) -> list[Path]:
    """Folders whose YAML files make the model, in load order: standard, customs, admin."""
    folders = [standard_schema_dir(), CUSTOMS_SCHEMA_DIR]
    if settings.schema_dir is not None:
        folders.append(Path(settings.schema_dir))
    return folders


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def check_schema_files(settings: Settings) -> list[Path]:
    """Check every added schema file; raise :class:`SchemaFileError` naming file and line."""
    from followthemoney.types import registry  # FtM import is deferred to keep start-up lazy

    type_names = {t.name for t in registry.types}
    known = SchemaSet()
    folders = schema_sources(settings)
    read_files(_yaml_files(folders[0]), known)
    added: list[Path] = []
    new_docs = []
    for folder in folders[1:]:
        if not folder.is_dir():
            known.problem(folder, 1, "schema folder does not exist")
            continue
        files = _yaml_files(folder)
        added += files
        new_docs += read_files(files, known)
    check_docs(new_docs, known, type_names)
    if known.problems:
        raise SchemaFileError(known.problems)
    return added


def _sources_key(settings: Settings) -> str:
    """A digest of every schema folder's path, presence and files (names and bytes)."""
    digest = hashlib.sha256()
    for folder in schema_sources(settings):
        digest.update(f"\0{folder}\0{folder.is_dir()}\0".encode())
        for path in _yaml_files(folder) if folder.is_dir() else []:
            digest.update(f"{path}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _checked_files(settings: Settings) -> list[Path]:
    """:func:`check_schema_files`, once per content: a failed check is never remembered."""
    key = _sources_key(settings)
    if key not in _checked:
        _checked[key] = check_schema_files(settings)
    return _checked[key]


def assemble_model_dir(settings: Settings) -> Path:
    """Check the schema files and copy them all into one folder named by their content hash."""
    added = _checked_files(settings)
    files = _yaml_files(standard_schema_dir()) + added
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    target = _model_root(settings) / digest.hexdigest()[:16]
    if not target.is_dir():
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".staging-"))
        for index, path in enumerate(files):
            # A numeric prefix keeps same-named files from different folders apart.
            shutil.copyfile(path, staging / f"{index:04d}-{path.name}")
        try:
            staging.rename(target)
        except OSError:  # another process assembled the same content first
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _model_root(settings: Settings) -> Path:
    root = Path(settings.data_dir) / "model"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        root = Path(tempfile.gettempdir()) / "pasienis-model"
        root.mkdir(parents=True, exist_ok=True)
    return root


def install_model(settings: Settings) -> Path:
    """Build the assembled model and make it FtM's singleton (idempotent per folder)."""
    global _installed
    from pasienis.model.formats import register_formats

    register_formats()  # explicit, before any value is cleaned (idempotent)
    folder = assemble_model_dir(settings)
    if _installed == folder:
        return folder
    import followthemoney
    from followthemoney.model import Model
    from followthemoney.statement import util as statement_util

    model = Model(str(folder))
    os.environ["FTM_MODEL_PATH"] = str(folder)  # for FtM subprocesses (ftm CLI)
    Model._instance = model
    followthemoney.model = model
    statement_util.get_prop_type.cache_clear()
    clear_caches()
    _installed = folder
    return folder


def installed_model_dir() -> Path | None:
    """The folder of the installed model, or ``None`` before :func:`install_model`."""
    return _installed
