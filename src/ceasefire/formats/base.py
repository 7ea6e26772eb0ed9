"""What every reader shares: the :class:`Reader` contract and streaming CSV in chunks.

A reader maps one outside format onto raw canonical rows (see
:mod:`ceasefire.core.validation`) and yields them in :class:`Chunk` s, so a file of any size
is read in constant memory. Each row carries its spreadsheet row number (the header is row
1, the first data row is row 2) so a rejected row can be found in the file.

Whole-file problems (binary content, a wrong encoding, missing columns) raise
:class:`~ceasefire.errors.InputError` before or while reading; the ingest service then writes
nothing for that file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from ceasefire.core.evidence import Source
from ceasefire.errors import InputError

CHUNK_BYTES = 1 << 20
MAX_BLOCK_BYTES = 512 << 20  # pyarrow needs a whole field inside one block
BOM = b"\xef\xbb\xbf"


@dataclass
class Chunk:
    """Rows read from one stretch of a file, as raw canonical *columns*.

    ``columns`` maps canonical column names (plus ``extra``: a dict or a JSON text per row)
    to equally long lists; ``rows`` holds each row's number in the file. Columns, not row
    dicts, because validation works a column at a time (see core/validation.py).
    """

    columns: dict[str, list[Any]]
    rows: list[int]
    bytes_done: int = 0
    #: rows the reader itself refuses, index -> (field, reason): a party post that makes no
    #: claim still counts as read, and goes to the quarantine with the reader's reason
    refused: dict[int, tuple[str, str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def append(self, row: int, values: dict[str, Any], names: Sequence[str],
               refused: tuple[str, str] | None = None) -> None:
        """Add one report read from file row ``row`` (several may share a row)."""
        if refused is not None:
            self.refused[len(self.rows)] = refused
        for name in names:
            self.columns.setdefault(name, []).append(values.get(name))
        self.rows.append(row)

    def row(self, i: int) -> dict[str, Any]:
        """Row ``i`` as a dict (for the quarantine's record of what was read)."""
        return {name: values[i] for name, values in self.columns.items()
                if values[i] not in (None, "")}


@dataclass
class Reader:
    """Base of the readers. Subclasses set ``name`` and implement :meth:`read`.

    ``timezone``: the IANA zone the format's offset-less times are in (documented per
    reader); ``None`` means the workspace setting decides. :meth:`sources` lists the sources
    the reader registers when they are not yet known (dataset readers register their own).
    """

    name: str = "base"
    timezone: str | None = None
    #: how ingest applies the headline model (``ceasefire.services.screening``): ``"replace"``
    #: (its category wins), ``"annotate"`` (the reader's category stays) or None (no text)
    screening: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def sources(self, source_id: str | None) -> list[Source]:
        return []

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        raise NotImplementedError


# -- whole-file checks ------------------------------------------------------------------------
def sniff_bytes(path: Path, size: int = 65536) -> bytes:
    """Read the start of a file and reject what cannot be a text table at all."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(size)
    except FileNotFoundError as exc:
        raise InputError("file not found", file=path) from exc
    except IsADirectoryError as exc:
        raise InputError("is a directory, not a file", file=path) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=path) from exc
    if not head.strip():
        raise InputError("file is empty", file=path)
    if b"\x00" in head:
        raise InputError("binary file (NUL bytes), not a text table", file=path)
    return head


def detect_encoding(path: Path, head: bytes, fallbacks: Sequence[str] = ()) -> str:
    """``utf-8`` if the whole file decodes, else the first fallback that does; else error.

    Decoding the whole file up front is what makes "nothing changes" true for a file with
    a bad byte near its end: the error comes before any row is written.
    """
    candidates = ["utf-8", *fallbacks]
    for encoding in candidates:
        try:
            with open(path, encoding=encoding, errors="strict", newline="") as fh:
                while fh.read(CHUNK_BYTES * 4):
                    pass
            return encoding
        except UnicodeDecodeError as exc:
            last = exc
    raise InputError(f"not valid {' or '.join(candidates)} text (byte {last.start} of a "
                     f"block: {last.reason})", file=path)


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a repeated key (``json`` would keep the last one silently)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return obj


def parse_json(text: str, path: Path | str) -> Any:
    """``json.loads`` whose every failure is an :class:`InputError` naming the file; a key
    repeated within one object is refused too (GeoJSON ``properties`` with two ``lat``).

    Besides syntax errors, the standard library raises ``RecursionError`` for deeply nested
    arrays (``[[[[...`` 100,000 deep is 200 kB) and ``ValueError`` for integers longer than
    ``sys.get_int_max_str_digits()``; both would otherwise escape as tracebacks.
    """
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except DuplicateKey as exc:
        raise InputError(f"duplicate key {shown(exc.key)} in one JSON object: which value is "
                         "meant cannot be known", file=path, field=shown(exc.key)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", file=path,
                         line=exc.lineno) from exc
    except RecursionError as exc:
        raise InputError("JSON nested too deeply to read", file=path) from exc
    except ValueError as exc:
        raise InputError(f"not valid JSON: {' '.join(str(exc).split())[:200]}",
                         file=path) from exc


def read_header(path: Path, encoding: str) -> list[str]:
    with open(path, encoding=encoding, newline="") as fh:
        text = fh.readline()
        # a header line may legally continue inside quotes; csv handles that
        while text.count('"') % 2:
            more = fh.readline()
            if not more:
                break
            text += more
    text = text.lstrip("\ufeff")
    try:
        header = next(csv.reader(io.StringIO(text)))
    except StopIteration as exc:
        raise InputError("no header row", file=path, line=1) from exc
    except csv.Error as exc:  # e.g. a header cell over csv's 131,072-character limit
        raise InputError(f"no readable header row ({exc})", file=path, line=1) from exc
    header = [h.strip() for h in header]
    if not any(header):
        raise InputError("no header row", file=path, line=1)
    return header


def require_columns(path: Path, header: Sequence[str], required: Sequence[str],
                    format_name: str) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(shown(h) for h in header[:12])
        raise InputError(f"not a {format_name} file: missing column(s) {', '.join(missing)} "
                         f"(found: {found}{' ...' if len(header) > 12 else ''})",
                         file=path, line=1, field=missing[0])


def shown(text: str, limit: int = 40) -> str:
    """A file's text fit for a one-line message: control characters (a newline inside a
    quoted header cell) escaped, and cut at ``limit`` (a header cell may be megabytes).

    >>> print(shown("report_id"), shown("x" * 50, 5), shown(" padded"))
    report_id xxxxx... ' padded'
    """
    cut = text[:limit]
    plain = cut.isprintable() and cut.strip() == cut
    return (cut if plain else repr(cut)) + ("..." if len(text) > limit else "")


def check_quotes(path: Path, encoding: str) -> None:
    """Refuse a file whose quoting is broken: an unterminated quote swallows every later
    row into one field (pyarrow and the csv module both accept that at end of file).

    The common case costs one pass of ``bytes.count``: quotes come in pairs in a well-formed
    file. Only a file with an odd number of quotes (a bare ``5" shell`` is legal; a quote
    that never closes is not) is read again with the csv module's strict rules, to name the
    row where the broken quote opens.
    """
    quotes = 0
    with open(path, "rb") as raw:
        while block := raw.read(CHUNK_BYTES * 4):
            quotes += block.count(b'"')
    if quotes % 2 == 0:
        return
    csv.field_size_limit(MAX_BLOCK_BYTES)
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, strict=True)
        row = line = 0
        try:
            for _ in reader:
                row, line = row + 1, reader.line_num
        except csv.Error as exc:
            broken = ("unterminated quote: the quoted field never closes, so every later row "
                      "would be read into it" if "end of data" in str(exc) else
                      f"malformed quoting ({exc})")
            raise InputError(f"{broken} (row {row + 1} starts on line {line + 1})",
                             file=path, line=row + 1) from None


def prepare_csv(path: Path, required: Sequence[str], format_name: str,
                fallbacks: Sequence[str] = (), *, lower: bool = False) -> tuple[list[str], str]:
    """The whole-file checks every CSV reader starts with; returns ``(header, encoding)``.

    With ``lower`` the required columns are matched case-insensitively (FIRMS).
    """
    head = sniff_bytes(path)
    encoding = detect_encoding(path, head, fallbacks)
    header = read_header(path, encoding)
    check_quotes(path, encoding)
    require_columns(path, [h.lower() for h in header] if lower else header, required,
                    format_name)
    return header, encoding


# -- streaming -----------------------------------------------------------------------------
class _Counting(io.RawIOBase):
    """A binary file that remembers how far it has been read (for the progress bar)."""

    def __init__(self, fh: Any) -> None:
        self._fh = fh
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)
        self.done += n or 0
        return n or 0


def iter_csv_columns(path: Path, header: Sequence[str], encoding: str = "utf-8",
                     skip_rows: int = 1) -> Iterator[tuple[dict[str, list[Any]], int]]:
    """Yield ``({column: values}, bytes_done)`` per block, every value text (or ``None``).

    Parsing is pyarrow's (vectorised C++); all columns are read as text so that the rules of
    :mod:`ceasefire.core.validation` see exactly what the file says.
    """
    names = list(header)
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"duplicate column name(s): {', '.join(dupes)}", file=path, line=1)
    block = CHUNK_BYTES
    handed = 0  # rows handed on so far; a retry reads them again and skips them
    while True:
        skip = handed
        try:
            for columns, done in _arrow_blocks(path, names, encoding, skip_rows, block):
                n = len(next(iter(columns.values()))) if columns else 0
                if skip >= n:
                    skip -= n
                    continue
                if skip:
                    columns = {k: v[skip:] for k, v in columns.items()}
                    n -= skip
                    skip = 0
                handed += n
                yield columns, done
            return
        except _Straddling:
            # a field longer than a block (a 50 MB cell): read again with bigger blocks
            if block >= MAX_BLOCK_BYTES:
                raise InputError(f"a field is larger than {MAX_BLOCK_BYTES >> 20} MB",
                                 file=path) from None
            block *= 8


class _Straddling(Exception):
    pass


def _arrow_blocks(path: Path, names: list[str], encoding: str, skip_rows: int,
                  block: int) -> Iterator[tuple[dict[str, list[Any]], int]]:
    read_options = pacsv.ReadOptions(encoding=encoding, block_size=block,
                                     column_names=names, skip_rows=skip_rows)
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    parse = pacsv.ParseOptions(newlines_in_values=True)
    with open(path, "rb") as raw:
        if encoding == "utf-8" and raw.read(3) != BOM:
            raw.seek(0)
        counting = _Counting(raw)
        try:
            stream = pacsv.open_csv(io.BufferedReader(counting, CHUNK_BYTES), read_options,
                                    parse, convert)
            for batch in stream:
                yield ({n: batch.column(i).to_pylist() for i, n in enumerate(names)},
                       counting.done)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            if "straddl" in str(exc):
                raise _Straddling from exc
            raise InputError(f"cannot parse as CSV: {_arrow_message(exc)}", file=path) from exc


def _arrow_message(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def csv_chunks(path: Path, header: Sequence[str], encoding: str, mapper: Any,
               skip_rows: int = 1) -> Iterator[Chunk]:
    """Stream a CSV, turning each block into a :class:`Chunk` with ``mapper(columns, n)``.

    ``mapper`` gets the block's columns (as in the file) and returns the raw canonical
    columns, one value per input row; row numbers are assigned here.
    """
    next_row = skip_rows + 1
    for columns, done in iter_csv_columns(path, header, encoding, skip_rows):
        n = len(next(iter(columns.values()))) if columns else 0
        yield Chunk(mapper(columns, n), list(range(next_row, next_row + n)), done)
        next_row += n


def record_chunks(path: Path, header: Sequence[str], encoding: str,
                  add: Callable[[Chunk, int, dict[str, Any]], None]) -> Iterator[Chunk]:
    """Stream a CSV whose rows each give zero, one or several reports.

    ``add(chunk, row_number, record)`` appends the reports of one file row to the chunk
    (with :meth:`Chunk.append`), or one refused row, so that every file row is accounted for.
    """
    next_row = 2
    for columns, done in iter_csv_columns(path, header, encoding):
        chunk = Chunk({}, [], done)
        n = len(next(iter(columns.values()))) if columns else 0
        for k in range(n):
            add(chunk, next_row + k, {c: v[k] for c, v in columns.items()})
        next_row += n
        yield chunk
