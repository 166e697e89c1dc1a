"""Search on both engines: name variants, codes, plates, compartments, filters, bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.search.search_helpers import put, put_many

from pasienis.ingest import parse_mapping, restore_run, retract_run, run_import
from pasienis.search import (
    QueryError,
    SearchQuery,
    catch_up,
    delete_entities,
    purge_dataset,
    search,
)
from pasienis.store import Store

ALL = ("border", "tax", "register")


@pytest.fixture
def world(store: Store) -> Store:
    put_many(store, [
        ("p-ivanov", "Person", {"name": "Aleksandras Ivanovas", "nationality": "lt",
         "birthDate": "1980-02-03", "phone": "+370 612 34567"}, "border"),
        ("p-zuk", "Person", {"name": "Tomas Žukauskas", "nationality": "lt"}, "border"),
        ("p-kaz", "Person", {"name": "Jonas Kazlauskas", "birthDate": "1990-01-01"}, "tax"),
        ("p-other", "Person", {"name": "Jonas Petrauskas", "nationality": "pl"}, "border"),
        ("v-kdl", "Vehicle", {"registrationNumber": "KDL 482", "country": "lt"}, "border"),
        ("c-acme", "Company", {"name": "UAB Acme Logistika",
         "registrationNumber": "302123456", "country": "lt"}, "register"),
        ("b-acct", "BankAccount", {"iban": "LT121000011101001000"}, "register"),
    ])  # fmt: skip
    return store


def run(store: Store, text: str, datasets: tuple[str, ...] = ALL, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        result = search(store, conn, SearchQuery(text=text, **kw), datasets=datasets)
    return [h.entity_id for h in result.hits]


@pytest.mark.parametrize(
    "text",
    [
        "Александр Иванов",  # Cyrillic
        "Aleksandr Ivanov",  # transliteration
        "Ivanovas Aleksandras",  # swapped
        "Ivanovui",  # Lithuanian dative
        "Aleksandras Ivanvas",  # typo
        "ALEKSANDRAS IVANOVAS",
    ],
)
def test_name_variants_find_the_person_first(world: Store, text: str) -> None:
    assert run(world, text)[0] == "p-ivanov"


def test_diacritics_and_female_forms(world: Store) -> None:
    assert run(world, "Zukauskas")[0] == "p-zuk"
    assert run(world, "Žukauskienė")[0] == "p-zuk"


@pytest.mark.parametrize("text", ["861234567", "+37061234567", "+370 612 34567"])
def test_phone_in_any_notation(world: Store, text: str) -> None:
    assert run(world, text)[0] == "p-ivanov"


@pytest.mark.parametrize("text", ["KDL482", "KDL4B2", "KDL 48", "KD1482"])
def test_plate_look_alikes_and_missing_characters(world: Store, text: str) -> None:
    assert run(world, text)[0] == "v-kdl"


def test_iban_and_company_code(world: Store) -> None:
    assert run(world, "LT12 1000 0111 0100 1000")[0] == "b-acct"
    assert run(world, "302 123 456")[0] == "c-acme"


def test_compartments_limit_hits_snippets_and_facets(world: Store) -> None:
    put(world, "p-ivanov", "Person", {"name": "Ivanov Secret", "notes": "tax secret"}, "tax")
    with world.read() as conn:
        result = search(world, conn, SearchQuery(text="Ivanov"), datasets=("border",))
    hit = result.hits[0]
    assert hit.entity_id == "p-ivanov"
    assert hit.datasets == ["border"]
    assert "Secret" not in hit.snippet
    assert result.facets["dataset"] == {"border": 1}
    assert run(world, "Kazlauskas", datasets=("border",)) == []
    assert run(world, "Kazlauskas", datasets=()) == []


def test_snippet_highlights_the_matching_words(world: Store) -> None:
    with world.read() as conn:
        result = search(world, conn, SearchQuery(text="Ivanov"), datasets=ALL)
    assert "<mark>Ivanovas</mark>" in result.hits[0].snippet
    assert "<mark>Aleksandras</mark>" not in result.hits[0].snippet


def test_filters_facets_and_paging(world: Store) -> None:
    assert run(world, "Jonas", schemas=("Person",), countries=("pl",)) == ["p-other"]
    assert run(world, "Jonas", datasets=ALL, date_from=date(1989, 1, 1)) == ["p-kaz"]
    with world.read() as conn:
        result = search(world, conn, SearchQuery(text="Jonas", limit=1), datasets=ALL)
        second = search(world, conn, SearchQuery(text="Jonas", limit=1, offset=1), datasets=ALL)
    assert result.total == 2
    assert result.facets["schema"] == {"Person": 2}
    assert {result.hits[0].entity_id, second.hits[0].entity_id} == {"p-kaz", "p-other"}


@pytest.mark.parametrize(
    "text", ['"Ivanov', "Ivanov*", "NEAR(Ivanov Aleksandr)", "-Ivanov", "Ivanov AND OR NOT",
             "Иванов Aleksandras", "ИвановAleksandras", "Ivanov'); DROP TABLE search_entities; --",
             "ivanov:*", "Ivanov\x00"]
)  # fmt: skip
def test_fts_syntax_and_mixed_scripts_are_just_words(world: Store, text: str) -> None:
    assert run(world, text)[0] == "p-ivanov"


@pytest.mark.parametrize("text", ["", "   ", "x" * 300, "***", '"'])
def test_empty_huge_and_wordless_queries_are_clear_errors(world: Store, text: str) -> None:
    with pytest.raises(QueryError):
        run(world, text)


def test_erasure_removes_from_the_index(world: Store) -> None:
    with world.begin() as conn:
        assert delete_entities(world, conn, ["p-ivanov"]) == 1
        assert purge_dataset(world, conn, "register") == 2
    assert run(world, "Ivanov") == []
    assert run(world, "Acme") == []
    assert run(world, "Kazlauskas") == ["p-kaz"]


def test_reindexing_an_entity_is_idempotent(world: Store) -> None:
    put(world, "p-zuk", "Person", {"name": "Tomas Žukauskas", "nationality": "lt"}, "border")
    assert run(world, "Žukauskas") == ["p-zuk"]


def test_key_tiers_are_the_query_keys_most_specific_first() -> None:
    from pasienis.search.keys import query_key_tiers, query_keys

    for text in ("Aleksandr Volkov", "UAB Žilinskas Logistika", "KDL4B2", "Jonas", "P12345678"):
        tiers = query_key_tiers(text)
        assert set().union(*tiers) == query_keys(text)
        assert sum(len(t) for t in tiers) == len(query_keys(text))  # each key in one tier
    assert query_key_tiers("Aleksandr Volkov")[0] == {"p:aleksandr|volkov"}


def test_a_common_name_stops_at_exact_keys_and_says_so(store: Store) -> None:
    from pasienis.search.query import CANDIDATES

    common = {"name": "Jonas Jonaitis"}
    put_many(store, [(f"p-{i}", "Person", common, "border") for i in range(CANDIDATES + 5)])
    put(store, "p-typo", "Person", {"name": "Jonas Jonaitsi"}, "border")
    put(store, "p-rare", "Person", {"name": "Jonas Jonaitis Rimkus"}, "border")
    with store.read() as conn:
        common = search(store, conn, SearchQuery(text="Jonas Jonaitis", limit=100), datasets=ALL)
        typo = search(store, conn, SearchQuery(text="Jonas Jonaitsi"), datasets=ALL)
        rare = search(store, conn, SearchQuery(text="Rimkus Jonaitis Jonas"), datasets=ALL)
    # Exact namesakes fill the candidates: the typo variant is not read, and the result
    # says that its total is a lower bound.
    assert common.truncated
    assert common.total >= CANDIDATES
    assert "p-typo" not in {h.entity_id for h in common.hits}
    assert all(h.score == 1.0 for h in common.hits)
    # The typo is found by its own exact keys; the three-part name by its rare pairs, first
    # among 66 rows sharing the common pair.
    assert typo.hits[0].entity_id == "p-typo"
    assert rare.hits[0].entity_id == "p-rare"


def test_a_retracted_import_leaves_the_search_and_restoring_brings_it_back(
    store: Store, tmp_path: Path
) -> None:
    """Search reads the live view too: the index follows retraction and restore (bus events
    ``import.retracted`` / ``import.restored``), what a later import stated again stays."""
    mapping = parse_mapping(
        "dataset: people\nentities:\n  person: {schema: Person, key: [id], "
        "properties: {name: name}}\n",
        name="people.yml",
    )
    test_file, real_file = tmp_path / "test.csv", tmp_path / "real.csv"
    test_file.write_text("id,name\n1,Jonas Petraitis\n2,Onutė Wrongaitė\n", encoding="utf-8")
    real_file.write_text("id,name\n1,Jonas Petraitis\n", encoding="utf-8")
    test_run = run_import(store, source=test_file, mapping=mapping).run
    run_import(store, source=real_file, mapping=mapping)
    catch_up(store)

    def found() -> list[str]:
        return sorted(run(store, "Jonas Petraitis", ("people",)) + run(
            store, "Onutė Wrongaitė", ("people",)))  # fmt: skip

    everyone = found()
    assert len(everyone) == 2
    retract_run(store, run_id=test_run["id"], by="admin")
    catch_up(store)
    assert len(found()) == 1  # Jonas, whom the real import stated again
    assert run(store, "Onutė Wrongaitė", ("people",)) == []
    restore_run(store, run_id=test_run["id"], by="admin")
    catch_up(store)
    assert found() == everyone
