"""Splink comparisons and blocking rules designed for border and customs records.

Why these levels: a person is written in Latin, Cyrillic or with Lithuanian endings, in
either name order, with typos — so names are compared on the order-free name key of
:mod:`pasienis.model.names` (exact, one edit, Jaro-Winkler bands, one part agreeing).
Dates of birth come partial ("1979"), with a digit typo or with day and month swapped.
Plates are misread by cameras (O/0, I/1, B/8): a look-alike folded plate is its own level.

SQL is written once in DuckDB's dialect; Splink translates it (sqlglot) for Spark.
"""

from __future__ import annotations

import re
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator

from pasienis.resolve.blocking import FrameStats, Key, Rule, choose, rule
from pasienis.resolve.kinds import FEATURES

#: Comparison columns derived from the features when the frame is built (not stored):
#: the look-alike folded plate or document, and the name's rendering key
#: (:func:`pasienis.model.names.rendering_key`, computed from ``name_fold``).
DERIVED: tuple[str, ...] = ("id1_fold", "name_render")
#: Every column of the frame Splink sees (features plus the derived comparison columns).
FRAME_ALL: tuple[str, ...] = (*FEATURES, *DERIVED)

_DIALECT = "duckdb"

#: Camera and OCR look-alikes folded onto one character (the ``id1_fold`` column).
LOOKALIKES = str.maketrans("OQDIL8B5SZ2G6", "0001118855226")


def _custom(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label_for_charts=label, base_dialect_str=_DIALECT)


def name_comparison() -> cl.CustomComparison:
    """The same name however it was written, then the looser name keys, then typos.

    Why the first level is the rendering key and not the name as written: "Aleksei Popov",
    "Aleksejus Popovas", "Aleksey Popov" and "POPOV ALEKSEI" are one name written four
    ways. With the written name as the top level, those pairs fell to the next one, whose
    m-probability EM learns from all the pairs it holds — few of the matches, since most
    records of a person are written alike — while its term frequency is still that of the
    whole key; a transliterated name plus an equal date of birth then scored 0.91 to 0.97,
    below the merge threshold. One level for every rendering of one name gets the
    m-probability of an agreeing name and the term frequency of that name in all its
    renderings. Gender and case forms (Ivanov / Ivanova, Kazlauskas / Kazlauskienė: a man
    and his wife) are different names and stay on the looser name-key level below.
    """
    return cl.CustomComparison(
        [
            cll.NullLevel("name_key"),
            # A rare name agreeing says more than a common one (term-frequency adjustment).
            cll.ExactMatchLevel("name_render", term_frequency_adjustments=True).configure(
                label_for_charts="same name (case, script, transliteration, order, ending)"
            ),
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=True).configure(
                label_for_charts="name keys equal (gender or case forms)"
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


def parts_comparison() -> cl.CustomComparison:
    """Names whose source keeps given name and surname apart: one comparison over both
    (separate ones would count one agreeing name two or three times). Levels after
    Splink's ForenameSurnameComparison, on ASCII text so English names the key folds
    together (``jack``, ``ack``) stay apart, plus the order-free transliteration key."""
    return cl.CustomComparison(
        [
            _custom("name_key_l is null or name_key_r is null", "name missing").configure(
                is_null_level=True
            ),
            cll.ExactMatchLevel("name_fold", term_frequency_adjustments=True).configure(
                label_for_charts="names equal"
            ),
            cll.ColumnsReversedLevel("given", "surname").configure(
                label_for_charts="given name and surname swapped"
            ),
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=True).configure(
                label_for_charts="name keys equal"
            ),
            cll.DamerauLevenshteinLevel("name_key", 1),
            cll.And(
                cll.JaroWinklerLevel("given", 0.92), cll.JaroWinklerLevel("surname", 0.92)
            ).configure(label_for_charts="both parts similar (0.92)"),
            cll.And(
                cll.JaroWinklerLevel("given", 0.88), cll.JaroWinklerLevel("surname", 0.88)
            ).configure(label_for_charts="both parts similar (0.88)"),
            cll.ExactMatchLevel("surname", term_frequency_adjustments=True).configure(
                label_for_charts="surname equal"
            ),
            cll.ExactMatchLevel("given", term_frequency_adjustments=True).configure(
                label_for_charts="given name equal"
            ),
            cll.JaroWinklerLevel("name_key", 0.85),
            _custom(
                "tok_a_l = tok_a_r or tok_b_l = tok_b_r or tok_a_l = tok_b_r or tok_b_l = tok_a_r",
                "one name part agrees",
            ),
            cll.ElseLevel(),
        ],
        output_column_name="name",
        comparison_description="given name and surname (model.names keys as a level)",
    )


def category_comparison(column: str) -> cl.CustomComparison:
    """Birth place, occupation: equal (a rare value says more) or not."""
    return cl.CustomComparison(
        [
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            cll.ElseLevel(),
        ],
        output_column_name=column,
    )


def postcode_comparison() -> cl.CustomComparison:
    """Postcodes: exact, one typo, the same area (all but the last two characters: a UK
    sector, a Lithuanian delivery area), the same first three characters."""
    return cl.CustomComparison(
        [
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
            cll.DamerauLevenshteinLevel("postcode", 1),
            _custom(
                "length(postcode_l) > 4 and length(postcode_r) > 4 and "
                "substr(postcode_l, 1, length(postcode_l) - 2) = "
                "substr(postcode_r, 1, length(postcode_r) - 2)",
                "same area",
            ),
            _custom("substr(postcode_l, 1, 3) = substr(postcode_r, 1, 3)", "same district"),
            cll.ElseLevel(),
        ],
        output_column_name="postcode",
    )


def vehicle_comparison(same: float = 0.7) -> cl.CustomComparison:
    """The vehicle two records appear with. Its m-probabilities are set, not trained by EM:
    most records name no vehicle, so EM sees almost no matching pair with two different
    vehicles and drives that level's m to zero (one other vehicle would veto any match).
    ``same`` is measured on the data where possible (:func:`vehicle_agreement`)."""
    return cl.CustomComparison(
        [
            cll.NullLevel("vehicle"),
            cll.ExactMatchLevel("vehicle").configure(
                m_probability=same, fix_m_probability=True, label_for_charts="same vehicle"
            ),
            cll.ElseLevel().configure(
                m_probability=1 - same, fix_m_probability=True, label_for_charts="other vehicles"
            ),
        ],
        output_column_name="vehicle",
    )


#: Bounds of the measured vehicle agreement: a person does change vehicles, so never a veto.
VEHICLE_AGREEMENT = (0.5, 0.9)


def vehicle_agreement(stats: FrameStats) -> float:
    """Share of record pairs with one document or register code (nearly always the same
    person) that name the same vehicle, among those that both name one; 0.7 below 20 pairs."""
    low, high = VEHICLE_AGREEMENT
    pairs = same = 0
    for key in ("id1", "id2"):
        p, s = stats.agreement(key, "vehicle")
        pairs, same = pairs + p, same + s
    return 0.7 if pairs < 20 else min(high, max(low, same / pairs))


#: What narrows a rule that makes too many pairs (in this order): the year of birth (or of
#: incorporation), the country.
REFINERS = (Key("dob", 4), Key("country"))

Spec = tuple[list[tuple[str, Any]], list[Rule]]
_SWAPPED = Rule((Key("tok_a"), Key("tok_b")), sql="l.tok_a = r.tok_b and l.dob = r.dob")


def _person() -> Spec:
    comparisons = [
        ("name", name_comparison()),
        (("given", "surname"), parts_comparison()),
        ("dob", date_comparison("dob")),
        ("id1", identifier_comparison("id1")),
        ("id2", identifier_comparison("id2", registry=True)),
        ("country", exact("country")),
        ("address", text_comparison("address")),
        ("postcode", postcode_comparison()),
        ("birth_place", category_comparison("birth_place")),
        ("occupation", category_comparison("occupation")),
        ("gender", exact("gender")),
        ("phone", exact("phone")),
        ("email", email_comparison()),
        ("vehicle", vehicle_comparison),
    ]
    blocking = [
        rule("name_key"),
        rule("id1", always=True),
        rule("id2", always=True),
        rule("phone", always=True),
        rule("email", always=True),
        rule("tok_a", "dob"),
        rule("tok_b", "dob"),
        Rule((Key("tok_a"), Key("tok_b"), Key("dob")), sql=_SWAPPED.sql),
        rule("address", ("dob", 4)),
        rule("vehicle", "tok_a"),
        rule("vehicle", "tok_b"),
        rule("given", "dob"),
        rule("surname", "dob"),
        rule("dob", "birth_place"),
        rule("postcode", "tok_a"),
        rule("postcode", "tok_b"),
        rule(("postcode", 3), "dob"),
        rule(("tok_a", 3), ("tok_b", 3), ("dob", 4)),
        rule("dob"),
        rule("postcode"),
    ]
    return comparisons, blocking


def _company() -> Spec:
    comparisons = [
        ("name", name_comparison()),
        ("id1", identifier_comparison("id1", registry=True)),
        ("id2", identifier_comparison("id2", registry=True)),
        ("dob", date_comparison("dob")),
        ("country", exact("country")),
        ("address", text_comparison("address")),
        ("postcode", postcode_comparison()),
        ("phone", exact("phone")),
        ("email", exact("email")),
    ]
    blocking = [
        rule("name_key"),
        rule("id1", always=True),
        rule("id2", always=True),
        rule("tok_a", "country"),
        rule("address"),
        rule("phone", always=True),
        rule("email", always=True),
        rule("postcode", "tok_a"),
    ]
    return comparisons, blocking


def _vehicle() -> Spec:
    comparisons = [
        ("id1", identifier_comparison("id1", fold=True)),
        ("id2", identifier_comparison("id2")),
        ("name", text_comparison("name")),
        ("country", exact("country")),
        ("dob", date_comparison("dob")),
    ]
    blocking = [
        rule("id1_fold", always=True),
        rule(("id1_fold", 4)),
        Rule((Key("id1_fold"),), sql="substr(l.id1_fold, 3, 8) = substr(r.id1_fold, 3, 8)"),
        rule("id2", always=True),
    ]
    return comparisons, blocking


SPECS = {"person": _person, "company": _company, "vehicle": _vehicle}

#: Rules that are nearly always true matches: the prior (probability two records match)
#: is estimated from them, never from labels.
DETERMINISTIC = {
    "person": [
        "l.id2 = r.id2",
        "l.id1 = r.id1",
        "l.email = r.email",
        "l.name_key = r.name_key and l.dob = r.dob",
        "l.name_key = r.name_key and l.vehicle = r.vehicle",
    ],
    "company": ["l.id1 = r.id1", "l.id2 = r.id2", "l.name_key = r.name_key"],
    "vehicle": ["l.id1 = r.id1", "l.id1_fold = r.id1_fold"],
}

#: EM sessions: each blocks on one thing and trains the other comparisons.
EM_RULES = {
    "person": ["l.name_key = r.name_key", "l.dob = r.dob", "l.email = r.email"],
    "company": ["l.name_key = r.name_key", "l.address = r.address"],
    "vehicle": ["substr(l.id1_fold, 1, 4) = substr(r.id1_fold, 1, 4)"],
}


#: Key of the model JSON that holds the blocking rules as column lists (not Splink's: it is
#: removed before the model is handed back to Splink).
BLOCKING_KEY = "pasienis_blocking"

#: A column is compared when at least this share of the records fills it (and two do).
MIN_FILLED = 0.005


def filled_columns(stats: FrameStats) -> set[str]:
    """Columns enough records fill to be worth a comparison or a blocking rule."""
    need = max(2, MIN_FILLED * stats.rows)
    return {c for c, n in stats.filled().items() if n >= need}


def settings_for(
    kind: str, stats: FrameStats | None = None
) -> tuple[SettingsCreator, list[str], set[str], list[dict[str, Any]]]:
    """The untrained Splink settings of ``kind`` for a frame (dedupe of one feature table),
    with a note per blocking rule the budget changed, the columns the frame fills and the
    rules in JSON form (see :data:`BLOCKING_KEY`).
    Comparisons and rules whose columns the frame does not fill are not used: the model is
    shaped by the data it is trained on, and saved with the run, so incremental scoring
    uses exactly the same shape."""
    comparisons, rules = SPECS[kind]()
    filled = set(FRAME_ALL) if stats is None else filled_columns(stats)
    # Given name and surname kept apart by the source replace the whole-name comparison.
    parts = {"given", "surname"} <= filled
    used = [
        (c(vehicle_agreement(stats) if stats is not None else 0.7) if column == "vehicle" else c)
        for column, c in comparisons
        if set((column,) if isinstance(column, str) else column) <= filled
        and not (parts and column == "name")
    ]
    if stats is None:
        chosen, notes = list(rules), []
    else:
        chosen, notes = choose(rules, stats, filled, REFINERS)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=used,
        blocking_rules_to_generate_predictions=[r.creator() for r in chosen],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )
    return settings, notes, filled, [r.spec() for r in chosen]


def usable_rules(rules: list[str], filled: set[str]) -> list[str]:
    """SQL rules (deterministic, EM) whose ``l.`` columns the data fills."""
    return [r for r in rules if set(_COLUMN.findall(r)) <= filled]


_COLUMN = re.compile(r"\bl\.(\w+)")
