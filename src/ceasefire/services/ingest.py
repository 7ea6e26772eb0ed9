"""Ingest: load report files into the store with exact accounting, quarantine and a ledger entry.

Each file is ONE transaction holding its good rows, its quarantine rows and one ledger entry
(action ``ingest``; the note carries the file, its SHA-256, the format and the counts).
For every file ``read = added + duplicates + rejected``:

* **added**: valid rows new to the store;
* **duplicates**: valid rows whose ``(source_id, report_id)`` is already stored or appeared
  earlier in the same file (counted, not errors; so re-ingesting a file adds 0);
* **rejected**: rows that break a rule; each gets one quarantine row (file, row, field,
  reason, the row as read). Every attempt re-checks every row: the quarantine shows the
  latest attempt at each file (:mod:`ceasefire.services.quarantine`), so a row that passes
  once its source is added leaves it, and a row that still fails shows today's reason.
  Re-ingesting a file whose rejected rows are unchanged writes nothing.

A file that cannot be read at all raises :class:`~ceasefire.errors.InputError` and the
transaction is rolled back: nothing changes. When nothing is added and nothing quarantined
no ledger entry is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ceasefire.core.validation import STORED_COLUMNS, ReportValidator, RowInvalid
from ceasefire.errors import InputError
from ceasefire.formats.base import Chunk, Reader, sniff_bytes
from ceasefire.record import ledger
from ceasefire.services.quarantine import AttemptWriter
from ceasefire.services.sources import new_sources, source_row
from ceasefire.store.base import Store
from ceasefire.store.conditions import In
from ceasefire.workspace import Workspace

ACTION = "ingest"
_LOOKUP_SLICE = 500

Progress = Callable[[int], None]


@dataclass(frozen=True)
class IngestSummary:
    """The accounting of one file (what ``ingest --json`` prints)."""

    file: str
    format: str
    read: int
    added: int
    duplicates: int
    rejected: int
    sha256: str
    ledger_seq: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Geocoder(Protocol):
    """What ingest needs from a gazetteer (see :mod:`ceasefire.services.geocode`)."""

    def locate(self, place: str) -> tuple[float, float, float]:
        """``(lat, lon, uncertainty_m)`` or raise RowInvalid("place", reason)."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def resolve_timezone(reader: Reader, ws: Workspace) -> tzinfo | None:
    """The zone for offset-less times: the reader's documented zone, else the workspace's."""
    name = reader.timezone or ws.settings.workspace.timezone
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {name!r}", file="ceasefire.toml",
                         field="workspace.timezone") from exc


def check_readable(paths: Iterable[Path]) -> None:
    """Reject, before anything is written, files that are missing, empty or binary."""
    problems = []
    for path in paths:
        try:
            sniff_bytes(path)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems=problems)


class _StoredKeys:
    """Answers "is (source_id, report_id) already stored?" with few indexed queries."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._has_any: dict[str, bool] = {}

    def existing(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        by_source: dict[str, list[str]] = {}
        for sid, rid in keys:
            by_source.setdefault(sid, []).append(rid)
        found: set[tuple[str, str]] = set()
        for sid, ids in by_source.items():
            has_any = self._has_any.get(sid)
            if has_any is None:  # asked before this file's own rows of sid are inserted
                has_any = self._has_any[sid] = self.store.count("reports", {"source_id": sid}) > 0
            if not has_any:
                continue
            for i in range(0, len(ids), _LOOKUP_SLICE):
                for hit in self.store.select("reports", {"source_id": sid,
                                                         "report_id": In(ids[i:i + _LOOKUP_SLICE])},
                                             columns=["report_id"]):
                    found.add((sid, hit["report_id"]))
        return found


def ingest_file(ws: Workspace, path: Path, reader: Reader, *, source_id: str | None = None,
                geocoder: Geocoder | None = None, progress: Progress | None = None,
                ) -> IngestSummary:
    """Ingest one file in one transaction and return its accounting."""
    path = Path(path)
    sniff_bytes(path)
    sha = file_sha256(path)
    tz = resolve_timezone(reader, ws)
    store = ws.store
    name = str(path)
    read = added = duplicates = rejected = 0
    with ledger.batch(store, actor=ws.actor, action=ACTION, skip_if_empty=True) as batch:
        fresh, _ = new_sources(store, reader.sources(source_id), file=name)
        batch.add("sources", [source_row(s) for s in fresh])
        known = {row["source_id"] for row in store.select("sources", columns=["source_id"])}
        if source_id and source_id not in known:
            raise InputError(f"unknown source {source_id!r}: add it with `ceasefire sources "
                             "add` first", field="--source-id")
        validator = ReportValidator(known, tz)
        rejects = AttemptWriter(store, name)
        stored = _StoredKeys(store)
        seen: set[tuple[str, str]] = set()
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        screen = _Screening(ws, reader.screening) if reader.screening else None
        for chunk in reader.read(path, source_id=source_id):
            n = len(chunk)
            read += n
            keep, out, bad = validator.validate_batch(chunk.columns, n)
            if chunk.refused:
                keep, bad = _refuse(chunk, keep, bad)
            lats = out["lat"]
            if any(lats[i] is None for i in keep):
                keep = _geocode_rows(geocoder, keep, out, bad)
            sids, rids = out["source_id"], out["report_id"]
            fresh_rows: list[int] = []
            for i in keep:
                key = (sids[i], rids[i])
                if key in seen:
                    duplicates += 1
                else:
                    seen.add(key)
                    fresh_rows.append(i)
            if fresh_rows:
                known_keys = stored.existing([(sids[i], rids[i]) for i in fresh_rows])
                if known_keys:
                    before = len(fresh_rows)
                    fresh_rows = [i for i in fresh_rows if (sids[i], rids[i]) not in known_keys]
                    duplicates += before - len(fresh_rows)
            if fresh_rows:
                columns = _report_columns(out, fresh_rows, chunk, name)
                if screen is not None:
                    columns.update(screen(columns))
                batch.add_columns("reports", columns)
            added += len(fresh_rows)
            rejected += len(bad)
            rejects.add(batch, [
                {"file": name, "row": chunk.rows[i], "field": exc.field,
                 "reason": _short(exc.reason), "raw": _json(chunk.row(i)), "at": now}
                for i, exc in sorted(bad, key=lambda b: b[0])])
            if progress is not None:
                progress(chunk.bytes_done)
        rejects.finish(batch, added)
        batch.note.update({"file": name, "sha256": sha, "format": reader.name, "read": read,
                           "added": added, "duplicates": duplicates, "rejected": rejected})
        if screen is not None and added:
            batch.note["screening_model"] = screen.model_sha256
    entry = batch.entry
    if entry is None and rejects.needs_entry:
        # rows that failed last time now pass as duplicates: record the attempt itself so
        # that the quarantine stops showing them (one entry, its own transaction)
        entry = ledger.record(store, actor=ws.actor, action=ACTION, note=batch.note)
    seq = entry.seq if entry is not None else None
    return IngestSummary(name, reader.name, read, added, duplicates, rejected, sha, seq)


class _Screening:
    """The headline model applied to each chunk's new rows (:mod:`ceasefire.services.screening`)."""

    def __init__(self, ws: Workspace, mode: str) -> None:
        from ceasefire.services import screening

        self._screening = screening
        self.mode = mode
        self.model = screening.packaged_model()
        self.sides = screening.PlaceSides(ws)

    @property
    def model_sha256(self) -> str:
        return self.model.sha256

    def __call__(self, columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return self._screening.screen_columns(columns, self.mode, self.sides, self.model)


def _refuse(chunk: Chunk, keep: list[int], bad: list[tuple[int, RowInvalid]],
            ) -> tuple[list[int], list[tuple[int, RowInvalid]]]:
    """Move the rows the reader refused to ``bad``, with the reader's reason (it knows why a
    row is not a report; a rule would only see the placeholder values it left empty)."""
    refused = chunk.refused
    bad = [b for b in bad if b[0] not in refused]
    bad += [(i, RowInvalid(*why)) for i, why in refused.items()]
    return [i for i in keep if i not in refused], sorted(bad, key=lambda b: b[0])


def _geocode_rows(geocoder: Geocoder | None, keep: list[int], out: dict[str, list[Any]],
                  bad: list[tuple[int, RowInvalid]]) -> list[int]:
    """Fill lat/lon/uncertainty of kept rows that only have a place; move misses to ``bad``."""
    if geocoder is None:
        from ceasefire.services.geocode import default_geocoder

        geocoder = default_geocoder()
    # copies: a column absent from the file is a shared list of None that must stay so
    lats, lons, uncs = (list(out[c]) for c in ("lat", "lon", "location_uncertainty_m"))
    out["lat"], out["lon"], out["location_uncertainty_m"] = lats, lons, uncs
    places = out["place"]
    located: list[int] = []
    for i in keep:
        if lats[i] is None:
            try:
                lats[i], lons[i], radius = geocoder.locate(places[i])
            except RowInvalid as exc:
                bad.append((i, exc))
                continue
            if uncs[i] is None:  # a radius given in the file wins
                uncs[i] = radius
        located.append(i)
    return located


def _report_columns(out: dict[str, list[Any]], rows: list[int], chunk: Chunk,
                    name: str) -> dict[str, list[Any]]:
    """The ``reports`` columns of the chosen rows, bookkeeping columns included."""
    k = len(rows)
    columns = {c: [out[c][i] for i in rows] for c in STORED_COLUMNS}
    extras = chunk.columns.get("extra")
    columns["extra"] = ([None] * k if extras is None else
                        [e if e is None or isinstance(e, str) else _json(e)
                         for e in (extras[i] for i in rows)])
    columns["evidence_hashes"] = [None] * k
    columns["sensitive"] = [0] * k
    columns["ingest_file"] = [name] * k
    columns["ingest_row"] = [chunk.rows[i] for i in rows]
    return columns


def _short(reason: str, limit: int = 500) -> str:
    """A reason quotes the bad value; a 50 MB cell stays in ``raw``, not in every listing."""
    return reason if len(reason) <= limit else reason[:limit] + f"... ({len(reason):,} chars)"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
