"""The byte format of an evidence bundle: canonical JSON members in a deterministic ZIP.

A bundle is a ZIP archive whose members are all *stored* (no compression), written in a
fixed order with fixed headers (1980-01-01 00:00 timestamps, mode 0644, no extra fields) by
:func:`write_zip`. The same members therefore always give the same archive bytes, on any
machine and Python version, and the checker rebuilds the archive from the members it read
and requires the very same bytes: a change of any byte anywhere (a member, a header, the
central directory) is caught, not only changes inside members.

JSON members are canonical (:func:`dump_json`): sorted keys, one-space indent, ASCII only,
no NaN; the checker rejects a member whose bytes are not the canonical form of its value.

Reading (:func:`read_zip`) never extracts to disk and never decompresses: members must be
stored, so an archive cannot expand beyond its own size (no zip bomb); names must be plain
relative paths (no traversal); sizes and counts are bounded.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

from ceasefire.errors import InputError, LedgerError

FORMAT = "ceasefire-bundle/1"
MANIFEST = "manifest.json"
#: tables whose rows are proven into an entry's ``merkle`` roots / ``derived`` records
EVIDENCE = ("sources", "reports", "evidence_files", "finding_events", "agreements",
            "signing_keys")
DERIVED = ("findings", "incidents", "incident_reports")
MAX_BUNDLE_BYTES = 512 << 20
MAX_MEMBERS = 20_000
_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_VERSION = 20
_MADE_BY = (3 << 8) | _VERSION  # Unix
_MODE = (0o100644 << 16)


def dump_json(value: Any) -> bytes:
    """The canonical bytes of a JSON member."""
    return (json.dumps(value, sort_keys=True, indent=1, ensure_ascii=True, allow_nan=False)
            + "\n").encode("ascii")


def load_json(name: str, data: bytes) -> Any:
    """Parse a JSON member and require its canonical form."""
    try:
        value = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON: {str(exc)[:120]}", file=name) from exc
    try:
        canonical = dump_json(value)
    except (ValueError, RecursionError) as exc:
        raise InputError("not canonical JSON", file=name) from exc
    if canonical != data:
        raise BundleMismatch(f"{name} is not in canonical form (it was edited)")
    return value


class BundleMismatch(LedgerError):
    """The bundle was read but does not verify (it was changed, or proves nothing)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"bundle does not verify: {message}")


def member_order(names: list[str]) -> list[str]:
    """Manifest first, the rest in byte order."""
    return sorted(names, key=lambda n: (n != MANIFEST, n.encode()))


def write_zip(members: Mapping[str, bytes]) -> bytes:
    """A stored ZIP of ``members`` with fully fixed headers (see the module docstring)."""
    names = member_order(list(members))
    if len(names) > MAX_MEMBERS:
        raise InputError(f"a bundle holds at most {MAX_MEMBERS} members")
    out = io.BytesIO()
    central = io.BytesIO()
    for name in names:
        if not _NAME.match(name) or ".." in name.split("/"):
            raise InputError(f"bad member name {name!r}")
        data = members[name]
        raw = name.encode("ascii")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION, 0, 0, 0, _DOS_DATE, crc,
                              len(data), len(data), len(raw), 0))
        out.write(raw)
        out.write(data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY, _VERSION, 0, 0,
                                  0, _DOS_DATE, crc, len(data), len(data), len(raw), 0, 0, 0,
                                  0, _MODE, offset))
        central.write(raw)
    start = out.tell()
    directory = central.getvalue()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(names), len(names),
                          len(directory), start, 0))
    if out.tell() > MAX_BUNDLE_BYTES:
        raise InputError(f"the bundle would exceed {MAX_BUNDLE_BYTES >> 20} MiB")
    return out.getvalue()


def read_zip(data: bytes, file: str) -> dict[str, bytes]:
    """The members of a bundle, read safely into memory (see the module docstring)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise InputError(f"larger than {MAX_BUNDLE_BYTES >> 20} MiB: not a bundle", file=file)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError,
            EOFError, struct.error) as exc:
        raise InputError(f"not a readable ZIP archive ({exc})", file=file) from exc
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"more than {MAX_MEMBERS} members", file=file)
    members: dict[str, bytes] = {}
    declared = 0
    for info in infos:
        name = info.filename
        if not _NAME.match(name) or ".." in name.split("/"):
            raise InputError(f"unsafe member name {name!r} (absolute, traversal or odd "
                             "characters)", file=file)
        if name in members:
            raise InputError(f"member {name} appears twice", file=file)
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            raise InputError(f"member {name} is compressed or encrypted: bundle members are "
                             "stored as they are (this also rules out zip bombs)", file=file)
        if (info.external_attr >> 16) & 0o170000 not in (0, 0o100000):
            raise InputError(f"member {name} is not a regular file", file=file)
        declared += info.file_size
        if info.file_size != info.compress_size or declared > len(data):
            raise InputError(f"member {name} declares more bytes than the archive holds",
                             file=file)
        try:
            with archive.open(info) as fh:
                content = fh.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error,
                NotImplementedError, RuntimeError) as exc:
            raise InputError(f"member {name} cannot be read ({exc})", file=file) from exc
        if len(content) != info.file_size:
            raise InputError(f"member {name} is truncated", file=file)
        members[name] = content
    return members
