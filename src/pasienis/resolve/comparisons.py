"""Splink comparisons and blocking rules designed for border and customs records.

Why these levels: a person is written in Latin, Cyrillic or with Lithuanian endings, in
either name order, with typos — so names are compared on the order-free name key of
:mod:`pasienis.model.names` (exact, one edit, Jaro-Winkler bands, one part agreeing).
Dates of birth come partial ("1979"), with a digit typo or with day and month swapped.
Plates are misread by cameras (O/0, I/1, B/8): a look-alike folded plate is its own level.

SQL is written once in DuckDB's dialect; Splink translates it (sqlglot) for Spark.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

_DIALECT = "duckdb"

#: Camera and OCR look-alikes folded onto one character (the ``id1_fold`` column).
LOOKALIKES = str.maketrans("OQDIL8B5SZ2G6", "0001118855226")


def _custom(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label_for_charts=label, base_dialect_str=_DIALECT)


def name_comparison() -> cl.CustomComparison:
    """Names on their keys: transliteration, endings and order are already folded."""
    return cl.CustomComparison(
        [
            cll.NullLevel("name_key"),
            # A rare name agreeing says more than a common one (term-frequency adjustment).
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=True).configure(
                label_for_charts="name keys equal"
            ),
            cll.DamerauLevenshteinLevel("name_key", 1),
            cll.JaroWinklerLevel("name_key", 0.94),
            cll.JaroWinklerLevel("name_fold", 0.9),
            cll.And(
                cll.JaroWinklerLevel("tok_a", 0.88), cll.JaroWinklerLevel("tok_b", 0.88)
            ).configure(label_for_charts="both name parts similar"),
            cll.JaroWinklerLevel("name_key", 0.85),
            _custom(
                "tok_a_l = tok_a_r or tok_b_l = tok_b_r or tok_a_l = tok_b_r or tok_b_l = tok_a_r",
                "one name part agrees",
            ),
            cll.ElseLevel(),
        ],
        output_column_name="name",
        comparison_description="name keys (model.names)",
    )


def date_comparison(column: str = "dob") -> cl.CustomComparison:
    """Dates with partial, transposed and one-digit-typo levels."""
    l, r = f"{column}_l", f"{column}_r"  # noqa: E741 - l/r is Splink's own convention
    return cl.CustomComparison(
        [
            cll.NullLevel(column),
            cll.ExactMatchLevel(column),
            _custom(
                f"length({l}) = 10 and length({r}) = 10 and substr({l}, 1, 4) = substr({r}, 1, 4)"
                f" and substr({l}, 6, 2) = substr({r}, 9, 2)"
                f" and substr({l}, 9, 2) = substr({r}, 6, 2)",
                "day and month transposed",
            ),
            _custom(
                f"(length({l}) < 10 or length({r}) < 10) and "
                f"substr({l}, 1, least(length({l}), length({r})))"
                f" = substr({r}, 1, least(length({l}), length({r})))",
                "partial date agrees",
            ),
            cll.DamerauLevenshteinLevel(column, 1),
            _custom(f"substr({l}, 1, 4) = substr({r}, 1, 4)", "same year"),
            cll.ElseLevel(),
        ],
        output_column_name=column,
        comparison_description="dates: exact, transposed, partial, typo, year",
    )


def identifier_comparison(
    column: str, fold: bool = False, registry: bool = False
) -> cl.CustomComparison:
    """Codes and numbers: exact, (look-alike folded,) one edit, two edits.

    ``registry``: a register key (company code, VAT code, personal code) names exactly one
    legal or natural person, so two different valid keys all but rule a match out; the
    weight of that level is fixed rather than left to EM, which rarely sees such pairs.
    """
    levels: list[Any] = [cll.NullLevel(column), cll.ExactMatchLevel(column)]
    if fold:
        levels.append(cll.ExactMatchLevel(f"{column}_fold").configure(
            label_for_charts="equal after look-alike folding"))  # fmt: skip
    levels += [cll.DamerauLevenshteinLevel(column, 1), cll.DamerauLevenshteinLevel(column, 2)]
    if registry:
        levels.append(
            cll.ElseLevel().configure(
                m_probability=0.001, fix_m_probability=True, label_for_charts="different codes"
            )
        )
    else:
        levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=column)


def exact(column: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        [cll.NullLevel(column), cll.ExactMatchLevel(column), cll.ElseLevel()],
        output_column_name=column,
    )


def email_comparison() -> cl.CustomComparison:
    """E-mail addresses: exact, same user name at another domain, similar."""
    return cl.CustomComparison(
        [
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email"),
            _custom(
                "regexp_extract(email_l, '^[^@]+', 0) = regexp_extract(email_r, '^[^@]+', 0)",
                "same user name",
            ),
            cll.JaroWinklerLevel("email", 0.88),
            cll.ElseLevel(),
        ],
        output_column_name="email",
    )


def text_comparison(column: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        [
            cll.NullLevel(column),
            cll.ExactMatchLevel(column),
            cll.JaroWinklerLevel(column, 0.92),
            cll.JaroWinklerLevel(column, 0.8),
            cll.ElseLevel(),
        ],
        output_column_name=column,
    )


def _person() -> tuple[list[Any], list[Any]]:
    comparisons = [
        name_comparison(),
        date_comparison("dob"),
        identifier_comparison("id1"),
        identifier_comparison("id2", registry=True),
        exact("country"),
        text_comparison("address"),
        exact("phone"),
        email_comparison(),
    ]
    blocking = [
        block_on("name_key"),
        block_on("tok_a", "dob"),
        block_on("tok_b", "dob"),
        "l.tok_a = r.tok_b and l.dob = r.dob",
        block_on("id1"),
        block_on("id2"),
        block_on("phone"),
        block_on("email"),
        block_on("address", "substr(dob, 1, 4)"),
    ]
    return comparisons, blocking


def _company() -> tuple[list[Any], list[Any]]:
    comparisons = [
        name_comparison(),
        identifier_comparison("id1", registry=True),
        identifier_comparison("id2", registry=True),
        date_comparison("dob"),
        exact("country"),
        text_comparison("address"),
        exact("phone"),
        exact("email"),
    ]
    blocking = [
        block_on("name_key"),
        block_on("id1"),
        block_on("id2"),
        block_on("tok_a", "country"),
        block_on("address"),
        block_on("phone"),
        block_on("email"),
    ]
    return comparisons, blocking


def _vehicle() -> tuple[list[Any], list[Any]]:
    comparisons = [
        identifier_comparison("id1", fold=True),
        identifier_comparison("id2"),
        text_comparison("name"),
        exact("country"),
        date_comparison("dob"),
    ]
    blocking = [
        block_on("id1_fold"),
        block_on("substr(id1_fold, 1, 4)"),
        block_on("substr(id1_fold, 3, 8)"),
        block_on("id2"),
    ]
    return comparisons, blocking


SPECS = {"person": _person, "company": _company, "vehicle": _vehicle}

#: Rules that are nearly always true matches: the prior (probability two records match)
#: is estimated from them, never from labels.
DETERMINISTIC = {
    "person": ["l.id2 = r.id2", "l.id1 = r.id1", "l.name_key = r.name_key and l.dob = r.dob"],
    "company": ["l.id1 = r.id1", "l.id2 = r.id2", "l.name_key = r.name_key"],
    "vehicle": ["l.id1 = r.id1", "l.id1_fold = r.id1_fold"],
}

#: EM sessions: each blocks on one thing and trains the other comparisons.
EM_RULES = {
    "person": [block_on("name_key"), block_on("dob")],
    "company": [block_on("name_key"), block_on("address")],
    "vehicle": [block_on("substr(id1_fold, 1, 4)")],
}


def settings_for(kind: str) -> SettingsCreator:
    """The untrained Splink settings of ``kind`` (dedupe of one table of features)."""
    comparisons, blocking = SPECS[kind]()
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )
