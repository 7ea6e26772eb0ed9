"""Must-show: GDAL's OAPIF driver, reading /ogc of the demo workspace, lists the collections
and reads the incident features, as the public and, with a bearer token, as an analyst."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest

from ceasefire.services.demo import run_demo
from ceasefire.web.users import add_user, new_token
from ceasefire.workspace import Workspace
from tests.web.conftest import ServeProcess


@pytest.mark.slow
def test_gdal_reads_the_demo_workspace(tmp_path: Path) -> None:
    run_demo(tmp_path / "demo", formats=("json",))
    with Workspace.open(tmp_path / "demo") as ws:
        n_incidents = ws.store.count("incidents")
        add_user(ws.store, "ana", "analyst")
        token = new_token(ws.store, "ana")
        with ServeProcess(ws) as server:
            source = f"OAPIF:{server.url}/ogc"
            public = {name for name, _ in pyogrio.list_layers(source)}
            assert public == {"incidents", "findings", "control_snapshots"}
            frame = pyogrio.read_dataframe(source, layer="incidents", PAGE_SIZE="2000")
            assert n_incidents > 1000 and len(frame) == n_incidents
            assert "report_ids" not in frame.columns
            # Ukraine and, for the RU MoD's accusations, Russia as far as the Urals
            assert frame.geometry.x.between(20, 62).all() and frame.geometry.y.between(40, 62).all()
            snaps = pyogrio.read_dataframe(source, layer="control_snapshots")
            assert set(snaps["side"]) == {"RU"} and len(snaps) == ws.store.count(
                "control_snapshots")

            # GDAL's own bearer support (the OAPIF driver ignores GDAL_HTTP_HEADERS)
            pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BEARER",
                                             "GDAL_HTTP_BEARER": token})
            try:
                analyst = {name for name, _ in pyogrio.list_layers(source)}
                assert analyst == public | {"reports"}
                inner = pyogrio.read_dataframe(source, layer="incidents", PAGE_SIZE="2000",
                                               max_features=50)
                assert inner["report_ids"].str.contains(":").all()
            finally:
                pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None,
                                                 "GDAL_HTTP_BEARER": None})
