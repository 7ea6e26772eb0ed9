"""Agreement YAML: round trips, and every validation error path with its line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceasefire.errors import AgreementError, InputError
from ceasefire.formats.agreement_schema import json_schema_text, to_document
from ceasefire.formats.agreement_yaml import dumps, from_document, loads, read_agreement

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "agreements").glob("*.yaml"))

VALID = """\
id: test-truce
title: Test truce
status: in_force
parties:
  - id: UA
    names: {en: Ukraine, uk: Україна}
  - id: RU
    aliases: [Росія]
mediators:
  - id: US
window:
  start: 2025-04-19T18:00:00+03:00
  end: 2025-04-21T00:00:00+03:00
zones:
  - id: front
    kind: contact_line_buffer
    distance_km: 30
provisions:
  - id: stop
    kind: prohibition
    text: Stop all hostilities.
    binds: [UA, RU]
    zone: front
    categories: [shelling]
    positions:
      - {party: RU, stance: conditional, date: 2025-04-19, source: src1, condition: if UA follows}
sources:
  - id: src1
    title: A source
"""

WITHDRAWAL = """\
  - id: guns
    kind: withdrawal
    text: Pull back.
    binds: [UA]
    weapon_class: artillery
    distance_km: 50
"""


def problems(text: str | bytes, **kw: object) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(AgreementError) as info:
        loads(text, file="t.yaml", **kw)  # type: ignore[arg-type]
    return [(p.line, p.field, p.message) for p in info.value.problems]


def test_valid_template_loads() -> None:
    a = loads(VALID, file="t.yaml")
    assert a.id == "test-truce" and a.provision("stop").binds == ("UA", "RU")
    assert a.mediators[0].role == "mediator" and a.parties[0].role == "party"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_round_trip(example: Path) -> None:
    first = read_agreement(example)
    again = loads(dumps(first), file="dumped.yaml")
    assert again == first
    assert from_document(to_document(first)) == first
    assert to_document(again) == to_document(first)


def test_there_are_five_examples() -> None:
    assert len(EXAMPLES) == 5


CASES = [
    # (old, new, line, field, message fragment)
    ("binds: [UA, RU]", "binds: [UA, XX]", 22, "provisions[0].binds[1]", "unknown party 'XX'"),
    ("end: 2025-04-21T00:00:00+03:00", "end: 2025-04-18T00:00:00+03:00", 13, "window.end",
     "is not after start"),
    ("end: 2025-04-21T00:00:00+03:00", "duration: 30D", 13, "window.duration",
     "not an ISO 8601 duration"),
    ("end: 2025-04-21T00:00:00+03:00", "end: 2025-04-21T00:00:00+03:00\n  duration: P1D", 14,
     "window.duration", "either end or duration"),
    ("  end: 2025-04-21T00:00:00+03:00\n", "", 11, "window", "missing end or duration"),
    ("start: 2025-04-19T18:00:00+03:00", "start: 2025-04-19T18:00:00", 12, "window.start",
     "no UTC offset"),
    ("start: 2025-04-19T18:00:00+03:00", "start: 2025-02-30T18:00:00+03:00", 12,
     "window.start", "not an ISO 8601 date-time"),
    ("zone: front", "zone: rear", 23, "provisions[0].zone", "unknown zone 'rear'"),
    ("categories: [shelling]", "categories: [shellin]", 24, "provisions[0].categories[0]",
     "unknown category 'shellin'"),
    ("categories: [shelling]", "weapon_classes: [laser]", 24,
     "provisions[0].weapon_classes[0]", "unknown weapon class 'laser'"),
    ("categories: [shelling]", "target_classes: [ships]", 24,
     "provisions[0].target_classes[0]", "unknown target class 'ships'"),
    ("kind: prohibition", "kind: prohibit", 20, "provisions[0].kind", "unknown kind 'prohibit'"),
    ("    kind: prohibition\n", "", 19, "provisions[0].kind", "missing required field"),
    ("    text: Stop all hostilities.\n", "", 19, "provisions[0].text", "missing required field"),
    ("status: in_force", "status: in_force\ncolour: red", 4, "colour", "unknown key"),
    ("    zone: front\n", "    zone: front\n    colour: red\n", 24, "provisions[0].colour",
     "unknown key"),
    ("status: in_force", "status: active", 3, "status", "unknown status 'active'"),
    ("{party: RU, stance", "{party: XX, stance", 26, "provisions[0].positions[0].party",
     "unknown party 'XX'"),
    ("stance: conditional", "stance: maybe", 26, "provisions[0].positions[0].stance",
     "unknown stance 'maybe'"),
    (", condition: if UA follows", "", 26, "provisions[0].positions[0].condition",
     "needs its condition"),
    ("source: src1", "source: src9", 26, "provisions[0].positions[0].source",
     "unknown source 'src9'"),
    ("date: 2025-04-19,", "date: 2025-19-04,", 26, "provisions[0].positions[0].date",
     "not a date"),
    ("  - id: RU\n", "  - id: UA\n", 7, "parties[1].id", "duplicate id 'UA'"),
    ("  end: 2025-04-21T00:00:00+03:00\n",
     "  end: 2025-04-21T00:00:00+03:00\n  party_starts: {XX: 2025-04-20T00:00:00+03:00}\n",
     14, "window.party_starts.XX", "unknown party 'XX'"),
    ("  end: 2025-04-21T00:00:00+03:00\n",
     "  end: 2025-04-21T00:00:00+03:00\n  party_starts: {UA: 2025-04-22T00:00:00+03:00}\n",
     14, "window.party_starts.UA", "is not before the end"),
    ("kind: contact_line_buffer", "kind: circle", 16, "zones[0].kind", "unknown kind 'circle'"),
    ("    distance_km: 30\n", "", 15, "zones[0].distance_km", "missing required field"),
    ("    distance_km: 30\n", "    distance_km: -5\n", 17, "zones[0].distance_km",
     "greater than 0"),
    ("    distance_km: 30\n", "    distance_km: 30\n    side: XX\n", 18, "zones[0].side",
     "unknown side 'XX'"),
    ("binds: [UA, RU]", "binds: UA", 22, "provisions[0].binds", "valid list"),
    ("binds: [UA, RU]", "binds: []", 22, "provisions[0].binds", "at least 1"),
    ("status: in_force", "status: in_force\nversion: 0", 4, "version", "greater than or equal"),
    ("id: test-truce", "id: test truce", 1, "id", "should match pattern"),
    ("title: Test truce", "title: Test truce\ntitle: Other", 3, "title", "duplicate key"),
    ("    zone: front\n",
     "    zone: front\n    window: {start: 2025-04-20T00:00:00+03:00, end: 2025-04-19T00:00:00+03:00}\n",
     24, "provisions[0].window.end", "is not after start"),
    ("parties:\n", "parties: []\nx_parties:\n", 4, "parties", "at least 1"),
]


@pytest.mark.parametrize("old, new, line, field, fragment", CASES,
                         ids=[c[3] + ":" + c[4] for c in CASES])
def test_error_paths(old: str, new: str, line: int, field: str, fragment: str) -> None:
    assert old in VALID
    found = problems(VALID.replace(old, new, 1))
    matching = [p for p in found if p[1] == field and fragment in p[2]]
    assert matching, f"expected {field}: {fragment} in {found}"
    assert matching[0][0] == line, found


def test_withdrawal_parameters_are_checked() -> None:
    text = VALID.replace("sources:\n", WITHDRAWAL + "sources:\n")
    assert loads(text, file="t.yaml").provision("guns").distance_km == 50
    found = problems(text.replace("    weapon_class: artillery\n", ""))
    assert (27, "provisions[1].weapon_class", "missing required field") in found
    found = problems(text.replace("weapon_class: artillery", "weapon_class: catapult"))
    assert any(p[1] == "provisions[1].weapon_class" and "catapult" in p[2] for p in found)


def test_all_problems_are_reported_together() -> None:
    text = VALID.replace("binds: [UA, RU]", "binds: [UA, XX]").replace(
        "end: 2025-04-21T00:00:00+03:00", "end: 2025-04-01T00:00:00+03:00").replace(
        "status: in_force", "status: nope")
    found = problems(text)
    assert {p[1] for p in found} >= {"provisions[0].binds[1]", "window.end", "status"}
    assert [p[0] for p in found] == sorted(p[0] for p in found)  # in file order


@pytest.mark.parametrize("data, line, fragment", [
    (b"id: x\ntitle: [unclosed\n", 3, "YAML syntax error"),
    (b"id: x\n  - bad: indent\n", 2, "YAML syntax error"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", 1, "binary file"),
    (b"id: x\ntitle: caf\xe9\n", 2, "not UTF-8"),
    (b"", 1, "empty"),
    (b"- just\n- a list\n", 1, "must be a YAML mapping"),
])
def test_unreadable_files(data: bytes, line: int, fragment: str) -> None:
    [problem] = problems(data)
    assert problem[0] == line and fragment in problem[2]


def test_pure_python_loader_gives_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from ceasefire.formats import agreement_yaml

    broken = VALID.replace("binds: [UA, RU]", "binds: [UA, XX]").replace("kind: prohibition",
                                                                         "kind: prohibit")
    fast = problems(broken)
    monkeypatch.setattr(agreement_yaml, "_LOADER", yaml.SafeLoader)
    assert problems(broken) == fast
    assert problems(b"id: x\ntitle: [unclosed\n")[0][0] == 3


def test_date_without_time_gets_a_helpful_hint() -> None:
    found = problems(VALID.replace("start: 2025-04-19T18:00:00+03:00", "start: 2025-04-19"))
    assert (12, "window.start", ("'2025-04-19' has no UTC offset: write e.g. "
            "2025-04-19T00:00:00+03:00")) in found


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_agreement(tmp_path / "absent.yaml")


SQUARE = {"type": "Polygon", "coordinates": [[[37, 47], [38, 47], [38, 48], [37, 48], [37, 47]]]}


def _geojson_agreement(zone_lines: str) -> str:
    return VALID.replace("zones:\n", "zones:\n" + zone_lines)


def test_geojson_zone_from_file_and_inline(tmp_path: Path) -> None:
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / "sq.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                    "geometry": SQUARE}]}))
    path = tmp_path / "a.yaml"
    path.write_text(_geojson_agreement("  - {id: sq, kind: geojson, path: zones/sq.geojson}\n"))
    a = read_agreement(path)
    assert a.zone("sq").shape().contains(__import__("shapely").Point(37.5, 47.5))
    stored = from_document(to_document(a))  # the document carries the polygon inline
    assert stored.zone("sq").geometry["type"] == "Polygon"
    inline = loads(_geojson_agreement(
        f"  - {{id: sq, kind: geojson, geometry: {json.dumps(SQUARE)}}}\n"), file="t.yaml")
    assert inline.zone("sq").shape().area == pytest.approx(1.0)


@pytest.mark.parametrize("zone, content, fragment", [
    ("{id: sq, kind: geojson, path: nope.geojson}", None, "GeoJSON file not found"),
    ("{id: sq, kind: geojson, path: bad.geojson}", "{not json", "not valid GeoJSON"),
    ("{id: sq, kind: geojson, path: bad.geojson}",
     json.dumps({"type": "Point", "coordinates": [1, 2]}), "no Polygon or MultiPolygon"),
    ("{id: sq, kind: geojson}", None, "needs path or geometry"),
    ('{id: sq, kind: geojson, geometry: {type: Polygon, coordinates: [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}',
     None, "not valid"),
])
def test_bad_geojson_zones(tmp_path: Path, zone: str, content: str | None, fragment: str) -> None:
    if content is not None:
        (tmp_path / "bad.geojson").write_text(content)
    found = problems(_geojson_agreement(f"  - {zone}\n"), base_dir=tmp_path)
    assert any(p[0] == 15 and p[1].startswith("zones[0]") and fragment in p[2] for p in found), found


def test_committed_json_schema_is_generated() -> None:
    committed = (REPO / "docs" / "agreement.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), (
        "regenerate: python -m ceasefire.formats.agreement_schema docs/agreement.schema.json")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate_against_the_json_schema(example: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "docs" / "agreement.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(to_document(read_agreement(example)), schema)
    bad = {**to_document(read_agreement(example)), "status": "paused"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
