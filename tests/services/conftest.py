"""Fixtures of the service tests: a workspace holding every kind of thing that is exported."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from ceasefire.formats.registry import get_reader
from ceasefire.record import ledger
from ceasefire.services.ingest import ingest_file
from ceasefire.services.sources import add_sources_file
from ceasefire.workspace import Workspace
from tests.conftest import TEST_DATA
from tests.web.conftest import World, build_world

DATA = TEST_DATA / "ingest"


def sources_file(tmp_path: Path) -> Path:
    """The test sources the web world does not already hold (it has ua_gs and ru_mod)."""
    lines = (DATA / "sources.csv").read_text(encoding="utf-8").splitlines()
    out = tmp_path / "sources.csv"
    out.write_text("\n".join(line for line in lines
                             if not line.startswith(("ua_gs,", "ru_mod,"))) + "\n",
                   encoding="utf-8")
    return out


@pytest.fixture
def full(workspace: Workspace, tmp_path: Path) -> World:
    """Reports of four kinds (API, canonical CSV with bare dates, ACLED with extras),
    incidents, findings, and a holed control snapshot stored with clockwise outer ring."""
    world = build_world(workspace)
    add_sources_file(workspace, sources_file(tmp_path))
    ingest_file(workspace, DATA / "mixed_reports.csv", get_reader("canonical"))
    ingest_file(workspace, DATA / "acled_sample.csv", get_reader("acled"))
    outer = [(30.0, 50.0), (30.0, 51.0), (31.0, 51.0), (31.0, 50.0), (30.0, 50.0)]
    hole = [(30.2, 50.2), (30.8, 50.2), (30.8, 50.8), (30.2, 50.8), (30.2, 50.2)]
    ledger.record(workspace.store, actor="test", action="territory.import", rows={
        "control_snapshots": [{"snapshot_date": "2025-03-14", "side": "RU", "source": "test",
                               "geometry": shapely.to_wkb(shapely.Polygon(outer, [hole])),
                               "area_km2": 7000.0}]})
    return world
