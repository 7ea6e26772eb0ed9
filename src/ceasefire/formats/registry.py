"""Format name → reader, as chosen by ``ceasefire ingest --format``.

Readers are imported on demand so that a command that reads one format does not load the
others' dependencies.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ceasefire.errors import InputError
from ceasefire.formats.base import Reader

READERS: dict[str, str] = {
    "canonical": "ceasefire.formats.canonical:CanonicalReader",
    "viina": "ceasefire.formats.viina:ViinaReader",
    "viina-energy": "ceasefire.formats.viina_energy:ViinaEnergyReader",
    "acled": "ceasefire.formats.acled:AcledReader",
    "ucdp": "ceasefire.formats.ucdp:UcdpReader",
    "firms": "ceasefire.formats.firms:FirmsReader",
    "hxl": "ceasefire.formats.hxl:HxlReader",
    "geojson": "ceasefire.formats.geojson_reports:GeoJsonReader",
    "mapping": "ceasefire.formats.mapping:MappingReader",
    "mod-telegram": "ceasefire.formats.mod_telegram:ModTelegramReader",
    "airforce-waves": "ceasefire.formats.airforce_waves:AirforceWavesReader",
}
FORMAT_NAMES: tuple[str, ...] = tuple(READERS)


def get_reader(name: str, **options: Any) -> Reader:
    """Build the reader for ``name``; ``mapping`` needs ``mapping=Path`` to its YAML."""
    target = READERS.get(name)
    if target is None:
        raise InputError(f"unknown format {name!r} (known: {', '.join(FORMAT_NAMES)})",
                         field="--format")
    module_name, _, class_name = target.partition(":")
    cls: Any = getattr(importlib.import_module(module_name), class_name)
    if name == "mapping":
        mapping = options.get("mapping")
        if mapping is None:
            raise InputError("--format mapping needs --mapping FILE.yaml", field="--mapping")
        reader: Reader = cls(Path(mapping))
        return reader
    made: Reader = cls()
    return made
