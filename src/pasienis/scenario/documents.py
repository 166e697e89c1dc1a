"""Deterministic PDF, DOCX and e-mail writers for report bodies.

Why: the body text must be recoverable *exactly* by ordinary extractors (pypdf,
python-docx, the stdlib email parser) so that mention offsets in truth.json can be checked;
and the files must be byte-identical for the same seed. Each body line is therefore drawn
as its own PDF line / DOCX paragraph, and every timestamp is fixed.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path

from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pasienis.scenario.determinism import FIXED_DATETIME, FIXED_DATETIME_UTC, normalise_zip

# DejaVu Sans covers Lithuanian and Cyrillic; its licence is a permissive Bitstream-Vera
# derivative. We use the system copy (Debian/Ubuntu fonts-dejavu-core) or matplotlib's.
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)
FONT = "DejaVuSans"


@cache
def _register_font() -> str:
    """Register DejaVu Sans with reportlab once; fail loudly if no Unicode font exists."""
    candidates = list(_FONT_CANDIDATES)
    try:
        import matplotlib

        mpl_fonts = Path(matplotlib.__file__).parent / "mpl-data/fonts/ttf"
        candidates.append(str(mpl_fonts / "DejaVuSans.ttf"))
    except ImportError:
        pass
    for path in candidates:
        if Path(path).is_file():
            pdfmetrics.registerFont(TTFont(FONT, path))
            return path
    raise FileNotFoundError(
        "DejaVuSans.ttf not found; install fonts-dejavu-core (needed for LT/RU text in PDFs)"
    )


def write_pdf(path: Path, title: str, text: str) -> None:
    """One body line per PDF text line, so pypdf's extract_text() returns the body."""
    _register_font()
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(title)
    c.setAuthor("pasienis-scenario")
    c.setCreator("pasienis-scenario")
    y = A4[1] - 60
    c.setFont(FONT, 10)
    for line in text.rstrip("\n").split("\n"):
        if y < 60:
            c.showPage()
            c.setFont(FONT, 10)
            y = A4[1] - 60
        c.drawString(50, y, line)
        y -= 14
    c.showPage()
    c.save()


def write_docx(path: Path, title: str, text: str) -> None:
    """One paragraph per body line; the title lives only in the core properties."""
    doc = Document()
    props = doc.core_properties
    props.title = title
    props.author = "pasienis-scenario"
    props.created = FIXED_DATETIME
    props.modified = FIXED_DATETIME
    props.last_modified_by = "pasienis-scenario"
    props.revision = 1
    for line in text.rstrip("\n").split("\n"):
        doc.add_paragraph(line)
    doc.save(str(path))
    normalise_zip(path)


def write_eml(path: Path, subject: str, text: str, n: int) -> None:
    """An RFC 5322 message with a UTF-8 text/plain body and fixed Date/Message-ID."""
    msg = EmailMessage()
    msg["From"] = "Analitikas <analitikas@muitine.example>"
    msg["To"] = "Mobiliosios grupės <mg@muitine.example>"
    msg["Subject"] = f"{subject} #{n + 1}"
    msg["Date"] = format_datetime(FIXED_DATETIME_UTC)
    msg["Message-ID"] = f"<report-{n + 1:04d}@scenario.pasienis.example>"
    msg.set_content(text)
    path.write_bytes(bytes(msg))


def extract_pdf_text(path: Path) -> str:
    """Reference extraction used by tests and docs: pypdf, pages joined with newlines."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)
