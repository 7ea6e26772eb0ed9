"""The notebook API: ``open_workspace(path).incidents(...)`` and friends give typed
GeoDataFrames with filters applied in the store; the example notebook runs on the demo
workspace."""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas
import pytest

from ceasefire import open_workspace
from ceasefire.errors import InputError
from ceasefire.services.export_columns import INCIDENT_FIELDS, names
from tests.conftest import EXAMPLES
from tests.web.conftest import World

NOTEBOOK = EXAMPLES / "notebooks" / "workspace_tour.ipynb"


def test_incidents_are_a_typed_geodataframe(full: World) -> None:
    with open_workspace(full.ws.root) as ws:
        incidents = ws.incidents()
        assert isinstance(incidents, geopandas.GeoDataFrame)
        assert incidents.crs.to_string() == "OGC:CRS84"
        assert len(incidents) == full.ws.store.count("incidents") == 3
        assert list(incidents.columns) == [*names(INCIDENT_FIELDS), "geometry"]
        dtypes = incidents.dtypes.astype(str).to_dict()
        assert dtypes["time_start"] == "datetime64[ms, UTC]"
        assert dtypes["n_reports"] == "Int64" and dtypes["confidence"] == "float64"
        assert dtypes["attribution_probability"] == "float64"
        assert set(incidents.geometry.geom_type) == {"Point"}
        row = incidents.set_index("incident_id").loc[full.ids["incident"]]
        assert (row.geometry.x, row.geometry.y) == pytest.approx((37.8049, 48.0123))

        boxed = ws.incidents(bbox=(37.5, 47.9, 38.0, 48.1))
        assert list(boxed["incident_id"]) == [full.ids["incident"]]
        assert len(ws.incidents(start="2025-04-21")) == 0
        assert len(ws.incidents(start="2025-04-20", end="2025-04-20")) == 3
        assert len(ws.incidents(category="drone_strike")) == 1
        assert len(ws.incidents(min_confidence=1.01)) == 0
        with pytest.raises(InputError, match="ISO 8601"):
            ws.incidents(start="April")


def test_reports_findings_control(full: World) -> None:
    with open_workspace(full.ws.root) as ws:
        reports = ws.reports()
        assert len(reports) == full.ws.store.count("reports")
        assert str(reports["observed_at"].dtype) == "datetime64[ms, UTC]"
        acled = ws.reports(source_id="acled")
        assert len(acled) == 5 and acled["fatalities"].dtype.kind in "if"
        assert str(acled["credibility"].dtype) == "Int64"

        findings = ws.findings()
        assert len(findings) == 2 and str(findings["published"].dtype) == "boolean"
        assert str(findings["day"].dtype).startswith("datetime64")
        assert list(ws.findings(verdict="likely")["finding_id"]) == ["f-ru-1", "f-ua-1"]

        control = ws.control()
        assert len(control) == 2 and set(control.geometry.geom_type) == {"MultiPolygon"}
        assert len(ws.control(on="2025-03-14")) == 1
        assert control["area_km2"].dtype.kind == "f"


@pytest.mark.slow
def test_example_notebook_runs_on_the_demo_workspace(tmp_path: Path) -> None:
    """Every code cell of the example, in order, in one namespace (as a kernel would)."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert len(code) >= 5
    namespace: dict[str, object] = {}
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        for i, source in enumerate(code):
            exec(compile(source, f"{NOTEBOOK.name}[{i}]", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(cwd)
    easter = namespace["easter"]
    assert isinstance(easter, geopandas.GeoDataFrame) and len(easter) > 0
    control = namespace["control"]
    assert isinstance(control, geopandas.GeoDataFrame) and len(control) > 10
    assert len(namespace["findings"]) > 0  # type: ignore[arg-type]
