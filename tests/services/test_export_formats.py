"""Every export in every format opens in geopandas and GDAL (pyogrio), with typed columns,
GeoParquet 1.1 metadata, ``extra`` as columns, RFC 7946 winding, and a GDAL round trip of the
reports export that ingests again with the same time intervals."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import geopandas
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely

from ceasefire.formats.registry import get_reader
from ceasefire.services.export import (
    export_control,
    export_findings,
    export_incidents,
    export_reports,
)
from ceasefire.services.ingest import ingest_file
from ceasefire.services.sources import add_sources_file, source_row, stored_sources
from ceasefire.store.conditions import In
from ceasefire.workspace import Workspace
from tests.conftest import TEST_DATA
from tests.web.conftest import World

DATA = TEST_DATA / "ingest"
SOURCE_COLUMNS = ["source_id", "name", "kind", "affiliation", "reliability", "origin_group"]
GEO_FORMATS = ("parquet", "gpkg", "fgb", "kml", "geojson")
EXPORTS = {"reports": export_reports, "incidents": export_incidents,
           "findings": export_findings, "control": export_control}
TABLES = {"reports": "reports", "incidents": "incidents", "findings": "findings",
          "control": "control_snapshots"}


def gdal_parquet(path: Path) -> geopandas.GeoDataFrame:
    """A (Geo)Parquet file read by GDAL through pyogrio. The GDAL inside pyogrio's wheel has
    no native Parquet driver; it reads Parquet with its ADBC driver and DuckDB, whose
    library the ``duckdb`` wheel carries (as its extension module): name it as the driver."""
    spec = importlib.util.find_spec("_duckdb") or importlib.util.find_spec("duckdb.duckdb")
    assert spec is not None and spec.origin, "the duckdb wheel (dev extra) is not installed"
    return pyogrio.read_dataframe(f"ADBC:{path}", adbc_driver=spec.origin)


@pytest.mark.parametrize("kind", sorted(EXPORTS))
@pytest.mark.parametrize("fmt", GEO_FORMATS)
def test_every_export_opens_in_geopandas_and_gdal(full: World, tmp_path: Path, kind: str,
                                                  fmt: str) -> None:
    store = full.ws.store
    out = tmp_path / f"{kind}.{fmt}"
    n = EXPORTS[kind](store, fmt, out)
    assert n == store.count(TABLES[kind]) > 0
    if fmt != "parquet":
        frame = pyogrio.read_dataframe(out)
        assert len(frame) == n
    else:
        frame = geopandas.read_parquet(out)
        assert len(frame) == n and frame.crs.to_string() == "OGC:CRS84"
        geo = json.loads(pq.read_schema(out).metadata[b"geo"])
        assert geo["version"] == "1.1.0"
        assert geo["columns"]["geometry"]["encoding"] == "WKB"
        through_gdal = gdal_parquet(out)
        assert len(through_gdal) == n and through_gdal.crs.to_epsg() == 4326
        assert through_gdal.geometry.notna().sum() == frame.geometry.notna().sum()
    geoms = frame.geometry.dropna()
    assert len(geoms) > 0
    if kind == "control":
        for multi in geoms:
            for polygon in getattr(multi, "geoms", [multi]):
                assert shapely.is_ccw(polygon.exterior)
                assert not any(shapely.is_ccw(r) for r in polygon.interiors)


def test_parquet_columns_are_typed(full: World, tmp_path: Path) -> None:
    store = full.ws.store
    export_reports(store, "parquet", tmp_path / "r.parquet")
    export_incidents(store, "parquet", tmp_path / "i.parquet")
    export_findings(store, "gpkg", tmp_path / "f.gpkg")
    reports = geopandas.read_parquet(tmp_path / "r.parquet")
    assert str(reports["observed_at"].dtype) == "datetime64[ms, UTC]"
    assert str(reports["credibility"].dtype) == "Int64" or reports["credibility"].dtype.kind in "if"
    incidents = geopandas.read_parquet(tmp_path / "i.parquet")
    assert str(incidents["time_start"].dtype) == "datetime64[ms, UTC]"
    assert incidents["attribution_probability"].dtype.kind == "f"
    assert incidents["n_reports"].dtype.kind == "i"
    info = pyogrio.read_info(tmp_path / "f.gpkg")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["probability"] == "float64" and types["published"] == "bool"


def test_extra_is_carried_as_columns(full: World, tmp_path: Path) -> None:
    out = tmp_path / "r.gpkg"
    export_reports(full.ws.store, "gpkg", out)
    frame = pyogrio.read_dataframe(out)
    acled = frame[frame["source_id"] == "acled"]
    assert len(acled) == 5
    assert {"fatalities", "actor1"} <= set(frame.columns)
    assert acled["fatalities"].notna().sum() >= 4 and frame["fatalities"].dtype.kind in "if"
    assert acled["actor1"].str.contains("Russia").any()


def test_hxl_and_csv(full: World, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    export_reports(full.ws.store, "hxl", out)
    with out.open(encoding="utf-8") as fh:
        header, tags, first = next(csv.reader(fh)), next(csv.reader(fh)), next(csv.reader(fh))
    tag = dict(zip(header, tags, strict=True))
    assert tag["report_id"] == "#event+id" and tag["lat"] == "#geo+lat"
    assert tag["observed_at"] == "#date+occurred"
    observed = dict(zip(header, first, strict=True))["observed_at"]
    assert observed.endswith("Z") and "T" in observed
    with pytest.raises(Exception, match="polygons"):
        export_control(full.ws.store, "csv", tmp_path / "c.csv")


def test_reports_through_gdal_ingest_again_with_the_same_intervals(
        full: World, tmp_path: Path) -> None:
    """The issue's round trip: GeoPackage → (GDAL, as QGIS/ogr2ogr would) GeoJSON → ingest."""
    store = full.ws.store
    where = {"source_id": In(["smm", "ua_gs", "ru_mod", "kyiv_news"])}
    gpkg = tmp_path / "r.gpkg"
    n = export_reports(store, "gpkg", gpkg, where)
    days = [r for r in store.select("reports", where) if len(r["observed_at"]) == 10]
    assert n >= 5 and days, "the fixture must hold reports dated by day only"
    edited = tmp_path / "edited.geojson"
    pyogrio.write_dataframe(pyogrio.read_dataframe(gpkg), edited, driver="GeoJSON")
    with Workspace.init(tmp_path / "other") as other:
        sources = tmp_path / "all_sources.csv"
        with sources.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, SOURCE_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(source_row(s) for s in stored_sources(store).values())
        add_sources_file(other, sources)
        summary = ingest_file(other, edited, get_reader("geojson"))
        assert (summary.added, summary.rejected) == (n, 0)
        before = {(r["source_id"], r["report_id"]): (r["t_start"], r["t_end"])
                  for r in store.select("reports", where)}
        after = {(r["source_id"], r["report_id"]): (r["t_start"], r["t_end"])
                 for r in other.store.select("reports")}
        assert after.keys() == before.keys()
        for key, (start, end) in before.items():
            assert after[key] == pytest.approx((start, end), abs=1.0), key
