"""Every transform a mapping can name, on its own."""

from __future__ import annotations

import pytest

from pasienis.ingest.mapping import ARG_TRANSFORMS, SIMPLE_TRANSFORMS
from pasienis.ingest.transforms import ValueProblem, apply_all, compile_transform
from pasienis.model import make_id

LOOKUPS = {"countries": {"Lietuva": "LT", "Latvija": "LV", "*": "XX"}, "strict": {"a": "A"}}


def _run(name: str, arg: object, value: str) -> list[str]:
    return apply_all([compile_transform(name, arg, LOOKUPS)], [value])


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("trim", "  Jonas  ", ["Jonas"]),
        ("upper", "vilnius", ["VILNIUS"]),
        ("lower", "VILNIUS", ["vilnius"]),
        ("title", "jonas jonaitis", ["Jonas Jonaitis"]),
        ("plate", "т123 вн-77", ["T123BH77"]),
        ("plate_latin", "т123 вн-77", ["T123 BH-77"]),
        ("digits", "LT-123 45", ["12345"]),
        ("digits", "none", []),  # nothing left: the value drops out
        ("normalize_space", " a \t b\n c ", ["a b c"]),
    ],
)
def test_simple_transforms(name: str, value: str, expected: list[str]) -> None:
    assert _run(name, None, value) == expected


@pytest.mark.parametrize(
    ("name", "arg", "value", "expected"),
    [
        ("split", ";", "a; b;;c ", ["a", "b", "c"]),
        ("regex", r"(\d+)", "No. 42 of 7", ["42"]),
        ("regex", r"\d+", "No. 42", ["42"]),
        ("regex", r"\d+", "none", []),
        ("replace", [r"\.", ""], "1.234.567", ["1234567"]),
        ("replace", {"pattern": "-", "with": " "}, "a-b", ["a b"]),
        ("lookup", "countries", "Latvija", ["LV"]),
        ("lookup", "countries", "Eesti", ["XX"]),  # the "*" default
        ("date", "%d.%m.%Y", "23.04.2004", ["2004-04-23"]),
        ("date", ["%Y.%m.%d", "%d/%m/%Y"], "23/04/2004", ["2004-04-23"]),
        ("date", "%d.%m.%Y %H:%M", "23.04.2004 10:30", ["2004-04-23T10:30:00"]),
        ("strip_prefix", "LT", "LT123", ["123"]),
        ("prefix", "LT", "123", ["LT123"]),
        ("default", "unknown", "", ["unknown"]),
        ("default", "unknown", "x", ["x"]),
        ("id", "people", "P1", [make_id("people", "P1")]),
    ],
)
def test_transforms_with_an_argument(
    name: str, arg: object, value: str, expected: list[str]
) -> None:
    assert _run(name, arg, value) == expected


def test_every_transform_is_tested() -> None:
    tested = {"trim", "upper", "lower", "title", "plate", "plate_latin", "digits",
              "normalize_space", "split", "regex", "replace", "lookup", "date",
              "strip_prefix", "prefix", "default", "id"}  # fmt: skip
    assert tested == SIMPLE_TRANSFORMS | ARG_TRANSFORMS


def test_transform_problems_carry_the_value() -> None:
    with pytest.raises(ValueProblem, match="matches none of the formats") as info:
        _run("date", "%d.%m.%Y", "2004-04-23")
    assert info.value.value == "2004-04-23"
    with pytest.raises(ValueProblem, match="is not in lookup 'strict'"):
        _run("lookup", "strict", "b")


def test_transforms_chain_in_order() -> None:
    fns = [compile_transform(n, a, LOOKUPS) for n, a in [("split", ","), ("trim", None),
                                                         ("upper", None)]]  # fmt: skip
    assert apply_all(fns, ["a, b"]) == ["A", "B"]
