"""Any other CSV, through a YAML column mapping onto the canonical report columns.

Example (``ceasefire ingest --format mapping --mapping m.yaml FILE.csv``)::

    source_id: kyiv_news          # used where no column gives one (or --source-id)
    timezone: Europe/Kyiv         # zone of offset-less times in this file (optional)
    encoding: utf-8               # or cp1252, latin-1 ... (optional; default utf-8)
    columns:                      # canonical column: column of the file
      report_id: ID
      observed_at: Date
      lat: Y
      lon: X
      category: Type
      text: Description
    values:                       # optional: per canonical column, file value -> value
      category:
        Shelling: shelling
        UAV strike: drone_strike
    defaults:                     # optional: a constant for a column the file lacks
      location_uncertainty_m: 2000
    extra: [Reporter, Link]       # optional: file columns kept in the report's extra

Columns of the file that are not mapped are ignored unless listed in ``extra``. Mapping
mistakes (unknown canonical column, a file column that does not exist) are errors naming
the mapping file and the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ceasefire.core.validation import REPORT_COLUMNS
from ceasefire.errors import InputError
from ceasefire.formats.base import Chunk, Reader, check_quotes, csv_chunks, read_header, sniff_bytes


class ColumnMapping(BaseModel):
    """The YAML mapping file."""

    model_config = ConfigDict(extra="forbid")

    source_id: str | None = None
    timezone: str | None = None
    encoding: str = "utf-8"
    columns: dict[str, str]
    values: dict[str, dict[str, Any]] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(default_factory=dict)
    extra: list[str] = Field(default_factory=list)

    @field_validator("columns", "values", "defaults")
    @classmethod
    def _canonical_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = [k for k in value if k not in REPORT_COLUMNS]
        if unknown:
            raise ValueError(f"not canonical column(s): {', '.join(unknown)} (known: "
                             f"{', '.join(REPORT_COLUMNS)})")
        return value


def load_mapping(path: Path) -> ColumnMapping:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("mapping file not found", file=path) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path,
                         line=mark.line + 1 if mark else None) from exc
    except (RecursionError, ValueError) as exc:  # nested too deeply; an int over 4300 digits
        raise InputError(f"unreadable YAML ({type(exc).__name__})", file=path) from exc
    try:
        return ColumnMapping.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(err["msg"], file=path,
                         field=".".join(str(p) for p in err["loc"])) from exc


class MappingReader(Reader):
    """Reader for a CSV described by a :class:`ColumnMapping`."""

    def __init__(self, mapping_path: Path) -> None:
        self.mapping_path = mapping_path
        self.mapping = load_mapping(mapping_path)
        super().__init__(name="mapping", timezone=self.mapping.timezone)

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        sniff_bytes(path)
        m = self.mapping
        try:
            with open(path, encoding=m.encoding, errors="strict") as fh:
                while fh.read(1 << 22):
                    pass
        except LookupError as exc:
            raise InputError(f"unknown encoding {m.encoding!r}", file=self.mapping_path,
                             field="encoding") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid {m.encoding} text ({exc.reason})", file=path) from exc
        header = read_header(path, m.encoding)
        check_quotes(path, m.encoding)
        missing = [f"{k}: {v}" for k, v in m.columns.items() if v not in header] + \
                  [f"extra: {v}" for v in m.extra if v not in header]
        if missing:
            raise InputError(f"the mapping names column(s) the file lacks ({'; '.join(missing)})",
                             file=path, line=1)
        sid = source_id or m.source_id

        def mapper(cols: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
            out: dict[str, list[Any]] = {}
            for canonical, column in m.columns.items():
                values = cols[column]
                table = m.values.get(canonical)
                if table:
                    values = [table.get(v, v) for v in values]
                out[canonical] = values
            for canonical, constant in m.defaults.items():
                if canonical in out:
                    out[canonical] = [v if v not in (None, "") else constant
                                      for v in out[canonical]]
                else:
                    out[canonical] = [constant] * n
            if sid:
                out["source_id"] = [v or sid for v in out.get("source_id", [None] * n)]
            if m.extra:
                out["extra"] = [json.dumps({c: cols[c][i] for c in m.extra if cols[c][i]},
                                           ensure_ascii=False) for i in range(n)]
            return out

        yield from csv_chunks(path, header, m.encoding, mapper)
