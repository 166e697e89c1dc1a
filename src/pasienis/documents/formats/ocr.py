"""OCR with Tesseract (Debian's tesseract-ocr with lit, rus and eng data) via pytesseract.

Pages of PDFs are rendered with poppler's ``pdftoppm`` (installed with poppler-utils) at
300 dpi, the resolution Tesseract's models are trained for. Nothing here downloads anything:
when Tesseract or a language is missing, :func:`ocr_unavailable` says why and the document
is stored with status ``needs_ocr``.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

DPI = 300
RENDER_TIMEOUT_S = 120


@dataclass(frozen=True, slots=True)
class OcrOptions:
    """Whether to OCR and with which Tesseract languages (``lit+rus+eng``)."""

    enabled: bool = True
    languages: str = "lit+rus+eng"


@cache
def _installed_languages() -> frozenset[str]:
    import pytesseract

    try:
        return frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError):
        return frozenset()


def ocr_unavailable(options: OcrOptions) -> str | None:
    """Why OCR cannot run with ``options`` (``None`` when it can)."""
    if not options.enabled:
        return "OCR is switched off (PASIENIS_DOCUMENTS_OCR)"
    if shutil.which("tesseract") is None:
        return "tesseract is not installed"
    missing = set(options.languages.split("+")) - _installed_languages()
    if missing:
        return f"tesseract language data missing: {', '.join(sorted(missing))}"
    return None


def ocr_image(image: Image, options: OcrOptions) -> str:
    """Text of one page image."""
    import pytesseract
    from PIL import ImageFilter

    # Grey levels and a 3x3 median: scanner speckle is the commonest cause of wrong digits.
    image = image.convert("L").filter(ImageFilter.MedianFilter(3))
    return str(pytesseract.image_to_string(image, lang=options.languages, config="--psm 3"))


def render_pdf_page(data: bytes, page_number: int) -> Image:
    """Page ``page_number`` (1-based) of a PDF as an image, rendered by pdftoppm."""
    from PIL import Image as PILImage

    exe = shutil.which("pdftoppm")
    if exe is None:
        raise FileNotFoundError("pdftoppm (poppler-utils) is not installed")
    args = [exe, "-r", str(DPI), "-gray", "-f", str(page_number), "-l", str(page_number)]
    done = subprocess.run(  # noqa: S603 - fixed executable and arguments, data on stdin
        [*args, "-png", "-"], input=data, capture_output=True, timeout=RENDER_TIMEOUT_S,
        check=True,
    )  # fmt: skip
    return PILImage.open(io.BytesIO(done.stdout))
