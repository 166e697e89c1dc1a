"""Scanned pages made from known text: rendered, rotated slightly, speckled with noise.

Why: OCR needs a gold standard too. The text is known exactly, so the character error rate
and the identifiers recovered after OCR can be measured (tests/documents, the benchmark).
Deterministic for a seed, like the rest of the scenario.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING

from pasienis.scenario.documents import _register_font

if TYPE_CHECKING:
    from PIL.Image import Image

DPI = 300
FONT_PX = 42  # ~10 pt at 300 dpi
MARGIN = 150


def render_scan(text: str, *, seed: int = 0, rotation: float = 0.8, noise: float = 0.02) -> Image:
    """A grey A4-width page of ``text``: black on white, rotated by up to ``rotation`` degrees,
    ``noise`` of the pixels flipped to dark specks."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    rng = random.Random(seed)  # noqa: S311 - simulation, not cryptography
    font = ImageFont.truetype(_register_font(), FONT_PX)
    lines = text.rstrip("\n").split("\n")
    width = 2480
    height = MARGIN * 2 + len(lines) * int(FONT_PX * 1.5)
    page = PILImage.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + i * int(FONT_PX * 1.5)), line, fill=0, font=font)
    angle = rng.uniform(-rotation, rotation)
    page = page.rotate(angle, resample=PILImage.Resampling.BICUBIC, expand=True, fillcolor=255)
    pixels = page.load()
    w, h = page.size
    for _ in range(int(w * h * noise)):
        pixels[rng.randrange(w), rng.randrange(h)] = rng.randrange(0, 160)
    return page


def write_scanned_pdf(path: Path, pages: list[Image]) -> None:
    """An image-only PDF (no text layer), as a scanner writes it."""
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(path, "PDF", resolution=DPI, save_all=True, append_images=rest)
