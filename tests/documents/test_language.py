"""Language per document and per passage; the alphabet shortcut agrees with lingua."""

from __future__ import annotations

import pytest

from pasienis.documents.language import detect_language, passage_languages

SAMPLES = {
    "en": "The vehicle was seen at the border crossing and the driver was questioned by the "
    "officers of the mobile unit for an hour.",
    "lt": "Transporto priemonė buvo pastebėta prie pasienio kontrolės punkto, vairuotojas "
    "apklaustas mobiliosios grupės pareigūnų.",
    "ru": "Автомобиль был замечен у пункта пропуска, водителя опросили сотрудники мобильной "
    "группы в течение часа.",
    "de": "Der Wagen wurde an der Grenze gesehen und der Fahrer wurde von den Beamten der "
    "mobilen Einheit lange befragt.",
    "pl": "Samochód został zauważony na przejściu granicznym, a kierowca był przesłuchiwany "
    "przez funkcjonariuszy przez godzinę.",
}


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_language_of_a_passage(lang: str) -> None:
    assert detect_language(SAMPLES[lang]) == lang
    assert detect_language(SAMPLES[lang], fast=False) == lang


def test_per_passage_and_short_passages_take_the_default() -> None:
    text = SAMPLES["en"] + "\n\n" + SAMPLES["ru"] + "\n\nOK.\n"
    found = passage_languages(text, "lt")
    assert [lang for _, _, lang in found] == ["en", "ru", "lt"]
    starts = [s for s, _, _ in found]
    assert text[starts[1] :].startswith("Автомобиль")


def test_english_report_quoting_lithuanian_names_stays_english() -> None:
    text = (
        "The report says that Rūta Žukauskienė and Agnė Petraitienė met the driver near "
        "Šalčininkai and that the vehicle was later seen at the border."
    )
    assert detect_language(text) == "en"
