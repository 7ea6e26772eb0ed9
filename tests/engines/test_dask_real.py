"""The Dask engine on real data (slow): the 2025 VIINA reports and the demo's agreements.

Must show (issue 10): on the 2025 VIINA reports ``ceasefire fuse --rebuild --engine dask``
exports exactly the incidents ``--engine local`` does. Here the engine starts its own
default LocalCluster (no scheduler configured), as a user's first run would.
"""

from __future__ import annotations

import json
import sys
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
    # the engine links the likely events; likely non-events (the headline model's verdict)
    # stay incidents of their own without it (docs/scoring.md, "Event screening")
    with Workspace.open(ws) as opened:
        linked = sum(1 for r in opened.store.select("reports", columns=["event_probability"])
                     if r["event_probability"] is None or r["event_probability"] >= 0.5)
    assert 0 < linked < a["reports"]
    assert run is not None and run.workers == 2 and run.blocks >= 4 and run.reports == linked
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert cli("verify", "-w", ws).exit_code == 0


def _viina_as_independent_reports(months: list[Path], out: Path) -> None:
    """The same rows in the canonical format, each row its own source (as bench_fusion.py
    does): the viina reader files every row under one source, which fusion never merges, so
    this is the variant in which components of many reports form and get cut into blocks."""
    import pandas as pd

    from tests.engines.conftest import BENCH
    sys.path.insert(0, str(BENCH))
    try:
        from bench_fusion import VIINA_CATEGORY
    finally:
        sys.path.remove(str(BENCH))
    df = pd.concat([pd.read_csv(m, encoding="utf-8-sig", dtype=str) for m in months],
                   ignore_index=True).drop_duplicates()
    category = pd.Series("other", index=df.index)
    for token, cat in reversed(VIINA_CATEGORY):
        category[df["event_type"].fillna("").str.contains(token, regex=False)] = cat
    midnight = df["datetime"].str.endswith("00:00:00")
    ids = [f"v{i}" for i in range(len(df))]
    pd.DataFrame({"source_id": ids, "name": ids, "kind": "news", "affiliation": "neutral",
                  "reliability": "C", "origin_group": ids}).to_csv(out / "sources.csv",
                                                                    index=False)
    pd.DataFrame({"report_id": "r", "source_id": ids,
                  "observed_at": df["datetime"].where(~midnight, df["datetime"].str[:10])
                  .str.replace(" ", "T"),
                  "lat": df["lat"], "lon": df["lon"], "location_uncertainty_m": 5000,
                  "category": category, "text": df["headline"]}).to_csv(out / "reports.csv",
                                                                       index=False)


@pytest.mark.slow
def test_viina_2025_independent_reports_fuse_identically(cli: Any, tmp_path: Path,
                                                         scheduler: str) -> None:
    months = sorted(require_shared_data("viina_incidents").glob("viina_incidents_2025*.csv"))
    _viina_as_independent_reports(months, tmp_path)
    ws = tmp_path / "ws"
    assert cli("init", ws, "--timezone", "Europe/Kyiv").exit_code == 0
    assert cli("sources", "add", "-w", ws, tmp_path / "sources.csv").exit_code == 0
    ingest = cli("ingest", "-q", "-w", ws, tmp_path / "reports.csv")
    assert ingest.exit_code == 0, ingest.stderr
    (ws / "ceasefire.toml").write_text((ws / "ceasefire.toml").read_text().replace(
        "[engine]\n", f"[engine]\nscheduler = \"{scheduler}\"\n"))
    local = json.loads(cli("fuse", "-w", ws, "--json").stdout)
    assert cli("export", "incidents", "-w", ws, "-o", tmp_path / "local.csv").exit_code == 0
    dask_run = cli("fuse", "-w", ws, "--rebuild", "--engine", "dask", "--json")
    assert dask_run.exit_code == 0, dask_run.stderr
    assert cli("export", "incidents", "-w", ws, "-o", tmp_path / "dask.csv").exit_code == 0
    b = json.loads(dask_run.stdout)
    # real structure: many multi-report incidents, hundreds of thousands of pairs
    assert local["reports"] > 25_000 and local["incidents"] < 0.8 * local["reports"]
    assert local["pairs"] > 100_000
    assert (b["incidents"], b["pairs"]) == (local["incidents"], local["pairs"])
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


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
