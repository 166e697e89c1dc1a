"""Ingesting files into the store (SQLite and PostgreSQL): documents, statements, mentions,
links through shared identifiers, bad files recorded, limits reported, idempotent re-runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import EN, encrypted_pdf, write_eml, zip_bytes
from pasienis.documents import (
    DocumentPathError,
    document_mentions,
    document_text,
    document_texts,
    get_document,
    ingest_paths,
    list_documents,
)
from pasienis.documents.blobs import blob_path
from pasienis.documents.formats import OcrOptions
from pasienis.model import Provenance, entity_statements, make_id, write_statements
from pasienis.model.models import statements
from pasienis.store import Store

SEEN = __import__("datetime").datetime(2026, 11, 1, tzinfo=__import__("datetime").UTC)


def known_people(store: Store) -> str:
    """A person and a vehicle already in the store, as an import would have written them."""
    prov = Provenance("registry", SEEN)
    person = make_id("registry.person", "1")
    vehicle = make_id("vehicle-plate", "BSE71509")
    rows = entity_statements(person, "Person", {"name": "Jonas Žukauskas"}, prov)
    rows += entity_statements(vehicle, "Vehicle", {"registrationNumber": "BSE71509"}, prov)
    with store.begin() as conn:
        write_statements(store, conn, rows)
    return person


def by_file(report) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {Path(d["file"].split("!")[0]).name + ("!" + d["file"].split("!", 1)[1]
            if "!" in d["file"] else ""): d for d in report.documents}  # fmt: skip


def test_every_format_becomes_a_document(store: Store, samples, options) -> None:  # type: ignore[no-untyped-def]
    report = ingest_paths(store, [samples["txt"].parent], options=options)
    docs = by_file(report)
    assert {d["status"] for d in report.documents} == {"processed"}
    assert docs["report.pdf"]["schema"] == "Pages"
    assert docs["mail.eml"]["schema"] == "Email"
    assert docs["mail.eml!scan.txt"]["parent_id"] == docs["mail.eml"]["id"]
    assert docs["bundle.zip!a/one.txt"]["parent_id"] == docs["bundle.zip"]["id"]
    assert docs["pazyma_1257.txt"]["language"] == "lt"
    assert docs["svodka_1251.txt"]["language"] == "ru"
    assert docs["report_en.txt"]["language"] == "en"
    with store.read() as conn:
        doc = get_document(conn, docs["mail.eml"]["id"], datasets=["reports_a"])
        assert doc["children"] == [docs["mail.eml!scan.txt"]["id"]]
        assert doc["title"] == "Pažyma dėl kontrabandos"
        assert document_text(conn, docs["report.docx"]["id"], datasets=["reports_a"]) == EN
        props = {
            (r.prop, r.value)
            for r in conn.execute(
                select(statements.c.prop, statements.c.value).where(
                    statements.c.entity_id == docs["mail.eml"]["id"]
                )
            )
        }
    assert ("subject", "Pažyma dėl kontrabandos") in props
    assert ("to", "Grupė <mg@muitine.example>") in props
    assert ("language", "eng") in props  # FtM keeps ISO 639-3
    assert ("phoneMentioned", "+37061234567") in props


def test_original_is_stored_content_addressed_and_read_only(store: Store, samples, options) -> None:  # type: ignore[no-untyped-def]
    ingest_paths(store, [samples["pdf"]], options=options)
    with store.read() as conn:
        (doc,) = list_documents(conn, datasets=["reports_a"])
    path = blob_path(options.root, doc["sha256"])
    assert path.read_bytes() == samples["pdf"].read_bytes()
    assert not path.stat().st_mode & 0o222


def test_mentions_link_to_known_entities_with_offsets(store: Store, samples, options) -> None:  # type: ignore[no-untyped-def]
    person = known_people(store)
    report = ingest_paths(store, [samples["txt"]], options=options)
    doc_id = report.documents[0]["id"]
    with store.read() as conn:
        found = document_mentions(conn, doc_id, datasets=["reports_a", "registry"])
        hidden = document_mentions(conn, doc_id, datasets=["reports_a"])
    people = [m for m in found if m["kind"] == "person"]
    assert [(m["text"], m["entity_id"]) for m in people] == [("Jonas Žukauskas", person)] * 2
    for m in found:
        assert EN[m["start_offset"] : m["end_offset"]] == m["text"]
    plate = next(m for m in found if m["kind"] == "plate")
    assert plate["entity_id"] == make_id("vehicle-plate", "BSE71509")
    # the registry is not visible: the mention stays, its link to the person is withheld
    assert {m["entity_id"] for m in hidden if m["kind"] == "person"} == {None}


def test_two_reports_with_one_phone_are_linked_through_it(store: Store, tmp_path, options) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text("Skambino numeriu +370 612 34567 vakare.\n")
    (tmp_path / "b.txt").write_text("Call from 8 612 34567 was recorded yesterday.\n")
    report = ingest_paths(store, [tmp_path / "a.txt", tmp_path / "b.txt"], options=options)
    phone = make_id("phone", "+37061234567")
    with store.read() as conn:
        linked = {
            m["entity_id"]
            for d in report.documents
            for m in document_mentions(conn, d["id"], datasets=["reports_a"])
        }
        resolved = conn.execute(
            select(statements.c.entity_id).where(
                statements.c.prop == "resolved", statements.c.value == phone
            )
        ).scalars()
        mentions = set(resolved)
        schema = conn.execute(
            select(statements.c.schema).where(statements.c.entity_id == phone)
        ).scalar()
    assert linked == {phone}
    assert len(mentions) == 2
    assert schema == "PhoneNumber"


BAD = ["encrypted.pdf", "corrupt.docx", "broken.eml", "binary.txt"]


def write_bad(folder: Path) -> None:
    folder.mkdir()
    encrypted_pdf(folder / "encrypted.pdf")
    (folder / "corrupt.docx").write_bytes(zip_bytes({"word/document.xml": b"<w:document"}))
    (folder / "broken.eml").write_bytes(
        b"From: a@b.example\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\n\nno boundary\n'
    )
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "good.txt").write_text(EN)


def test_bad_files_are_recorded_and_the_batch_goes_on(store: Store, tmp_path, options) -> None:  # type: ignore[no-untyped-def]
    write_bad(tmp_path / "bad")
    report = ingest_paths(store, [tmp_path / "bad"], options=options)
    docs = by_file(report)
    assert docs["good.txt"]["status"] == "processed"
    reasons = {name: docs[name]["reason"] for name in BAD}
    assert {name: docs[name]["status"] for name in BAD} == dict.fromkeys(BAD, "failed")
    assert "encrypted PDF" in reasons["encrypted.pdf"]
    assert "corrupt DOCX" in reasons["corrupt.docx"]
    assert "broken MIME" in reasons["broken.eml"]
    assert "binary content" in reasons["binary.txt"]
    with store.read() as conn:
        failed = list_documents(conn, datasets=["reports_a"], status="failed")
    assert len(failed) == 4


def test_limits_are_reported(store: Store, tmp_path, options) -> None:  # type: ignore[no-untyped-def]
    inner = zip_bytes({"deep.txt": b"deep\n"})
    for _ in range(4):
        inner = zip_bytes({"nested.zip": inner})
    (tmp_path / "deep.zip").write_bytes(inner)
    (tmp_path / "bomb.zip").write_bytes(zip_bytes({"z.bin": b"\0" * (6 << 20), "a.txt": b"a\n"}))
    report = ingest_paths(store, [tmp_path / "deep.zip", tmp_path / "bomb.zip"], options=options)
    statuses = [(d["file"].split("/")[-1], d["status"]) for d in report.documents]
    too_deep = [d for d in report.documents if d["status"] == "failed"]
    assert len(too_deep) == 1
    assert "PASIENIS_DOCUMENTS_MAX_DEPTH=3" in too_deep[0]["reason"]
    bomb = by_file(report)["bomb.zip"]
    assert bomb["status"] == "partial", statuses
    assert "z.bin" in bomb["reason"]


def test_rerun_is_idempotent_and_force_reprocesses(store: Store, samples, options) -> None:  # type: ignore[no-untyped-def]
    first = ingest_paths(store, [samples["eml"]], options=options)
    with store.read() as conn:
        count = set(conn.execute(select(statements.c.id)).scalars())
    again = ingest_paths(store, [samples["eml"]], options=options)
    assert [d["status"] for d in again.documents] == ["unchanged"]
    forced = ingest_paths(store, [samples["eml"]], options=replace(options, force=True))
    assert [d["status"] for d in forced.documents] == ["processed", "processed"]
    assert [d["id"] for d in forced.documents] == [d["id"] for d in first.documents]
    with store.read() as conn:
        assert set(conn.execute(select(statements.c.id)).scalars()) == count


def test_scans_without_ocr_are_stored_as_needs_ocr(store: Store, tmp_path, options) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    Image.new("L", (200, 80), 255).save(tmp_path / "scan.png")
    off = replace(options, ocr=OcrOptions(enabled=False))
    report = ingest_paths(store, [tmp_path / "scan.png"], options=off)
    (doc,) = report.documents
    assert doc["status"] == "needs_ocr"
    assert "OCR is switched off" in doc["reason"]


def test_missing_path_is_an_error(store: Store, tmp_path, options) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DocumentPathError, match="no such file"):
        ingest_paths(store, [tmp_path / "nope"], options=options)


def test_texts_for_the_search_index(store: Store, samples, options) -> None:  # type: ignore[no-untyped-def]
    ingest_paths(store, [samples["txt"], samples["docx"]], options=options)
    with store.read() as conn:
        texts = list(document_texts(conn, datasets=["reports_a"]))
        none = list(document_texts(conn, datasets=["other"]))
        after = list(document_texts(conn, after=texts[0]["id"]))
    assert [t["text"] for t in texts] == [EN, EN]
    assert none == []
    assert [t["id"] for t in after] == [texts[1]["id"]]


def test_email_attachment_is_its_own_document(store: Store, tmp_path, options) -> None:  # type: ignore[no-untyped-def]
    write_eml(tmp_path / "m.eml", "See attached.\n", [("inner.txt", EN.encode())])
    report = ingest_paths(store, [tmp_path / "m.eml"], options=options)
    mail, attachment = report.documents
    assert attachment["parent_id"] == mail["id"]
    assert attachment["mentions"] > 0
    with store.read() as conn:
        parent = conn.execute(
            select(statements.c.value).where(
                statements.c.entity_id == attachment["id"], statements.c.prop == "parent"
            )
        ).scalar()
    assert parent == mail["id"]


def test_links_only_into_the_allowed_datasets(store: Store, samples, options) -> None:  # type: ignore[no-untyped-def]
    known_people(store)
    limited = replace(options, link_datasets=frozenset({"reports_a"}))
    report = ingest_paths(store, [samples["txt"]], options=limited)
    with store.read() as conn:
        found = document_mentions(conn, report.documents[0]["id"], datasets=["reports_a"])
    people = [m for m in found if m["kind"] == "person"]
    assert people, found
    assert {m["method"] for m in people} == {"rule"}  # found by the rule, not from the registry
    plate = next(m for m in found if m["kind"] == "plate")
    assert plate["entity_id"] == make_id("vehicle-plate", "BSE71509")  # a new entity, same id


def test_namesake_companies_told_apart_by_the_account_mentioned(
    store: Store, tmp_path, options
) -> None:  # type: ignore[no-untyped-def]
    prov = Provenance("register", SEEN)
    rows = []
    for code, iban in (("1", "LT121000011101001000"), ("2", "LT601010012345678901")):
        company, account = make_id("lt-company", code), make_id("iban", iban)
        rows += entity_statements(company, "Company", {"name": "UAB „Baltijos partneriai“"}, prov)
        rows += entity_statements(account, "BankAccount", {"iban": iban}, prov)
        rows += entity_statements(
            make_id("own", code), "Ownership", {"owner": company, "asset": account}, prov
        )
    with store.begin() as conn:
        write_statements(store, conn, rows)
    (tmp_path / "r.txt").write_text(
        "Lėšos pervedamos per UAB „Baltijos partneriai“ sąskaitą LT60 1010 0123 4567 8901.\n"
    )
    report = ingest_paths(store, [tmp_path / "r.txt"], options=options)
    with store.read() as conn:
        found = document_mentions(
            conn, report.documents[0]["id"], datasets=["reports_a", "register"]
        )
    company = next(m for m in found if m["kind"] == "company")
    assert company["entity_id"] == make_id("lt-company", "2")
    assert company["method"] == "store+context"


def test_a_phone_finds_the_reports_that_mention_it_in_search(
    store: Store, tmp_path, options
) -> None:  # type: ignore[no-untyped-def]
    """`pasienis search +37061234567` lists the report: documents are indexed as they land."""
    from pasienis.search import SearchQuery, search

    (tmp_path / "a.txt").write_text("Skambino numeriu +370 612 34567 vakare, prie Medininkų.\n")
    (tmp_path / "b.txt").write_text("Nothing here but the weather report for Tuesday.\n")
    report = ingest_paths(store, [tmp_path / "a.txt", tmp_path / "b.txt"], options=options)
    ids = {Path(d["file"]).name: d["id"] for d in report.documents}
    with store.read() as conn:
        by_phone = search(store, conn, SearchQuery(text="861234567"), datasets=["reports_a"])
        hidden = search(store, conn, SearchQuery(text="+37061234567"), datasets=["other"])
    found = {hit.entity_id for hit in by_phone.hits}
    assert ids["a.txt"] in found
    assert ids["b.txt"] not in found
    assert hidden.total == 0
