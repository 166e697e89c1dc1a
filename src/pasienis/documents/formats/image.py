"""Images (JPEG, PNG, TIFF): OCR each frame with Tesseract, or mark the image needs_ocr."""

from __future__ import annotations

import io

from pasienis.documents.errors import UnreadableDocumentError
from pasienis.documents.formats.base import Extracted, join_pages
from pasienis.documents.formats.ocr import OcrOptions, ocr_image, ocr_unavailable


def read_image(data: bytes, mime_type: str, *, ocr: OcrOptions) -> Extracted:
    """An image file; Pillow's decompression-bomb check applies."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Image.DecompressionBombError as exc:
        raise UnreadableDocumentError(f"image refused as a decompression bomb: {exc}") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UnreadableDocumentError(f"corrupt image: {exc}") from exc
    out = Extracted(schema="Image", mime_type=mime_type)
    why = ocr_unavailable(ocr)
    if why is not None:
        out.needs_ocr = f"image without a text layer; {why}"
        return out
    pages = [ocr_image(frame.copy(), ocr) for frame in ImageSequence.Iterator(image)]
    out.text, out.page_starts = join_pages(pages)
    if len(pages) == 1:
        out.page_starts = []
    out.ocr = True
    return out
