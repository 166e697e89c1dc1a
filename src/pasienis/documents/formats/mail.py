"""E-mail (.eml, RFC 5322/MIME): headers, the body, attachments as members.

The stdlib parser is lenient; a message whose MIME structure is broken (a multipart without
its boundary, no headers at all) is refused with the defects named rather than read as
garbage.
"""

from __future__ import annotations

from datetime import UTC
from email import errors as email_errors
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from pasienis.documents.errors import UnreadableDocumentError
from pasienis.documents.formats.base import Extracted, Member
from pasienis.documents.formats.html import html_to_text
from pasienis.documents.formats.text import decode_text

_FATAL = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
)
_HEADERS = ("from", "to", "subject", "date", "message-id", "received", "mime-version")


def looks_like_email(data: bytes) -> bool:
    """Whether the first lines are RFC 5322 headers (for files without an .eml suffix)."""
    head = data[:2048].decode("latin-1").lower().split("\n", 12)
    found = sum(1 for line in head if line.split(":", 1)[0].strip() in _HEADERS)
    return found >= 2


def _defects(msg: Message) -> list[str]:
    found = []
    for part in msg.walk():
        found.extend(type(d).__name__ for d in part.defects if isinstance(d, _FATAL))
    return found


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError, AssertionError):
        content = None
    if isinstance(content, str) and "\ufffd" not in content:
        return content
    payload = part.get_payload(decode=True) or b""
    return decode_text(payload if isinstance(payload, bytes) else bytes(payload))[0]


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _part_text(part)  # type: ignore[arg-type]
    if part.get_content_subtype() == "html":
        text = html_to_text(text)[0]
    return text.replace("\r\n", "\n")


def _attachments(msg: EmailMessage, body: Message | None) -> list[Member]:
    members = []
    for i, part in enumerate(msg.iter_attachments(), start=1):
        if part is body:
            continue
        name = part.get_filename() or f"attachment-{i}"
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) else inner
            data = inner.as_bytes() if isinstance(inner, Message) else b""
            name = part.get_filename() or f"message-{i}.eml"
        else:
            data = part.get_payload(decode=True) or b""
        members.append(Member(name=name, data=bytes(data)))
    return members


def _headers(msg: EmailMessage, out: Extracted) -> None:
    out.add("subject", msg.get("subject"))
    out.add("title", msg.get("subject"))
    out.add("from", msg.get("from"))
    out.add("messageId", msg.get("message-id"))
    out.add("inReplyTo", msg.get("in-reply-to"))
    for header in ("to", "cc", "bcc"):
        for name, addr in getaddresses(msg.get_all(header, [])):
            out.add(header, f"{name} <{addr}>" if name else addr)
    senders = getaddresses(msg.get_all("from", []))
    if senders:
        out.add("author", senders[0][0] or senders[0][1])
    raw_date = msg.get("date")
    if raw_date:
        try:
            out.add("date", parsedate_to_datetime(str(raw_date)).astimezone(UTC).isoformat())
        except (TypeError, ValueError):
            out.problems.append(f"unreadable Date header {raw_date!r}")


def read_email(data: bytes) -> Extracted:
    """An RFC 5322 message: headers as metadata, text body, attachments as members."""
    msg = BytesParser(policy=policy.default).parsebytes(data)
    if not any(msg.get(h) for h in ("from", "to", "subject", "date", "message-id")):
        raise UnreadableDocumentError("broken MIME: no e-mail headers (From, To, Subject, Date)")
    defects = _defects(msg)
    if defects:
        raise UnreadableDocumentError(f"broken MIME: {', '.join(sorted(set(defects)))}")
    assert isinstance(msg, EmailMessage)
    out = Extracted(schema="Email", mime_type="message/rfc822")
    _headers(msg, out)
    out.text = _body(msg)
    out.members = _attachments(msg, msg.get_body(preferencelist=("plain", "html")))
    return out
