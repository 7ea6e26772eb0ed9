"""Every reader of outside input, with a small valid sample, as the fuzz tests drive them.

:data:`LOADERS` holds one :class:`Loader` per thing that reads a file a user hands us: each
format of the ingest registry (:data:`ceasefire.formats.registry.READERS`, so a new reader
fails ``test_coverage`` until it gets a sample here), the non-ingest readers of
``ceasefire.formats`` (sources, control snapshots, claims, agreements) and the evidence
bundle reader of ``verify-bundle``. ``load(path)`` must return normally or raise
:class:`~ceasefire.errors.InputError`; anything else is a bug.

Samples are tiny and invented (towns are real, events are not).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ceasefire.formats.registry import FORMAT_NAMES, get_reader

FUZZ_DATA = Path(__file__).resolve().parent.parent / "data" / "fuzz"
MAPPING = FUZZ_DATA / "mapping.yaml"


@dataclass(frozen=True)
class Table:
    """A CSV sample: header, rows, and which columns hold coordinates / free text."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    coords: Sequence[str] = ()
    texts: Sequence[str] = ()
    preamble: Sequence[Sequence[str]] = ()  # rows before the data (HXL's hashtag row)

    def render(self, rows: Sequence[Sequence[str]] | None = None) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.preamble)
        writer.writerows(self.rows if rows is None else rows)
        return out.getvalue()


@dataclass(frozen=True)
class Loader:
    """One reader: how to call it on a file, and a valid sample of its input."""

    name: str
    kind: str  # csv | json | yaml | zip
    suffix: str
    load: Callable[[Path], Any]
    sample: Callable[[], str | bytes]
    table: Table | None = None
    ingest_format: str | None = None  # the `ceasefire ingest --format` name, if any
    covers: frozenset[str] = field(default_factory=frozenset)  # qualified names it exercises


def _drain_reader(name: str) -> Callable[[Path], int]:
    def load(path: Path) -> int:
        reader = get_reader(name, mapping=MAPPING)
        return sum(len(chunk) for chunk in reader.read(path, source_id="fuzz_src"))
    return load


# -- CSV samples of the ingest formats ---------------------------------------------------------
TABLES: dict[str, Table] = {
    "canonical": Table(
        ("report_id", "source_id", "observed_at", "lat", "lon", "category", "text"),
        [("c-1", "fuzz_src", "2025-04-19T21:40:00+03:00", "48.0159", "37.8028", "shelling",
          "Three explosions south-west of the city"),
         ("c-2", "fuzz_src", "2025-04-20T06:15:00+03:00", "47.8388", "35.1396", "drone_strike",
          "Drone hit a substation")],
        coords=("lat", "lon"), texts=("text",)),
    "viina": Table(
        ("datetime", "lon", "lat", "place_name", "event_type", "headline"),
        [("2025-04-19 00:00:00", "37.8028", "48.0159", "Donetsk", "t_artillery_b|t_loc_b",
          "Shelling reported in Donetsk"),
         ("2025-04-20 10:30:00", "35.1396", "47.8388", "Zaporizhzhia", "uav",
          "Drone attack on Zaporizhzhia")],
        coords=("lat", "lon"), texts=("headline", "place_name")),
    "viina-energy": Table(
        ("event_id_1pd", "date", "target_classes", "attack_terms", "asciiname", "longitude",
         "latitude", "a_ukr_init", "a_rus_init", "representative_text"),
        [("1001", "20250419", "ENERGY_GRID_SUPPORT", "дрон", "Kharkiv", "36.2304", "49.9935",
          "0", "1", "Drone strike on a substation"),
         ("1002", "20250420", "STRATEGIC_AIRBASE", "ракета", "Odesa", "30.7326", "46.4775",
          "0", "1", "Missile strike near the port")],
        coords=("latitude", "longitude"), texts=("representative_text", "asciiname")),
    "mod-telegram": Table(
        ("date", "datetime", "drone_count", "oblasts", "text_snippet"),
        [("2025-03-01", "2025-03-01 04:07", "21", "bryansk|kursk",
          ("В течение прошедшей ночи дежурными средствами ПВО перехвачены и уничтожены 26 "
          "украинских беспилотных летательных аппаратов: 21 БпЛА – над территорией Брянской "
          "области, пять БпЛА – над территорией Курской области.")),
         ("2025-03-28", "2025-03-28 09:10", "", "kursk",
          ("Киевский режим нанёс удар HIMARS по газоизмерительной станции «Суджа» в Курской "
          "области."))],
        texts=("text_snippet", "oblasts")),
    "airforce-waves": Table(
        ("time_start", "time_end", "model", "launch_place", "target", "launched", "destroyed",
         "affected region", "source"),
        [("2025-04-19 18:00", "2025-04-20 09:00", "Shahed-136/131", "Kursk oblast", "Ukraine",
          "87.0", "57.0", "['Kharkiv oblast', 'Sumy oblast']", "kpszsu/posts/1"),
         ("2025-04-20 01:00", "2025-04-20 06:00", "Iskander-M", "Belgorod oblast",
          "Kharkiv oblast", "2.0", "", "", "kpszsu/posts/2")],
        texts=("model", "affected region", "launch_place")),
    "acled": Table(
        ("event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type",
         "actor1", "latitude", "longitude", "geo_precision", "location", "notes", "fatalities"),
        [("UKR1", "2025-04-19", "1", "Explosions/Remote violence",
          "Shelling/artillery/missile attack", "Military Forces of Russia (2000-)", "48.2828",
          "37.1755", "1", "Pokrovsk", "Artillery shelled Pokrovsk", "0"),
         ("UKR2", "19 April 2025", "2", "Battles", "Armed clash",
          "Military Forces of Ukraine (2019-)", "47.8388", "35.1396", "2", "Zaporizhzhia",
          "Clash near the town", "1")],
        coords=("latitude", "longitude"), texts=("notes", "location")),
    "ucdp": Table(
        ("id", "latitude", "longitude", "date_start", "date_end", "where_prec", "date_prec",
         "side_a", "side_b", "type_of_violence", "deaths_civilians", "source_headline"),
        [("9001", "48.0159", "37.8028", "2025-04-19", "2025-04-19", "1", "1",
          "Government of Ukraine", "Government of Russia (Soviet Union)", "1", "0",
          "Fighting near Donetsk"),
         ("9002", "47.8388", "35.1396", "4/20/2025 12:00:00 AM", "4/21/2025", "2", "2",
          "Government of Russia (Soviet Union)", "Civilians", "3", "2", "Strike on houses")],
        coords=("latitude", "longitude"), texts=("source_headline", "side_a")),
    "firms": Table(
        ("latitude", "longitude", "bright_ti4", "scan", "track", "acq_date", "acq_time",
         "satellite", "instrument", "confidence", "version", "bright_ti5", "frp", "daynight"),
        [("47.81234", "35.18765", "340.2", "0.39", "0.36", "2025-04-20", "0012", "N", "VIIRS",
          "n", "2.0NRT", "290.1", "4.9", "N"),
         ("48.57021", "37.95540", "367.0", "0.45", "0.39", "2025-04-20", "1048", "N20",
          "VIIRS", "h", "2.0NRT", "301.4", "22.6", "D")],
        coords=("latitude", "longitude"), texts=("satellite", "confidence")),
    "hxl": Table(
        ("Event ID", "Date", "Event type", "Location", "Latitude", "Longitude", "Notes",
         "Source"),
        [("HX-1", "2025-04-19", "shelling", "Kostiantynivka", "48.5277", "37.7069",
          "Artillery fire on the town centre", "fuzz_src"),
         ("HX-2", "2025-04-20", "Explosions/Remote violence", "Kherson", "46.6354", "32.6169",
          "Explosion at the river port", "fuzz_src")],
        preamble=[("#event+code", "#date+occurred", "#event+type", "#loc+name", "#geo+lat",
                   "#geo+lon", "#description", "#meta+source")],
        coords=("Latitude", "Longitude"), texts=("Notes", "Location")),
    "mapping": Table(
        ("ID", "Date", "X", "Y", "Type", "Description", "Reporter"),
        [("K-1", "2025-04-19T21:40:00+03:00", "37.8028", "48.0159", "Shelling",
          "Shelling heard from the east", "desk A"),
         ("K-2", "2025-04-20T06:15:00+03:00", "35.1396", "47.8388", "UAV strike",
          "Drone hit a substation", "desk B")],
        coords=("Y", "X"), texts=("Description", "Reporter")),
    "sources": Table(
        ("source_id", "name", "kind", "affiliation", "reliability", "origin_group"),
        [("fuzz_src", "Fuzz monitoring desk", "monitor", "neutral", "A", "fuzz"),
         ("fuzz_ua", "A party statement", "party", "UA", "C", "fuzz_ua")],
        texts=("name", "origin_group")),
    "places": Table(
        ("date", "geonameid", "lon", "lat", "status"),
        [("2025-04-19", "1", "37.8028", "48.0159", "RU"),
         ("2025-04-19", "2", "35.1396", "47.8388", "UA"),
         ("20250419", "3", "36.2304", "49.9935", "UA")],
        coords=("lat", "lon"), texts=("status", "geonameid")),
    "truce-claims": Table(
        ("claim_id", "truce", "statement_date", "claimant_side", "claimant_body",
         "accused_side", "period_covered", "violations_claimed", "breakdown_as_reported",
         "source_url", "source_reliability_note"),
        [("E01", "easter_truce", "2025-04-20", "UA", "General Staff", "RU",
          "2025-04-19 18:00 .. 2025-04-20 24:00", "59", "shelling 46, assaults 13",
          "https://example.org/a", "news"),
         ("E02", "easter_truce", "2025-04-20", "RU", "Ministry of Defence", "UA",
          "past 24 h", ">1000", "", "https://example.org/b", "party statement")],
        texts=("claimant_body", "breakdown_as_reported")),
}

GEOJSON_REPORTS = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "id": "g-1",
         "geometry": {"type": "Point", "coordinates": [37.8028, 48.0159]},
         "properties": {"source_id": "fuzz_src", "observed_at": "2025-04-19T21:40:00+03:00",
                        "category": "shelling", "text": "Shelling"}},
        {"type": "Feature",
         "geometry": {"type": "Polygon", "coordinates": [[[37.60, 49.70], [37.63, 49.70],
                                                          [37.63, 49.72], [37.60, 49.70]]]},
         "properties": {"report_id": "g-2", "source_id": "fuzz_src",
                        "observed_at": "2025-04-20", "category": "movement_restriction"}},
    ],
}
SQUARE = [[[37.0, 48.0], [38.0, 48.0], [38.0, 49.0], [37.0, 49.0], [37.0, 48.0]]]
CONTROL = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"side": "RU", "date": "2025-04-19"},
     "geometry": {"type": "Polygon", "coordinates": SQUARE}}]}
DEEPSTATE = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {},
     "geometry": {"type": "MultiPolygon", "coordinates": [SQUARE]}}]}

CLAIMS_YAML = """\
claims:
  - claim_id: fuzz-1
    claimant: A news agency
    claimant_side: neutral
    date: 2025-03-12
    statement:
      text: Russia controls just under a fifth of Ukraine
      source_url: https://example.org/c
    proposition:
      type: control_share
      region: UA
      side: RU
      date: 2025-03-12
      qualifier: nearly
      value_pct: 20
"""

AGREEMENT_YAML = """\
id: fuzz-truce
title: Fuzz truce
status: in_force
parties:
  - id: UA
  - id: RU
window:
  start: 2025-04-19T18:00:00+03:00
  end: 2025-04-21T00:00:00+03:00
zones:
  - id: front
    kind: contact_line_buffer
    distance_km: 30
  - id: box
    kind: geojson
    geometry: {type: Polygon, coordinates: [[[37, 48], [38, 48], [38, 49], [37, 48]]]}
provisions:
  - id: stop
    kind: prohibition
    text: Stop all hostilities.
    binds: [UA, RU]
    zone: front
    categories: [shelling]
"""


def _json(doc: Any) -> Callable[[], str]:
    return lambda: json.dumps(doc)


def _read_sources(path: Path) -> int:
    from ceasefire.formats.canonical import read_sources
    return len(read_sources(path))


def _read_places(path: Path) -> int:
    from ceasefire.formats.control import read_place_table
    return sum(map(len, read_place_table(path).values()))


def _read_truce(path: Path) -> int:
    from ceasefire.formats.claims import read_truce_claims_csv
    return len(read_truce_claims_csv(path))


def _read_control(path: Path) -> int:
    from ceasefire.formats.control import read_control_geojson
    return len(read_control_geojson(path))


def _read_deepstate(path: Path) -> int:
    from ceasefire.formats.deepstate import read_deepstate
    # the date is only in the file name: give any corpus file that name
    named = path.parent / "deepstate_copy" / "deepstatemap_data_20250419.geojson"
    named.parent.mkdir(exist_ok=True)
    shutil.copyfile(path, named)
    return int(read_deepstate(named).geometry.area > 0)


def _read_claims(path: Path) -> int:
    from ceasefire.formats.claims import read_claims
    return len(read_claims(path))


def _read_agreement(path: Path) -> int:
    from ceasefire.formats.agreement_yaml import read_agreement
    return len(read_agreement(path).provisions)


def _read_mapping(path: Path) -> int:
    from ceasefire.formats.mapping import load_mapping
    return len(load_mapping(path).columns)


def _read_bundle(path: Path) -> int:
    from ceasefire.record.bundle_format import read_zip
    return len(read_zip(path.read_bytes(), str(path)))


def _bundle_sample() -> bytes:
    from ceasefire.record.bundle_format import write_zip
    return write_zip({"README.txt": b"fuzz\n", "finding.json": b"{}"})


def _registry_loader(name: str) -> Loader:
    module = "ceasefire.formats." + {"viina-energy": "viina_energy",
                                     "geojson": "geojson_reports",
                                     "mod-telegram": "mod_telegram",
                                     "airforce-waves": "airforce_waves"}.get(name, name)
    if name == "geojson":
        return Loader(name, "json", ".geojson", _drain_reader(name), _json(GEOJSON_REPORTS),
                      ingest_format=name, covers=frozenset({module}))
    table = TABLES[name]
    return Loader(name, "csv", ".csv", _drain_reader(name), table.render, table,
                  ingest_format=name, covers=frozenset({module}))


def _table_loader(name: str, load: Callable[[Path], Any], covers: str) -> Loader:
    table = TABLES[name]
    return Loader(name, "csv", ".csv", load, table.render, table, covers=frozenset({covers}))


LOADERS: dict[str, Loader] = {name: _registry_loader(name) for name in FORMAT_NAMES
                              if name in TABLES or name == "geojson"}
LOADERS.update({
    "sources": _table_loader("sources", _read_sources,
                             "ceasefire.formats.canonical.read_sources"),
    "places": _table_loader("places", _read_places,
                            "ceasefire.formats.control.read_place_table"),
    "truce-claims": _table_loader("truce-claims", _read_truce,
                                  "ceasefire.formats.claims.read_truce_claims_csv"),
    "control-geojson": Loader("control-geojson", "json", ".geojson", _read_control,
                              _json(CONTROL),
                              covers=frozenset({"ceasefire.formats.control.read_control_geojson",
                                                "ceasefire.formats.control.load_json"})),
    "deepstate": Loader("deepstate", "json", ".geojson", _read_deepstate, _json(DEEPSTATE),
                        covers=frozenset({"ceasefire.formats.deepstate"})),
    "claims-yaml": Loader("claims-yaml", "yaml", ".yaml", _read_claims, lambda: CLAIMS_YAML,
                          covers=frozenset({"ceasefire.formats.claims.read_claims",
                                            "ceasefire.formats.claims.loads_claims"})),
    "agreement": Loader("agreement", "yaml", ".yaml", _read_agreement,
                        lambda: AGREEMENT_YAML,
                        covers=frozenset({"ceasefire.formats.agreement_yaml.read_agreement",
                                          "ceasefire.formats.agreement_yaml.loads"})),
    "mapping-yaml": Loader("mapping-yaml", "yaml", ".yaml", _read_mapping,
                           lambda: MAPPING.read_text(encoding="utf-8"),
                           covers=frozenset({"ceasefire.formats.mapping.load_mapping"})),
    "bundle": Loader("bundle", "zip", ".zip", _read_bundle, _bundle_sample,
                     covers=frozenset({"ceasefire.record.bundle_format.read_zip"})),
})


def write_sample(loader: Loader, path: Path, content: str | bytes | None = None) -> Path:
    data = loader.sample() if content is None else content
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path
