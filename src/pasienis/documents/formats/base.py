"""What a format reader returns: text with page offsets, metadata, and members to unpack."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Member:
    """A file inside a file: an e-mail attachment or an archive member."""

    name: str
    data: bytes


@dataclass(slots=True)
class Extracted:
    """The readable content of one file.

    ``page_starts`` holds the character offset of each page in ``text`` (empty when the format
    has no pages); ``meta`` maps FtM property names of ``schema`` to values; ``needs_ocr``
    says why text is missing when only OCR could recover it.
    """

    schema: str
    mime_type: str
    text: str = ""
    page_starts: list[int] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    encoding: str | None = None
    members: list[Member] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    needs_ocr: str | None = None
    ocr: bool = False

    def add(self, prop: str, value: object) -> None:
        """Add a metadata value unless it is empty."""
        text = "" if value is None else str(value).strip()
        if text:
            self.meta.setdefault(prop, []).append(text)


def join_pages(pages: list[str]) -> tuple[str, list[int]]:
    """One text from page texts (separated by a form feed) and each page's start offset."""
    starts, parts, pos = [], [], 0
    for i, page in enumerate(pages):
        if i:
            parts.append("\f")
            pos += 1
        starts.append(pos)
        parts.append(page)
        pos += len(page)
    return "".join(parts), starts
