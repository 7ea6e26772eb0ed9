"""The Dask engine on real data (slow): the 2025 VIINA reports and the demo's agreements.

Must show (issue 10): on the 2025 VIINA reports ``ceasefire fuse --rebuild --engine dask``
exports exactly the incidents ``--engine local`` does. Here the engine starts its own
default LocalCluster (no scheduler configured), as a user's first run would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ceasefire.engines import dask as dask_engine
from ceasefire.formats.registry import get_reader
from ceasefire.services.agreements import add_agreement
from ceasefire.services.assess import assess
from ceasefire.services.demo import RUNS, sample_dir
from ceasefire.services.fusion import fuse_workspace
from ceasefire.services.ingest import ingest_file
from ceasefire.services.territory import import_snapshots
from ceasefire.workspace import Workspace
from tests.conftest import EXAMPLES, require_shared_data
from tests.engines.test_dask_engine import findings_of

pytest.importorskip("dask.distributed")


@pytest.mark.slow
def test_viina_2025_dask_exports_exactly_the_local_incidents(cli: Any, tmp_path: Path) -> None:
    folder = require_shared_data("viina_incidents")
    months = sorted(folder.glob("viina_incidents_2025*.csv"))
    assert len(months) == 8  # January to August 2025
    ws = tmp_path / "ws"
    assert cli("init", ws).exit_code == 0
    ingest = cli("ingest", "-q", "-w", ws, "--format", "viina", *months)
    assert ingest.exit_code in (0, 3), ingest.stderr
    local = cli("fuse", "-w", ws, "--json")
    assert local.exit_code == 0, local.stderr
    assert cli("export", "incidents", "-w", ws, "--format", "csv", "-o",
               tmp_path / "local.csv").exit_code == 0
    dask_engine.last_run = None
    rebuilt = cli("fuse", "-w", ws, "--rebuild", "--engine", "dask", "--json")
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert cli("export", "incidents", "-w", ws, "--format", "csv", "-o",
               tmp_path / "dask.csv").exit_code == 0
    a, b = json.loads(local.stdout), json.loads(rebuilt.stdout)
    assert a["reports"] > 25_000 and a["incidents"] > 5_000
    assert (b["engine"], b["incidents"], b["pairs"]) == ("dask", a["incidents"], a["pairs"])
    run = dask_engine.last_run
    assert run is not None and run.workers == 2 and run.blocks >= 4 and run.reports == a["reports"]
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert cli("verify", "-w", ws).exit_code == 0


@pytest.mark.slow
def test_demo_agreements_dask_assessment_equals_local(tmp_path: Path, scheduler: str) -> None:
    sample = sample_dir()
    with Workspace.init(tmp_path / "demo") as ws:
        for fmt, sub in (("viina", "viina"), ("viina-energy", "viina_energy")):
            for path in sorted((sample / sub).glob("*.csv")):
                ingest_file(ws, path, get_reader(fmt))
        fuse_workspace(ws)
        import_snapshots(ws, sorted((sample / "deepstate").glob("*.geojson")), "deepstate")
        total = 0
        for run in RUNS:
            add_agreement(ws, EXAMPLES / "agreements" / run.agreement_file)
            local = assess(ws, run.agreement_id, as_if_in_force=run.as_if_in_force)
            expected = findings_of(ws, run.agreement_id)
            with dask_engine.session({"scheduler": scheduler}):
                distributed = assess(ws, run.agreement_id, as_if_in_force=run.as_if_in_force,
                                     engine="dask")
            assert dask_engine.last_run is not None and dask_engine.last_run.blocks >= 2
            assert findings_of(ws, run.agreement_id) == expected
            assert distributed.by_verdict == local.by_verdict
            total += len(expected)
        assert total > 1000
