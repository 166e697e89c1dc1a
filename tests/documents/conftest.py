"""Sample files of every format the documents capability reads, made in the test, and
processing options for tests."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from pasienis.documents import Options
from pasienis.documents.formats import OcrOptions
from pasienis.scenario.documents import write_docx, write_pdf

EN = (
    "Operational report OP-2026-0001.\n"
    "On 2026-09-18 vehicle BSE 71509 was seen near Medininkai; the driver was Jonas Žukauskas.\n"
    "Jonas Žukauskas uses the phone number +370 612 34567 and account LT12 1000 0111 0100 1000.\n"
)
LT_1257 = "Pažyma: Žukauskienė ir Ivanovas važiavo automobiliu ABC 123, tel. 8 612 34567.\n"
RU_1251 = "Сводка: Иванову звонили с номера +37061234567, автомобиль А123ВС 77.\n"


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Contacts"
    for row in rows:
        sheet.append(row)
    book.save(path)


def write_eml(path: Path, body: str, attachments: list[tuple[str, bytes]] = ()) -> None:
    msg = EmailMessage()
    msg["From"] = "Analitikas <analitikas@muitine.example>"
    msg["To"] = "Grupė <mg@muitine.example>, Kitas <kitas@muitine.example>"
    msg["Subject"] = "Pažyma dėl kontrabandos"
    msg["Date"] = "Tue, 01 Dec 2026 08:00:00 +0000"
    msg["Message-ID"] = "<t1@muitine.example>"
    msg.set_content(body)
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    path.write_bytes(bytes(msg))


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def encrypted_pdf(path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = path.with_suffix(".plain.pdf")
    write_pdf(plain, "Secret", EN)
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as handle:
        writer.write(handle)
    plain.unlink()


def every_format(folder: Path) -> dict[str, Path]:
    """One good file per format (txt in three encodings) under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "txt": folder / "report_en.txt",
        "cp1257": folder / "pazyma_1257.txt",
        "cp1251": folder / "svodka_1251.txt",
        "pdf": folder / "report.pdf",
        "docx": folder / "report.docx",
        "xlsx": folder / "contacts.xlsx",
        "html": folder / "page.html",
        "eml": folder / "mail.eml",
        "zip": folder / "bundle.zip",
    }
    files["txt"].write_text(EN, encoding="utf-8")
    files["cp1257"].write_bytes(LT_1257.encode("cp1257"))
    files["cp1251"].write_bytes(RU_1251.encode("cp1251"))
    write_pdf(files["pdf"], "Operational report", EN)
    write_docx(files["docx"], "Operational report", EN)
    write_xlsx(files["xlsx"], [["name", "phone"], ["Jonas Žukauskas", "+370 612 34567"]])
    files["html"].write_text(
        "<html><head><title>Note</title><script>var x = 'LT12';</script></head>"
        "<body><p>Vehicle <b>BSE 71509</b> seen.</p></body></html>",
        encoding="utf-8",
    )
    write_eml(files["eml"], EN, [("scan.txt", LT_1257.encode("cp1257"))])
    files["zip"].write_bytes(zip_bytes({"a/one.txt": EN.encode(), "two.txt": b"Second file.\n"}))
    return files


@pytest.fixture
def options(tmp_path: Path) -> Options:
    """Processing options with originals under the test's folder and small limits."""
    return Options(
        root=tmp_path / "originals",
        dataset="reports_a",
        ocr=OcrOptions(enabled=True),
        max_depth=3,
        max_members=50,
        max_total_bytes=5 << 20,
        max_ratio=200,
        ner=True,
    )


@pytest.fixture
def samples(tmp_path: Path) -> dict[str, Path]:
    """One good file per format."""
    return every_format(tmp_path / "in")
