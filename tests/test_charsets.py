"""The one encoding guess (pasienis.charsets) and its two users: ingest readers and documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pasienis import charsets
from pasienis.documents.formats import decode_text
from pasienis.ingest.errors import SourceError
from pasienis.ingest.readers.encoding import SAMPLE, check_encoding, detect_encoding

LT = "Pažyma: Žukauskienė ir Ivanovas važiavo automobiliu ABC 123 per Šalčininkus, tel. 8 612."
RU = "Сводка: Иванову звонили с номера +37061234567, автомобиль А123ВС 77 в Минске."
FR = "Rapport: le chauffeur très pressé a payé à Genève, sa sœur était près du dépôt."
DE = "Bericht: Müller fuhr über die Grenze, Straße geschlossen, Größe unbekannt, Fahrer wütend."


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        (LT, "utf-8", "utf-8"),
        (LT, "utf-8-sig", "utf-8-sig"),
        (RU, "utf-16", "utf-16"),
        (LT, "cp1257", "cp1257"),
        (RU, "cp1251", "cp1251"),
        ("Vilkas, Kaunas, BSE 71509", "ascii", "utf-8"),
    ],
)
def test_detects_the_encodings_of_the_service(text: str, codec: str, expected: str) -> None:
    data = text.encode(codec)
    assert charsets.detect_encoding(data) == expected
    assert data.decode(expected) == text.replace("\ufeff", "")


@pytest.mark.parametrize("text", [DE, FR])
def test_western_text_decodes_back(text: str) -> None:
    data = text.encode("cp1252")
    found = charsets.detect_encoding(data)
    assert found in charsets.LATIN_CANDIDATES
    assert data.decode(found) == text


def test_a_cut_sample_is_still_utf8_only_when_truncated() -> None:
    data = ("Žukauskas " * 40 + "Ž").encode("utf-8")
    cut = data[:-1]  # the last Ž cut in half
    assert charsets.detect_encoding(cut, truncated=True) == "utf-8"
    assert charsets.detect_encoding(cut) != "utf-8"


def test_check_encoding() -> None:
    assert charsets.check_encoding("CP1257") == "cp1257"
    assert charsets.check_encoding("no-such-codec") is None
    assert check_encoding("windows-1251") == "cp1251"
    with pytest.raises(SourceError, match="unknown encoding"):
        check_encoding("no-such-codec")


_LT_WORDS = st.lists(
    st.sampled_from(["Žukauskas", "ąžuolas", "Šiauliai", "kelionė", "muitinė", "Ūla", "ir",
                     "važiavo", "Čiurlionis", "sąskaita", "įmonė", "vilkikas", "gėrimai"]),
    min_size=4, max_size=30,
)  # fmt: skip
_RU_WORDS = st.lists(
    st.sampled_from(["Иванов", "таможня", "грузовик", "Минск", "сигареты", "и", "водитель",
                     "звонил", "счёт", "компания", "Брест", "перевозчик"]),
    min_size=4, max_size=30,
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=_LT_WORDS)
def test_lithuanian_code_page_round_trips(words: list[str]) -> None:
    text = " ".join(words) + "."
    data = text.encode("cp1257")
    found = charsets.detect_encoding(data)
    assert found is not None
    assert data.decode(found) == text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=_RU_WORDS)
def test_russian_code_page_round_trips(words: list[str]) -> None:
    text = " ".join(words) + "."
    data = text.encode("cp1251")
    assert charsets.detect_encoding(data) == "cp1251"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.one_of(_LT_WORDS, _RU_WORDS),
    codec=st.sampled_from(["utf-8", "cp1257", "cp1251", "utf-8-sig"]),
)
def test_ingest_and_documents_agree(words: list[str], codec: str) -> None:
    """Both capabilities decode the same bytes to the same text (one definition)."""
    text = " ".join(words)
    try:
        data = text.encode(codec)
    except UnicodeEncodeError:
        return  # Russian words have no Windows-1257 form
    ingest = detect_encoding(data)
    documents_text, documents_enc = decode_text(data)
    assert documents_enc == ingest == charsets.detect_encoding(data)
    assert data.decode(ingest).replace("\ufeff", "") == documents_text


def test_ingest_sample_of_a_long_file_is_read_as_cut(tmp_path: Path) -> None:
    body = ("Žukauskas;Vilnius\n" * (SAMPLE // 10)).encode("utf-8")
    path = tmp_path / "big.csv"
    path.write_bytes(body)
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE)
    assert detect_encoding(sample) == "utf-8"


def test_documents_record_the_fallback() -> None:
    """Bytes no code page fits are decoded as Windows-1257 and the document says so."""
    from pasienis.documents.formats.text import read_text

    data = bytes(range(0x80, 0x100)) * 4
    found = charsets.detect_encoding(data)
    ex = read_text(data)
    if found is None:
        assert ex.encoding == "cp1257"
        assert any("not recognised" in p for p in ex.problems)
    else:
        assert ex.encoding == found
        assert ex.problems == []
