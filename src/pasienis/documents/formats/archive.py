"""ZIP archives: members unpacked in memory within the limits, never written to disk.

Why limits here: a 42 KiB zip can expand to petabytes. Every member's declared size and
compression ratio are checked before reading it, and the read itself is capped, because the
declared size can lie.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from pasienis.documents.errors import UnreadableDocumentError
from pasienis.documents.formats.base import Extracted, Member

MIB = 1 << 20


@dataclass(slots=True)
class Budget:
    """What may still be unpacked from one file given: members and bytes (all levels)."""

    max_depth: int
    members_left: int
    bytes_left: int
    max_ratio: int

    def take(self, name: str, size: int, compressed: int) -> str | None:
        """Reserve one member of ``size`` bytes; the limit it breaks, if any."""
        if self.members_left <= 0:
            return "member count limit (PASIENIS_DOCUMENTS_MAX_MEMBERS) reached"
        if size > self.bytes_left:
            return (
                f"{name}: {size} bytes would pass the unpacked size limit "
                f"(PASIENIS_DOCUMENTS_MAX_TOTAL_MB, {self.bytes_left} bytes left)"
            )
        if compressed and size / compressed > self.max_ratio:
            return (
                f"{name}: compression ratio {size // compressed}:1 is above "
                f"PASIENIS_DOCUMENTS_MAX_RATIO={self.max_ratio} (a likely zip bomb)"
            )
        self.members_left -= 1
        self.bytes_left -= size
        return None


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with zf.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise UnreadableDocumentError(f"{info.filename}: member larger than its header says")
    return data


def read_zip(data: bytes, *, budget: Budget) -> Extracted:
    """A ZIP archive: each file member becomes a :class:`Member` (limits reported)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableDocumentError(f"corrupt ZIP archive: {exc}") from exc
    out = Extracted(schema="Package", mime_type="application/zip")
    skipped = 0
    for info in infos:
        if info.flag_bits & 0x1:
            out.problems.append(f"{info.filename}: encrypted member, not unpacked")
            continue
        broken = budget.take(info.filename, info.file_size, info.compress_size)
        if broken is not None:
            if budget.members_left <= 0:
                skipped += 1
                continue
            out.problems.append(broken)
            continue
        try:
            out.members.append(Member(name=info.filename, data=_read_capped(zf, info)))
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            out.problems.append(f"{info.filename}: corrupt member: {exc}")
        except UnreadableDocumentError as exc:
            out.problems.append(exc.message)
    if skipped:
        out.problems.append(
            f"{skipped} members not unpacked: member count limit "
            "(PASIENIS_DOCUMENTS_MAX_MEMBERS) reached"
        )
    out.text = "\n".join(m.name for m in out.members) + ("\n" if out.members else "")
    return out
