"""Risk rules: every mistake is refused with its file and line; conditions fire as written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pasienis.risk import RuleError, parse_rules
from pasienis.risk.rules import RULE_FIELDS

GOOD = """\
version: 2
rules:
  - id: undervalued
    weight: 1.5
    reason: Unit value far below the median
    when:
      unit_value_ratio: {lt: 0.35}
  - id: east-tobacco
    weight: 0.7
    reason: Tobacco from the east
    when:
      all:
        - hs_code: {prefix: ["24"]}
        - origin: {in: [BY, RU]}
  - id: not-eu
    weight: 0.2
    reason: Origin outside the EU sample
    when:
      not:
        origin: {in: [PL, DE]}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(RuleError) as err:
        parse_rules(text, "rules.yml")
    return err.value.problems


def test_a_good_rule_set_compiles_with_version_and_digest() -> None:
    rules = parse_rules(GOOD, "rules.yml")
    assert rules.version == 2
    assert [r.id for r in rules.rules] == ["undervalued", "east-tobacco", "not-eu"]
    assert rules.rules[1].line == 8
    assert len(rules.digest) == 16
    assert parse_rules(GOOD.replace("1.5", "1.6")).digest != rules.digest


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("unit_value_ratio: {lt", "unit_valu_ratio: {lt"), "rules.yml:7: unknown field "
         "'unit_valu_ratio' (did you mean 'unit_value_ratio'"),
        (("{lt: 0.35}", "{lower: 0.35}"), "rules.yml:7: unknown test 'lower'"),
        (("{lt: 0.35}", "{lt: cheap}"), "rules.yml:7: 'lt' on 'unit_value_ratio' needs a number"),
        (('{prefix: ["24"]}', "{gt: 24}"), "rules.yml:13: 'gt' compares numbers, but 'hs_code' "
         "is text"),
        (("weight: 0.7", "weight: heavy"), "rules.yml:9: rule 'east-tobacco' needs a numeric "
         "'weight'"),
        (("    reason: Tobacco from the east\n", ""), "rules.yml:8: rule 'east-tobacco' needs a "
         "'reason'"),
        (("id: not-eu", "id: undervalued"), "rules.yml:15: rule id 'undervalued' is used twice"),
        (("version: 2", "version: two"), "rules.yml:1: 'version' must be a positive whole"),
        (("origin: {in: [PL, DE]}", "label: {eq: 1}"), "rules.yml:20: unknown field 'label' "
         "(outcomes are not visible to rules)"),
        (("{in: [BY, RU]}", "{matches: '[BY'}"), "rules.yml:14: 'matches' pattern '[BY' is "
         "wrong"),
        (("    weight: 1.5\n", "    weight: 1.5\n    wieght: 2\n"), "rules.yml:5: unknown rule "
         "key 'wieght' (did you mean 'weight'?)"),
    ],
)  # fmt: skip
def test_each_mistake_names_its_line(change: tuple[str, str], expected: str) -> None:
    found = problems(GOOD.replace(*change))
    assert any(p.startswith(expected) for p in found), found


def test_all_problems_are_reported_at_once() -> None:
    text = GOOD.replace("{lt: 0.35}", "{lower: 0.35}").replace(
        "origin: {in: [BY", "orign: {in: [BY"
    )
    found = problems(text)
    assert len(found) == 2, found
    assert "2 problems" in str(RuleError(found))


def test_yaml_syntax_errors_name_the_line() -> None:
    found = problems(
        GOOD.replace("      unit_value_ratio: {lt: 0.35}", "      unit_value_ratio: {lt: 0.35")
    )
    assert found[0].startswith("rules.yml:")
    assert "not valid YAML" in found[0]


def facts() -> pd.DataFrame:
    return pd.DataFrame({
        "unit_value_ratio": [0.2, 0.5, np.nan, 0.34],
        "hs_code": ["24022090", "24031100", "84713000", ""],
        "origin": ["BY", "PL", "RU", "BY"],
    })  # fmt: skip


def test_conditions_fire_as_written_and_missing_values_never_fire_a_threshold() -> None:
    fired = parse_rules(GOOD).fire(facts())
    assert fired["undervalued"].tolist() == [True, False, False, True]
    assert fired["east-tobacco"].tolist() == [True, False, False, False]
    assert fired["not-eu"].tolist() == [True, False, True, True]


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ("{between: [0.3, 0.5]}", [False, True, False, True]),
        ("{ge: 0.5}", [False, True, False, False]),
        ("{exists: false}", [False, False, True, False]),
    ],
)
def test_numeric_tests(test: str, expected: list[bool]) -> None:
    rule = f"{{id: r, weight: 1, reason: x, when: {{unit_value_ratio: {test}}}}}"
    text = f"version: 1\nrules:\n  - {rule}\n"
    assert parse_rules(text).fire(facts())["r"].tolist() == expected


def test_text_tests_and_exists_on_blank_text() -> None:
    text = (
        "version: 1\nrules:\n"
        "  - {id: a, weight: 1, reason: x, when: {hs_code: {matches: '^24'}}}\n"
        "  - {id: b, weight: 1, reason: x, when: {hs_code: {exists: true}}}\n"
        "  - {id: c, weight: 1, reason: x, when: {origin: {ne: BY}}}\n"
        "  - {id: d, weight: 1, reason: x,\n"
        "     when: {any: [{origin: PL}, {hs_code: {prefix: '84'}}]}}\n"
    )
    fired = parse_rules(text).fire(facts())
    assert fired["a"].tolist() == [True, True, False, False]
    assert fired["b"].tolist() == [True, True, True, False]
    assert fired["c"].tolist() == [False, True, True, False]
    assert fired["d"].tolist() == [False, True, True, False]


def test_rules_see_the_model_features_but_no_outcome() -> None:
    assert "importer_rate_prior" in RULE_FIELDS
    assert "graph_seizure_links" in RULE_FIELDS
    assert "label" not in RULE_FIELDS
    assert "revenue" not in RULE_FIELDS


def test_the_shipped_rule_set_is_valid() -> None:
    from pasienis.cli.risk import default_rules
    from pasienis.risk import load_rules

    rules = load_rules(default_rules())
    assert len(rules.rules) >= 5
    assert all(r.reason for r in rules.rules)
