"""File → text for every format, and every kind of bad file recorded with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EN, LT_1257, RU_1251, encrypted_pdf, zip_bytes
from pasienis.documents.errors import UnreadableDocumentError
from pasienis.documents.formats import Budget, OcrOptions, detect_format, read_file

OCR = OcrOptions(enabled=False)


def budget(**kw: int) -> Budget:
    values = {"max_depth": 3, "members_left": 100, "bytes_left": 10 << 20, "max_ratio": 200}
    return Budget(**(values | kw))


def read(path: Path, **kw: int):  # type: ignore[no-untyped-def]
    return read_file(path.read_bytes(), path.name, ocr=OCR, budget=budget(**kw))


def test_plain_text_in_three_encodings(samples: dict[str, Path]) -> None:
    utf8 = read(samples["txt"])
    assert (utf8.text, utf8.encoding, utf8.schema) == (EN, "utf-8", "PlainText")
    baltic = read(samples["cp1257"])
    assert (baltic.text, baltic.encoding) == (LT_1257, "cp1257")
    cyrillic = read(samples["cp1251"])
    assert (cyrillic.text, cyrillic.encoding) == (RU_1251, "cp1251")


def test_pdf_text_layer_and_metadata(samples: dict[str, Path]) -> None:
    out = read(samples["pdf"])
    assert out.schema == "Pages"
    assert out.page_starts == [0]
    assert out.text.strip() == EN.strip()
    assert out.meta["title"] == ["Operational report"]
    assert out.meta["author"] == ["pasienis-scenario"]


def test_docx_paragraphs_and_core_properties(samples: dict[str, Path]) -> None:
    out = read(samples["docx"])
    assert out.text == EN
    assert out.meta["title"] == ["Operational report"]


def test_xlsx_as_one_document_with_a_page_per_sheet(samples: dict[str, Path]) -> None:
    out = read(samples["xlsx"])
    assert out.schema == "Workbook"
    assert out.page_starts == [0]
    assert out.text == "Contacts\nname\tphone\nJonas Žukauskas\t+370 612 34567\n"


def test_html_visible_text_without_scripts(samples: dict[str, Path]) -> None:
    out = read(samples["html"])
    assert out.meta["title"] == ["Note"]
    assert "Vehicle BSE 71509 seen." in out.text
    assert "LT12" not in out.text


def test_email_headers_body_and_attachments(samples: dict[str, Path]) -> None:
    out = read(samples["eml"])
    assert out.schema == "Email"
    assert out.text == EN
    assert out.meta["subject"] == ["Pažyma dėl kontrabandos"]
    assert out.meta["to"] == ["Grupė <mg@muitine.example>", "Kitas <kitas@muitine.example>"]
    assert out.meta["date"] == ["2026-12-01T08:00:00+00:00"]
    assert [(m.name, m.data) for m in out.members] == [("scan.txt", LT_1257.encode("cp1257"))]


def test_zip_members(samples: dict[str, Path]) -> None:
    out = read(samples["zip"])
    assert out.schema == "Package"
    assert sorted(m.name for m in out.members) == ["a/one.txt", "two.txt"]


def test_format_from_bytes_not_name(tmp_path: Path, samples: dict[str, Path]) -> None:
    data = samples["pdf"].read_bytes()
    assert detect_format(data, "renamed.txt") == "pdf"
    assert detect_format(samples["docx"].read_bytes(), "x.zip") == "docx"
    assert detect_format(samples["eml"].read_bytes(), "message") == "eml"


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("encrypted.pdf", "encrypted PDF"),
        ("corrupt.docx", "corrupt DOCX"),
        ("corrupt.pdf", "corrupt PDF"),
        ("broken.eml", "broken MIME"),
        ("binary.txt", "binary content"),
        ("corrupt.zip", "corrupt ZIP"),
        ("empty.txt", "empty file"),
        ("corrupt.png", "corrupt image"),
    ],
)
def test_bad_files_raise_with_the_reason(tmp_path: Path, kind: str, reason: str) -> None:
    path = tmp_path / kind
    if kind == "encrypted.pdf":
        encrypted_pdf(path)
    elif kind == "corrupt.docx":
        path.write_bytes(zip_bytes({"word/document.xml": b"<w:document><not closed"}))
    elif kind == "corrupt.pdf":
        path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF garbage")
    elif kind == "broken.eml":
        path.write_bytes(
            b"From: a@b.example\nSubject: x\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/mixed; boundary="XYZ"\n\nno boundary ever appears here\n'
        )
    elif kind == "binary.txt":
        path.write_bytes(bytes(range(256)) * 20)
    elif kind == "corrupt.zip":
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    elif kind == "empty.txt":
        path.write_bytes(b"")
    else:
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)
    with pytest.raises(UnreadableDocumentError, match=reason):
        read(path)


def test_member_count_limit_reported(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    path.write_bytes(zip_bytes({f"m{i}.txt": b"x" for i in range(10)}))
    out = read(path, members_left=4)
    assert len(out.members) == 4
    assert out.problems == [
        "6 members not unpacked: member count limit (PASIENIS_DOCUMENTS_MAX_MEMBERS) reached"
    ]


def test_total_size_and_ratio_limits_stop_a_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_bytes({"zeros.bin": b"\x00" * (4 << 20), "ok.txt": b"fine\n"}))
    out = read(path)
    assert [m.name for m in out.members] == ["ok.txt"]
    assert "compression ratio" in out.problems[0]
    assert "zeros.bin" in out.problems[0]
    small = read(path, bytes_left=1 << 20, max_ratio=10_000)
    assert [m.name for m in small.members] == ["ok.txt"]
    assert "unpacked size limit" in small.problems[0]


def test_zip_member_lying_about_its_size(tmp_path: Path) -> None:
    data = bytearray(zip_bytes({"a.txt": b"A" * 1000}))
    # Shrink the declared size in the central directory: the capped read must notice.
    idx = data.rfind(b"PK\x01\x02")
    data[idx + 24 : idx + 28] = (10).to_bytes(4, "little")
    path = tmp_path / "liar.zip"
    path.write_bytes(bytes(data))
    out = read(path)
    assert out.members == []
    assert out.problems
    assert "a.txt" in out.problems[0]


def test_email_without_headers_is_not_read_as_mail(tmp_path: Path) -> None:
    path = tmp_path / "x.eml"
    path.write_bytes(b"just some words\nwithout any header\n")
    with pytest.raises(UnreadableDocumentError, match="no e-mail headers"):
        read(path)


def test_email_in_cp1257_with_declared_charset(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    head = b"From: a@b.example\nSubject: x\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n"
    head += b"Content-Type: text/plain; charset=windows-1257\n\n"
    path.write_bytes(head + LT_1257.encode("cp1257"))
    assert read(path).text == LT_1257


def test_email_with_wrong_charset_falls_back_to_detection(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    head = b"From: a@b.example\nSubject: x\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n"
    head += b"Content-Type: text/plain; charset=utf-8\n\n"
    path.write_bytes(head + RU_1251.encode("cp1251"))
    assert read(path).text == RU_1251


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("TIFF", "image/tiff")])
def test_images_need_ocr_when_it_is_off(tmp_path: Path, fmt: str, mime: str) -> None:
    from PIL import Image

    path = tmp_path / f"scan.{fmt.lower()}"
    Image.new("L", (120, 60), 255).save(path, fmt)
    out = read(path)
    assert (out.schema, out.mime_type) == ("Image", mime)
    assert (
        out.needs_ocr == "image without a text layer; OCR is switched off (PASIENIS_DOCUMENTS_OCR)"
    )


def test_decompression_bomb_image_is_refused(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    path = tmp_path / "huge.png"
    Image.new("L", (400, 400), 255).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 160,000 pixels: over twice the limit
    with pytest.raises(UnreadableDocumentError, match="decompression bomb"):
        read(path)
