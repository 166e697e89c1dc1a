"""HTML: visible text (scripts and styles dropped) and the title, via BeautifulSoup + lxml."""

from __future__ import annotations

import re

from pasienis.documents.formats.base import Extracted
from pasienis.documents.formats.text import decode_text

_BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "td")
_SPACES = re.compile(r"[ \t\u00a0]+")
_LINES = re.compile(r"\n\s*\n+")


def html_to_text(markup: str) -> tuple[str, str | None]:
    """``(visible text, title)`` of an HTML document."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    if soup.title:
        soup.title.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_after("\n")
    text = _SPACES.sub(" ", soup.get_text())
    text = _LINES.sub("\n\n", "\n".join(line.strip() for line in text.split("\n")))
    return text.strip() + "\n", title or None


def read_html(data: bytes) -> Extracted:
    """An HTML file."""
    problems: list[str] = []
    markup, encoding = decode_text(data, what="HTML", problems=problems)
    text, title = html_to_text(markup)
    out = Extracted(schema="HyperText", mime_type="text/html", text=text, encoding=encoding,
                    problems=problems)  # fmt: skip
    out.add("title", title)
    return out
