"""Value transforms named in mappings: trim, split, dates in several formats, lookups, regex...

Each compiles to a function from one string to a string, a list of strings (split), or
``None`` (drop). A transform that cannot apply raises :class:`ValueProblem`, which sends the
record to quarantine with the field, the value and this reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pasienis.model import make_id
from pasienis.model.plates import latinise_plate, normalise_plate

StrFn = Callable[[str], "str | list[str] | None"]


class ValueProblem(Exception):  # noqa: N818 - a signal inside the pipeline, not an error class
    """A value a transform or a check refused; carries the reason."""

    def __init__(self, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value


def _date(formats: Any) -> StrFn:
    fmts = [formats] if isinstance(formats, str) else list(formats)

    def parse(value: str) -> str:
        for fmt in fmts:
            try:
                parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 - a calendar date, no zone
            except ValueError:
                continue
            return parsed.date().isoformat() if not _has_time(fmt) else parsed.isoformat()
        raise ValueProblem(f"date {value!r} matches none of the formats {fmts}", value)

    return parse


def _has_time(fmt: str) -> bool:
    return any(code in fmt for code in ("%H", "%M", "%S", "%I"))


def _regex(pattern: str) -> StrFn:
    compiled = re.compile(pattern)

    def extract(value: str) -> str | None:
        match = compiled.search(value)
        if match is None:
            return None
        return match.group(1) if compiled.groups else match.group(0)

    return extract


def _replace(arg: Any) -> StrFn:
    pattern, repl = (
        (arg[0], arg[1]) if isinstance(arg, list) else (arg["pattern"], arg.get("with", ""))
    )
    compiled = re.compile(pattern)
    return lambda value: compiled.sub(repl, value)


def _lookup(table: dict[str, str], name: str) -> StrFn:
    default = table.get("*")

    def look(value: str) -> str:
        found = table.get(value, default)
        if found is None:
            raise ValueProblem(f"{value!r} is not in lookup {name!r}", value)
        return found

    return look


def _split(sep: str) -> StrFn:
    return lambda value: [p.strip() for p in value.split(sep) if p.strip()]


SIMPLE: dict[str, StrFn] = {
    "trim": str.strip,
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
    "plate": normalise_plate,
    "plate_latin": latinise_plate,
    "digits": lambda v: re.sub(r"\D", "", v) or None,
    "normalize_space": lambda v: " ".join(v.split()),
}


def compile_transform(name: str, arg: Any, lookups: dict[str, dict[str, str]]) -> StrFn:
    """The function for one transform entry of a mapping."""
    if name in SIMPLE:
        return SIMPLE[name]
    factories: dict[str, Callable[[], StrFn]] = {
        "split": lambda: _split(str(arg)),
        "regex": lambda: _regex(str(arg)),
        "replace": lambda: _replace(arg),
        "lookup": lambda: _lookup(lookups[arg], arg),
        "date": lambda: _date(arg),
        "strip_prefix": lambda: lambda v: v.removeprefix(str(arg)),
        "prefix": lambda: lambda v: f"{arg}{v}",
        "default": lambda: lambda v: v or str(arg),
        "id": lambda: lambda v: make_id(str(arg), v),
    }
    return factories[name]()


def apply_all(fns: list[StrFn], values: list[str]) -> list[str]:
    """Run transforms over values; splits expand, ``None`` and empty strings drop out."""
    for fn in fns:
        out: list[str] = []
        for value in values:
            result = fn(value)
            if result is None:
                continue
            if isinstance(result, list):
                out.extend(result)
            elif result != "":
                out.append(result)
        values = out
    return values
