"""Evidence files (photos, video, documents) attached to reports, with chain of custody.

A file is stored once, content-addressed: ``<workspace>/evidence/ab/cd/<sha256>``, written
to a temporary file beside its final place and renamed (atomic). Its SHA-256, size, type,
report and uploader go into ``evidence_files`` through the ledger at upload
(``evidence.upload``), so the hash is part of the tamper-evident record from the first
moment. :func:`verify_evidence_files` re-hashes every stored file against those rows;
``ceasefire verify`` calls it, and a changed or missing file fails verification naming
the ledger entry that recorded it.

Uploads are checked by their bytes, not by the name or the declared type: the first bytes
must be one of :data:`SIGNATURES`, and each kind has a size limit (:data:`LIMITS`).
No web framework imports: ``ceasefire verify`` uses this module without the [web] extra.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from ceasefire.errors import InputError, LedgerError, NotFound
from ceasefire.record import ledger
from ceasefire.workspace import Workspace

TABLE = "evidence_files"
ACTION = "evidence.upload"

MB = 1 << 20
#: media type → size limit in bytes
LIMITS: dict[str, int] = {
    "image/jpeg": 25 * MB, "image/png": 25 * MB, "image/webp": 25 * MB, "image/heic": 25 * MB,
    "video/mp4": 500 * MB, "video/quicktime": 500 * MB, "video/webm": 500 * MB,
    "application/pdf": 50 * MB,
}
_CHUNK = 1 << 20


def sniff(head: bytes) -> str | None:
    """The media type of a file from its first bytes (``None``: not an allowed type).

    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n....")
    'image/png'
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return "image/heic"
        if brand == b"qt  ":
            return "video/quicktime"
        return "video/mp4"
    return None


def stored_path(ws: Workspace, sha256: str) -> Path:
    return ws.path("evidence", sha256[:2], sha256[2:4], sha256)


@dataclass(frozen=True)
class Stored:
    sha256: str
    media_type: str
    size: int
    ledger_seq: int
    created: bool


def store_upload(ws: Workspace, stream: BinaryIO, *, source_id: str, report_id: str,
                 filename: str | None, actor: str, max_bytes: int | None = None) -> Stored:
    """Hash, check and store one upload; record it in the ledger. All or nothing."""
    from ceasefire.web.errors import PayloadTooLarge, UnsupportedMedia

    folder = ws.path("evidence")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload.", dir=folder)
    try:
        digest = hashlib.sha256()
        size = 0
        media: str | None = None
        limit = max_bytes
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                if media is None:
                    media = sniff(chunk[:16])
                    if media is None:
                        raise UnsupportedMedia(
                            "file type not allowed: photos (JPEG, PNG, WebP, HEIC), video "
                            "(MP4, QuickTime, WebM) or PDF documents, checked by content",
                            field="file")
                    limit = min(LIMITS[media], max_bytes or LIMITS[media])
                size += len(chunk)
                if limit is not None and size > limit:
                    raise PayloadTooLarge(f"{media} uploads are limited to {limit} bytes",
                                          field="file")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if media is None:
            raise InputError("empty file", field="file")
        sha = digest.hexdigest()
        target = stored_path(ws, sha)
        created = not target.exists()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)  # same bytes if it existed: content-addressed
        tmp = ""
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
    row = {"sha256": sha, "source_id": source_id, "report_id": report_id, "media_type": media,
           "size": size, "filename": (filename or "")[:255] or None, "uploaded_by": actor,
           "uploaded_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}
    existing = list(ws.store.select(TABLE, {"sha256": sha, "source_id": source_id,
                                            "report_id": report_id}))
    if existing:
        return Stored(sha, media, size, existing[0]["ledger_seq"], created=False)
    entry = ledger.record(ws.store, actor=actor, action=ACTION, rows={TABLE: [row]},
                          note={"sha256": sha, "report": f"{source_id}:{report_id}",
                                "media_type": media, "size": size})
    return Stored(sha, media, size, entry.seq, created=created)


def files_of(ws: Workspace, source_id: str, report_id: str) -> list[dict[str, Any]]:
    return list(ws.store.select(TABLE, {"source_id": source_id, "report_id": report_id},
                                order_by=["uploaded_at", "sha256"]))


def lookup(ws: Workspace, sha256: str) -> list[dict[str, Any]]:
    """The rows naming a file (one per report it is attached to); NotFound if none."""
    rows = list(ws.store.select(TABLE, {"sha256": sha256.lower()}))
    if not rows:
        raise NotFound(f"no evidence file {sha256!r}")
    return rows


def verify_evidence_files(ws: Workspace) -> int:
    """Re-hash every stored evidence file; raise LedgerError naming the entry of a bad one.

    Returns the number of files checked. Call after :func:`ceasefire.record.ledger.verify` (which
    checks the rows themselves).
    """
    checked = 0
    seen: dict[str, int] = {}
    for row in ws.store.select(TABLE, columns=["sha256", "ledger_seq"], order_by=["ledger_seq"]):
        seen.setdefault(row["sha256"], row["ledger_seq"])
    for sha, seq in seen.items():
        path = stored_path(ws, sha)
        if not path.exists():
            raise LedgerError(f"evidence file {sha} recorded by entry {seq} is missing "
                              f"({path})", seq=seq)
        if _hash_file(path) != sha:
            raise LedgerError(f"evidence file {path} was changed: its SHA-256 no longer "
                              f"matches the one recorded by entry {seq}", seq=seq)
        checked += 1
    return checked


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def iter_file(path: Path) -> Iterable[bytes]:
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            yield block
