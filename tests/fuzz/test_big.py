"""Big hostile input, built at test time: a 50 MB cell, nesting 100,000 deep, a zip bomb.

Each must end as an InputError (or, for the 50 MB cell, a quarantined row next to stored
good rows), in bounded time and memory — the limits here are counts, not timings.
"""

from __future__ import annotations

import json
import resource
import sqlite3
from pathlib import Path

import pytest

from ceasefire.errors import InputError
from tests.fuzz.hostile import deep_json, deep_yaml, zip_bomb
from tests.fuzz.loaders import FUZZ_DATA, LOADERS

CELL = 50 * 1024 * 1024
DEPTH = 100_000


def _rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@pytest.mark.slow
def test_50mb_cell_is_quarantined_and_good_rows_stored(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Python's csv module stops at 131,072 characters a field; pyarrow must get through."""
    table = LOADERS["canonical"].table
    assert table is not None
    good = [list(r) for r in table.rows]
    huge = [*good[0][:-1], "x" * CELL]
    huge[0] = "c-huge"
    huge[3] = "=" + "9" * CELL  # lat: a 50 MB non-number
    path = tmp_path / "huge_cell.csv"
    path.write_text(table.render([good[0], huge, good[1]]), encoding="utf-8")
    ws = tmp_path / "ws"
    assert cli("init", ws).exit_code == 0
    assert cli("sources", "add", "-w", ws, FUZZ_DATA / "sources.csv").exit_code == 0
    result = cli("ingest", "-q", "--json", "-w", ws, path)
    assert result.exit_code == 3, result.stderr[:500]
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["added"], summary["rejected"]) == (3, 2, 1)
    assert len(result.stderr) < 1000  # the 50 MB value is not echoed
    conn = sqlite3.connect(ws / "ceasefire.db")
    try:
        assert {r[0] for r in conn.execute("SELECT report_id FROM reports")} == {"c-1", "c-2"}
        [(field, reason)] = conn.execute("SELECT field, reason FROM quarantine").fetchall()
    finally:
        conn.close()
    assert field == "lat" and len(reason) < 1000


@pytest.mark.parametrize("name", ["sources", "places", "truce-claims", "hxl", "canonical"])
def test_huge_header_cell_is_one_short_error(tmp_path: Path, name: str) -> None:
    """A 1 MB header cell: beyond csv's field limit; the message must stay one short line."""
    loader = LOADERS[name]
    path = tmp_path / "wide.csv"
    path.write_text("y" * (1 << 20) + "," + loader.sample(), encoding="utf-8")  # type: ignore[operator]
    try:
        loader.load(path)
    except InputError as exc:
        assert all(len(str(p)) < 2000 and "\n" not in p.message for p in exc.problems)


@pytest.mark.parametrize("name", ["geojson", "control-geojson", "deepstate"])
def test_json_nested_100k_deep_is_an_input_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / "deep.geojson"
    path.write_bytes(deep_json(DEPTH))
    with pytest.raises(InputError, match="nested too deeply|not valid JSON|no features"):
        LOADERS[name].load(path)


def test_agreement_zone_file_nested_100k_deep(tmp_path: Path) -> None:
    (tmp_path / "zone.geojson").write_bytes(deep_json(DEPTH))
    text = LOADERS["agreement"].sample()
    assert isinstance(text, str)
    path = tmp_path / "agreement.yaml"
    path.write_text(text.replace(
        "    geometry: {type: Polygon, coordinates: [[[37, 48], [38, 48], [38, 49], [37, 48]]]}",
        "    path: zone.geojson"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        LOADERS["agreement"].load(path)
    assert any("zones[1].path" == p.field for p in info.value.problems), info.value


@pytest.mark.parametrize("name", ["agreement", "claims-yaml", "mapping-yaml"])
def test_yaml_nested_100k_deep_is_an_input_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_bytes(deep_yaml(DEPTH))
    with pytest.raises(InputError):
        LOADERS[name].load(path)


@pytest.mark.slow
def test_zip_bomb_bundle_is_refused_without_inflating(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """1 GiB of zeros deflated to ~1 MB: refused on its header, before any inflating."""
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_bomb(1 << 30))
    assert path.stat().st_size < 5 << 20
    before = _rss_mb()
    result = cli("verify-bundle", path)
    assert result.exit_code == 2, result.stderr
    assert "compressed" in result.stderr and len(result.stderr.splitlines()) == 1
    assert _rss_mb() - before < 200  # nothing close to the 1 GiB was inflated
