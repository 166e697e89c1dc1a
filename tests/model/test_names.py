"""Name keys agree across the renderings border data holds (one definition for every capability)."""

from __future__ import annotations

import random

import pytest

from pasienis.model.names import (
    name_key,
    name_similarity,
    rendering_key,
    strip_ending,
    token_keys,
)
from pasienis.scenario import names as scenario_names


@pytest.mark.parametrize(
    "forms",
    [
        ["Ivanov", "Ivanovas", "Ivanovo", "Ivanovui", "Ivanovą", "Иванов", "Иванову", "Ивановым"],
        ["Žukauskas", "Zukauskas", "ŽUKAUSKAS", "Žukausko", "Žukauskienė", "Žukauskaitė"],
        ["Aleksandr", "Aleksandras", "Александр", "Aleksandrr"],
        ["Sergei", "Sergey", "Sergejus", "Серге́й", "Serhii", "Sergiy", "Sergijus"],
        ["Iurii", "Yuriy", "Jurijus", "Юрий"],
        ["Stankevičius", "Stankevičiūtė", "Stankevich", "Станкевич"],
        ["Jonaitis", "Jonaitytė", "Jonaitienė"],
        ["Žukauskas", "Žukauskienės", "Žukauskienei", "Žukauskaitės", "Žukauskaitei"],
        ["Stankevičius", "Stankevičiūtės"],
        ["Rūta", "Rūtos", "Rūtai"],
        ["Agnė", "Agnės", "Agnei"],
    ],
)
def test_forms_of_one_name_share_a_key(forms: list[str]) -> None:
    keys = {token_keys(form)[0] for form in forms}
    assert len(keys) == 1, dict(zip(forms, (token_keys(f)[0] for f in forms), strict=True))


def test_swapped_order_and_case_give_the_same_key() -> None:
    assert name_key("Aleksandr Ivanov") == name_key("IVANOVAS ALEKSANDRAS")
    assert name_key("Александр Иванов") == name_key("Aleksandras Ivanovas")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Petras Jonaitis", "Tomas Jonaitis"),
        ("Ivanov", "Petrov"),
        ("Ona Kazlauskienė", "Ona Petrauskienė"),
    ],
)
def test_different_names_keep_different_keys(left: str, right: str) -> None:
    assert name_key(left) != name_key(right)


def test_short_stems_are_not_stripped_away() -> None:
    assert strip_ending("ona") == "ona"
    assert token_keys("Li") == ["li"]


def test_every_planted_variant_kind_but_typos_shares_the_canonical_key() -> None:
    """Measured on the scenario's own name pools and variant rules (its ground truth)."""
    rng = random.Random(11)
    misses: dict[str, list[tuple[str, str]]] = {}
    typos = typo_hits = 0
    for country in scenario_names.COUNTRIES:
        for _ in range(200):
            person = scenario_names.random_name(rng, country)
            canonical = scenario_names.canonical(person)
            for kind in scenario_names.plausible_variants(person):
                written = scenario_names.variant(person, kind, rng)
                if kind == "typo":
                    typos += 1
                    typo_hits += name_similarity(written, canonical) >= 0.8
                elif name_key(written) != name_key(canonical):
                    misses.setdefault(kind, []).append((canonical, written))
    assert not misses, {kind: pairs[:5] for kind, pairs in misses.items()}
    assert typo_hits / typos >= 0.9


@pytest.mark.parametrize(
    "forms",
    [
        ["Aleksei Popov", "Aleksey Popov", "Aleksejus Popovas", "POPOV ALEKSEI", "Алексей Попов"],
        ["Dmitrii Kravchenko", "Dmitriy Kravchenko", "Dmitrijus Kravčenko", "Дмитрий Кравченко"],
        ["Sergei Kozlovskii", "Sergey Kozlovskiy", "Sergejus Kozlovskis", "Сергей Козловский"],
        ["Viktor Kovalevich", "Viktoras Kovalevičius", "Виктор Ковалевич"],
        ["Iuliia Zaitseva", "Yuliya Zaytseva", "Julija Zaiceva", "Юлия Зайцева"],
        ["Tomas Žukauskas", "ZUKAUSKAS TOMAS", "Zukauskas Tomas"],
    ],
)
def test_renderings_of_one_name_share_a_rendering_key(forms: list[str]) -> None:
    keys = {form: rendering_key(form) for form in forms}
    assert len(set(keys.values())) == 1, keys


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Aleksandr Ivanov", "Aleksandra Ivanova"),  # brother and sister
        ("Tomas Kazlauskas", "Tomas Kazlauskienė"),
        ("Rūta Kazlauskienė", "Rūta Kazlauskaitė"),  # mother and daughter
        ("Aleksandr Ivanov", "Aleksandr Ivanovui"),  # a case form: the name key's business
    ],
)
def test_gender_and_case_forms_differ_in_rendering_key_only(left: str, right: str) -> None:
    assert name_key(left) == name_key(right)
    assert rendering_key(left) != rendering_key(right)


def test_every_rendering_variant_kind_shares_the_canonical_rendering_key() -> None:
    """Every rendering (all but typos) of the scenario's names; and no two distinct names
    (gender forms of one family included) share a rendering key."""
    rng = random.Random(5)
    misses, keys = [], {}
    for country in scenario_names.COUNTRIES:
        for _ in range(1000):
            person = scenario_names.random_name(rng, country)
            canonical = scenario_names.canonical(person)
            keys.setdefault(rendering_key(canonical), set()).add(canonical)
            for kind in scenario_names.VARIANT_KINDS:
                written = scenario_names.variant(person, kind, rng)
                if kind != "typo" and rendering_key(written) != rendering_key(canonical):
                    misses.append((kind, canonical, written))
    assert not misses, misses[:5]
    assert len(keys) > 1000
    assert all(len(names) == 1 for names in keys.values()), [
        n for n in keys.values() if len(n) > 1
    ][:5]


def test_similarity_is_symmetric_and_bounded() -> None:
    pairs = [("Jonas Petraitis", "Petraitis Jonas"), ("Jonas", "Jonas Petraitis"), ("", "Jonas")]
    for left, right in pairs:
        score = name_similarity(left, right)
        assert 0.0 <= score <= 1.0
        assert score == pytest.approx(name_similarity(right, left))
    assert name_similarity("Jonas Petraitis", "Petraitis Jonas") == 1.0
    assert name_similarity("Jonas Petraitis", "Jonas Petraitis Petrauskas") < 1.0
