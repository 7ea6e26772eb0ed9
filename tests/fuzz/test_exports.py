"""Formula injection through every export: hostile strings in, defused CSV cells out.

Hostile text enters through two readers (canonical CSV and GeoJSON: the "geojson -> csv"
path), is stored as read, and must come out of ``export reports --format csv`` with a
leading apostrophe; GeoJSON and Parquet exports are not spreadsheets and keep the value
exactly (so a round trip loses nothing). Incidents are exported after ``fuse``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.formats.writers import write_csv
from tests.fuzz.hostile import FORMULAS
from tests.fuzz.loaders import FUZZ_DATA, GEOJSON_REPORTS

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _hostile_inputs(tmp_path: Path) -> tuple[Path, Path]:
    rows = ["report_id,source_id,observed_at,lat,lon,category,place,text"]
    for i, formula in enumerate(FORMULAS):
        cell = '"' + formula.replace('"', '""') + '"'
        rows.append(f"x-{i},fuzz_src,2025-04-19T21:40:00+03:00,48.01,37.80,shelling,"
                    f"{cell},{cell}")
    csv_path = tmp_path / "formulas.csv"
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    features = [{**GEOJSON_REPORTS["features"][0], "id": f"g-{i}",
                 "properties": {**GEOJSON_REPORTS["features"][0]["properties"],
                                "text": f, "place": f}} for i, f in enumerate(FORMULAS)]
    geo_path = tmp_path / "formulas.geojson"
    geo_path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                        encoding="utf-8")
    return csv_path, geo_path


def test_every_export_defuses_or_preserves(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    assert cli("init", ws).exit_code == 0
    assert cli("sources", "add", "-w", ws, FUZZ_DATA / "sources.csv").exit_code == 0
    csv_in, geo_in = _hostile_inputs(tmp_path)
    assert cli("ingest", "-q", "-w", ws, csv_in).exit_code == 0
    assert cli("ingest", "-q", "-w", ws, "--format", "geojson", geo_in).exit_code == 0
    assert cli("fuse", "-w", ws).exit_code == 0
    checked = 0
    for what in ("reports", "incidents"):
        out = tmp_path / f"{what}.csv"
        result = cli("export", what, "--format", "csv", "-o", out, "-w", ws)
        assert result.exit_code == 0, result.stderr
        with open(out, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for value in row.values():
                    checked += 1
                    assert not (value.startswith(DANGEROUS) and not _is_number(value)), value
    assert checked > 100
    geo = tmp_path / "reports.geojson"
    assert cli("export", "reports", "--format", "geojson", "-o", geo, "-w", ws).exit_code == 0
    texts = {f["properties"]["text"] for f in json.loads(geo.read_text())["features"]}
    assert {f.strip() for f in FORMULAS} <= texts  # validation strips surrounding blanks
    par = tmp_path / "reports.parquet"
    assert cli("export", "reports", "--format", "parquet", "-o", par, "-w", ws).exit_code == 0
    assert {t for t in pq.read_table(par).column("place").to_pylist() if t} \
        <= {f.strip() for f in FORMULAS}


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.text(alphabet=st.sampled_from("=+-@\t\r1.eE ab\"',;\n"), max_size=12),
                min_size=1, max_size=6))
def test_csv_writer_never_writes_a_live_formula(tmp_path_factory, cells: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("w") / "out.csv"
    columns = ["id", *(f"c{i}" for i in range(len(cells)))]
    write_csv(path, columns, [dict(zip(columns, ["r1", *cells], strict=True))])
    with open(path, encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    for original, value in zip(cells, list(row.values())[1:], strict=True):
        assert not (value.startswith(DANGEROUS) and not _is_number(value))
        if original.startswith(DANGEROUS) and not _is_number(original):
            assert value.startswith("'")
