"""Name keys agree across the renderings border data holds (one definition for every capability)."""

from __future__ import annotations

import random

import pytest
from rigour.text import levenshtein

from pasienis.model.names import (
    key_similarity,
    name_key,
    name_similarity,
    names_of,
    rendering_key,
    strip_ending,
    token_key,
    token_keys,
    token_names,
    typo_keys,
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


#: The default screening threshold (``PASIENIS_WATCH_NAME_THRESHOLD``).
THRESHOLD = 0.88


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Šarūnas Urbonas", "Arūnas Urbonas"),  # the scenario's false alert (issue 13)
        ("Paulius Butkus", "Saulius Butkus"),
        ("Marius Rimkus", "Darius Rimkus"),
        ("Mykola Shevchenko", "Nikolai Shevchenko"),
    ],
)
def test_two_real_names_that_start_differently_are_not_a_typo(left: str, right: str) -> None:
    """Both parts are names rigour knows, with no name in common: no alert on the name alone
    (in either direction), though an equal birth date (the rule's bonus) may still carry a
    five-letter pair (the Ukrainian and Russian forms of one name are such a pair)."""
    for a, b in ((left, right), (right, left)):
        assert name_similarity(a, b) < THRESHOLD, (a, b, name_similarity(a, b))


@pytest.mark.parametrize(
    ("listed", "written"),
    [
        ("Šarūnas Urbonas", "Sraunas Urbonas"),  # a swap inside: not a name
        ("Šarūnas Urbonas", "Šarūnas Urbnoas"),  # the scenario's kind of typo (family name)
        ("Jonas Kazlauskas", "Jonas Azlauskas"),  # first letter lost, but no name results
        ("Jonas Kazlauskas", "Jonas Kazluaskas"),
        ("Tomas Jankauskas", "Tomas Jaknauskas"),  # the commonest slip, a swap
        ("Aliaksandr Novik", "Aleksandr Novik"),  # Belarusian and Russian forms differ inside
        ("Dzmitry Kovalevich", "Dmitry Kovalevich"),
        ("Oleksandr Shevchenko", "Aleksandr Shevchenko"),  # a first-letter pair of long names
    ],
)
def test_typos_and_forms_of_one_name_still_match(listed: str, written: str) -> None:
    for a, b in ((listed, written), (written, listed)):
        assert name_similarity(a, b) >= THRESHOLD, (a, b, name_similarity(a, b))


def test_the_vocabulary_is_rigours_across_scripts_and_blind_to_typos() -> None:
    assert token_names("sarunas") == token_names("šarūnas") != frozenset()
    assert token_names("sarunas").isdisjoint(token_names("arunas"))
    assert token_names("sraunas") == frozenset() == token_names("2024")
    assert names_of("SARUNAS URBONAS") == names_of("Šarūnas Urbonas")
    # Looked up in the ASCII form: a transliteration the vocabulary lacks is unknown, and an
    # unknown part keeps the plain edit count (recall first).
    assert names_of("Шарунас")[0] == token_names("sharunas") == frozenset()


def test_first_letter_rule_costs_one_extra_edit_only_between_known_names() -> None:
    """Without the vocabulary (keys alone, as an old caller passes them) the pair is a typo."""
    keys_a, keys_b = token_keys("Arūnas Urbonas"), token_keys("Šarūnas Urbonas")
    assert key_similarity(keys_a, keys_b) == pytest.approx(0.9)  # one edit in five letters
    with_names = key_similarity(keys_a, keys_b, names_of("Arūnas Urbonas"),
                                names_of("Šarūnas Urbonas"))  # fmt: skip
    assert with_names == pytest.approx(0.85)  # 1.5 edits in five: (0.7 + 1) / 2
    assert with_names + 0.06 >= THRESHOLD  # the same birth date still alerts


@pytest.mark.parametrize(
    ("listed", "written"),
    [
        ("Giedrius Paulausas", "Giedrius Paulauskas"),  # keys "paula"/"paulausk" (seed 7)
        ("Inga Kavaiauskaitė", "Inga Kavaliauskaitė"),  # folding: "kavausk"/"kavalausk"
    ],
)
def test_one_typo_that_strips_or_folds_differently_is_still_one_edit(
    listed: str, written: str
) -> None:
    """A typo counts the edits of the parts as written when the keys differ by more."""
    assert levenshtein(*(token_keys(listed)[1], token_keys(written)[1])) > 1
    for a, b in ((listed, written), (written, listed)):
        assert name_similarity(a, b) >= THRESHOLD, (a, b, name_similarity(a, b))
    # Old callers that pass keys only keep the keys' edits.
    assert key_similarity(token_keys(listed), token_keys(written)) < name_similarity(
        listed, written
    )


def test_one_edit_as_written_is_one_shared_typo_key() -> None:
    """The key of the written part with a letter deleted: the seed-7 typo shares one."""
    assert token_key("paulauskas") != token_key("paulausas")
    assert token_key("paulausas") in typo_keys("paulauskas")
    assert token_key("kavaiauskaite") in typo_keys("kavaliauskaite")
    assert typo_keys("jon") == frozenset()
    assert token_key("jonas") not in typo_keys("jonas")
