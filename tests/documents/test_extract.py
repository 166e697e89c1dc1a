"""Identifiers validated with offsets; names matched in every case, gender and script form."""

from __future__ import annotations

import pytest

from pasienis.documents.extract import Extractor, NameIndex
from pasienis.documents.extract.base import non_overlapping
from pasienis.documents.extract.identifiers import PRIORITY, find_identifiers
from pasienis.documents.extract.ner import natasha_names, rule_names


def ids(text: str) -> list[tuple[str, str, str]]:
    found = non_overlapping(find_identifiers(text), PRIORITY)
    for f in found:
        assert text[f.start : f.end] == f.text  # offsets are exact
    return [(f.kind, f.text, f.value) for f in found]


def test_phone_iban_plate_with_offsets() -> None:
    text = "Skambino 8 612 34567, sąskaita LT12 1000 0111 0100 1000, automobilis BSE 71509."
    assert ids(text) == [
        ("phone", "8 612 34567", "+37061234567"),
        ("iban", "LT12 1000 0111 0100 1000", "LT121000011101001000"),
        ("plate", "BSE 71509", "BSE71509"),
    ]


def test_invalid_check_digits_are_not_mentions() -> None:
    text = "IBAN LT13 1000 0111 0100 1000, phone +370 000 00000, VIN 1M8GDM9AXKP042789."
    assert [k for k, _, _ in ids(text)] == []


def test_vin_container_personal_code_email() -> None:
    text = (
        "VIN 1M8GDM9AXKP042788, container CSQU3054383, a.k. 38703181745, rašė jonas@pastas.example."
    )
    kinds = {k: v for k, _, v in ids(text)}
    assert kinds == {
        "vin": "1M8GDM9AXKP042788",
        "container": "CSQU3054383",
        "lt_personal_code": "38703181745",
        "email": "jonas@pastas.example",
    }


def test_cyrillic_look_alike_plates() -> None:
    assert ids("автомобиль А123ВС 77 и 7536 ВЕ-4") == [
        ("plate", "А123ВС 77", "A123BC77"),
        ("plate", "7536 ВЕ-4", "7536BE4"),
    ]


def test_reference_numbers_are_not_plates() -> None:
    assert ids("Report OP-2026-0001 of 2026-09-18.") == [("date", "2026-09-18", "2026-09-18")]


def test_context_identifiers_dates_amounts_coordinates() -> None:
    text = (
        "Passport No. MP9124190; įmonės kodas 305639282; CN code 2402 20 90; "
        "paid 12 500,50 EUR on 21.09.2026 at 54.53530, 25.75950."
    )
    found = {k: v for k, _, v in ids(text)}
    assert found["passport"] == "MP9124190"
    assert found["lt_company_code"] == "305639282"
    assert found["cn_code"] == "24022090"
    assert found["amount"] == "12500.50 EUR"
    assert found["date"] == "2026-09-21"
    assert found["coordinates"] == "54.535300,25.759500"


def test_company_code_needs_its_context_and_check_digit() -> None:
    assert ids("numeris 305639282") == []
    assert ids("įmonės kodas 305639283") == []


def index(*names: tuple[str, str, str]) -> NameIndex:
    idx = NameIndex()
    for entity_id, schema, name in names:
        idx.add(entity_id, schema, name)
    return idx


@pytest.mark.parametrize(
    "written",
    [
        "Aleksandras Ivanovas", "Aleksandro Ivanovo", "Aleksandrui Ivanovui",
        "Aleksandrą Ivanovą", "Александр Иванов", "Александра Иванова", "Александру Иванову",
        "Ivanov Aleksandr", "IVANOV ALEKSANDR",
    ],
)  # fmt: skip
def test_known_person_in_case_and_script_forms(written: str) -> None:
    ext = Extractor(index=index(("p1", "Person", "Aleksandr Ivanov")), ner=False)
    text = f"Pasak šaltinio, {written} buvo matytas."
    found = [f for f in ext.extract(text) if f.kind == "person"]
    assert [(f.text, f.entity_id) for f in found] == [(written, "p1")]


@pytest.mark.parametrize("written", ["Tadas Žukauskas", "Tado Žukausko", "Tadui Žukauskui"])
def test_lithuanian_surname_cases(written: str) -> None:
    ext = Extractor(index=index(("p2", "Person", "Tadas Žukauskas")), ner=False)
    found = ext.extract(f"Ryšį palaikė su {written}.")
    assert [(f.text, f.entity_id) for f in found] == [(written, "p2")]


def test_wife_form_matches_the_family_name() -> None:
    ext = Extractor(index=index(("p3", "Person", "Rūta Žukauskienė")), ner=False)
    found = ext.extract("Matyta Rūta Žukauskienė ir Rūtos Žukauskienės automobilis.")
    assert [f.entity_id for f in found] == ["p3", "p3"]


def test_names_do_not_run_across_sentences_or_lowercase_words() -> None:
    ext = Extractor(index=index(("p1", "Person", "Jonas Petraitis")), ner=False)
    assert ext.extract("Atvyko Jonas. Petraitis liko.") == []
    assert ext.extract("jonas petraitis") == []


def test_company_with_quotes_and_without_legal_form() -> None:
    ext = Extractor(index=index(("c1", "Company", "UAB „Logistikos partneriai“")), ner=False)
    text = "Per UAB „Logistikos partneriai“ ir Logistikos partneriai sąskaitas."
    found = ext.extract(text)
    assert [(f.text, f.entity_id, f.kind) for f in found] == [
        ("UAB „Logistikos partneriai“", "c1", "company"),
        ("Logistikos partneriai", "c1", "company"),
    ]


def test_place_in_genitive() -> None:
    ext = Extractor(index=index(("x1", "BorderCheckpoint", "Medininkai")), ner=False)
    assert [f.text for f in ext.extract("netoli Medininkų pasienio punkto")] == ["Medininkų"]


def test_identifier_wins_over_a_name_on_the_same_span() -> None:
    ext = Extractor(index=index(("x", "Company", "BSE 71509")), ner=False)
    assert [f.kind for f in ext.extract("Automobilis BSE 71509.")] == ["plate"]


def test_natasha_finds_unknown_russian_names() -> None:
    text = "Вчера Сергей Петров встретился в Минске с директором ООО «Ромашка»."
    found = {(f.kind, f.text) for f in natasha_names(text)}
    assert ("person", "Сергей Петров") in found
    assert ("place", "Минске") in found


def test_rule_finds_unknown_names_but_not_sentence_starts() -> None:
    text = "Payments were made by Mindaugas Kavaliauskas. Assessment Reliable."
    assert [f.text for f in rule_names(text, "en")] == ["Mindaugas Kavaliauskas"]


def test_unknown_names_do_not_hide_known_ones() -> None:
    ext = Extractor(index=index(("p1", "Person", "Jonas Petraitis")), ner=True)
    text = "Jonas Petraitis met Mindaugas Kavaliauskas in Vilnius yesterday evening again."
    passages = [(0, len(text), "en")]
    found = [(f.text, f.method) for f in ext.extract(text, passages) if f.kind == "person"]
    assert found == [("Jonas Petraitis", "store"), ("Mindaugas Kavaliauskas", "rule")]


def test_neighbouring_national_formats_after_lithuanian() -> None:
    found = ids("numeris 8 029 945-15-48, dar 8 612 34567")
    assert found == [
        ("phone", "8 029 945-15-48", "+375299451548"),
        ("phone", "8 612 34567", "+37061234567"),
    ]
