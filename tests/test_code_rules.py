"""Rules about the code itself that issue 12 asked for, checked over every module of src/.

- No module over 600 lines (a newcomer finds where a rule lives).
- No package imports another package's private names (``ingest`` had imported the model's
  ``_format`` and filled its formats as a side effect).
- The sizes of an import are declared once, as settings (config.py): no function gives a
  batch size or a cache bound a default of its own (the batch size had defaulted to 5,000 in
  two places and to 50,000 in a third).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parent.parent / "src" / "pasienis"
MAX_LINES = 600
#: Parameters that carry an import's sizes and limits (pasienis.ingest.options.ImportOptions).
IMPORT_SIZES = {
    "batch_size", "batch_records", "cache_entries", "defer_indexes_from",
    "writer_process_from", "max_quarantine_share", "check_sample_records",
}  # fmt: skip


def _modules() -> list[tuple[str, Path, ast.Module]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        name = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        found.append((name, path, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_module_is_over_600_lines() -> None:
    long = {
        str(path.relative_to(SRC)): n
        for _name, path, _tree in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these modules: {long}"


def test_no_package_imports_another_packages_private_names() -> None:
    found = []
    for name, _path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pasienis"):
                target = node.module or ""
                if _package(target) == _package(name):
                    continue
                names = [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("pasienis.")]
                target = next((t for t in targets if _package(t) != _package(name)), "")
                names = []
            else:
                continue
            private = [p for p in [*target.split("."), *names] if _private(p)]
            if private:
                found.append(f"{name} imports {private} from {target}")
    assert not found, found


def test_import_sizes_have_no_defaults_outside_the_settings() -> None:
    found = []
    for name, _path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = node.args
            positional = args.posonlyargs + args.args
            with_default = positional[len(positional) - len(args.defaults) :]
            pairs = list(zip(with_default, args.defaults, strict=True))
            keywords = zip(args.kwonlyargs, args.kw_defaults, strict=True)
            pairs += [(a, d) for a, d in keywords if d is not None]
            for arg, default in pairs:
                literal = isinstance(default, ast.Constant) and default.value is not None
                if arg.arg in IMPORT_SIZES and literal:
                    found.append(f"{name}.{node.name}({arg.arg}={default.value!r})")  # type: ignore[attr-defined]
    assert not found, f"take these from the settings (ImportOptions): {found}"


def test_import_options_default_to_the_settings() -> None:
    from dataclasses import fields

    from pasienis.config import Settings
    from pasienis.ingest.options import ImportOptions

    options = ImportOptions()
    for option in fields(ImportOptions):
        setting = Settings.model_fields[f"ingest_{option.name}"]
        assert getattr(options, option.name) == setting.default
    overridden = ImportOptions.from_settings(Settings(ingest_batch_records=7))
    assert overridden.batch_records == 7
