"""The Dask engine on a real LocalCluster (2 worker processes): same results as local.

``ceasefire fuse --engine dask`` must export byte for byte the incidents of ``--engine
local`` (batch and incremental), ``ceasefire assess --engine dask`` the same findings; the
scheduler comes from ``[engine]`` in ``ceasefire.toml``; bad settings are one line, exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ceasefire.core.fusion import attach, fuse
from ceasefire.core.linkage import LinkageModel
from ceasefire.engines import dask as dask_engine
from ceasefire.services.agreements import add_agreement
from ceasefire.services.assess import assess
from ceasefire.workspace import Workspace
from tests.engines.conftest import synthetic_arrays, synthetic_frames
from tests.services.test_assess import EXAMPLES
from tests.services.test_assess import _seed as seed_assess

pytest.importorskip("dask.distributed")

MODEL = LinkageModel()  # the default linkage parameters (fits are tested in core)


def set_engine(ws_root: Path, **values: Any) -> None:
    """Write ``[engine]`` keys into the workspace's ceasefire.toml."""
    config = ws_root / "ceasefire.toml"
    lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    config.write_text(config.read_text().replace("[engine]\n", "[engine]\n" + lines))


def test_distributed_fusion_equals_local(scheduler: str) -> None:
    data = synthetic_arrays(days=10.0, seed=8)
    reference = fuse(data, MODEL)
    rng = np.random.default_rng(2)
    old = np.flatnonzero(rng.random(len(data)) < 0.6)
    previous = np.full(len(data), -1, dtype=np.int64)
    previous[old] = fuse(data.take(old), MODEL).labels
    incremental = attach(data, previous, MODEL)
    for options in ({}, {"time_blocks": 12, "lat_blocks": 3, "halo": 0.1}):
        with dask_engine.session({"scheduler": scheduler, **options}) as on:
            got = dask_engine.fuse_distributed(on, data, None, MODEL)
            assert dask_engine.last_run is not None and dask_engine.last_run.workers == 2
            assert dask_engine.last_run.blocks >= 4
            again = dask_engine.fuse_distributed(on, data, previous, MODEL)
        assert np.array_equal(got.anchor, reference.anchor)
        assert np.array_equal(got.labels, reference.labels)
        assert (got.n_incidents, got.n_pairs) == (reference.n_incidents, reference.n_pairs)
        assert np.array_equal(again.anchor, incremental.anchor)


def _synthetic_workspace(cli: Any, root: Path, tmp: Path) -> Path:
    sources, reports = synthetic_frames(days=6.0, seed=4)
    sources.to_csv(tmp / "sources.csv", index=False)
    reports.iloc[::2].to_csv(tmp / "reports1.csv", index=False)  # every source in both
    reports.iloc[1::2].to_csv(tmp / "reports2.csv", index=False)
    assert cli("init", root).exit_code == 0
    assert cli("sources", "add", "-w", root, tmp / "sources.csv").exit_code == 0
    return root


def test_cli_fuse_dask_exports_the_local_incidents(cli: Any, tmp_path: Path,
                                                   scheduler: str) -> None:
    ws = _synthetic_workspace(cli, tmp_path / "ws", tmp_path)
    set_engine(ws, scheduler=scheduler, time_blocks=5)
    for part in ("reports1.csv", "reports2.csv"):
        assert cli("ingest", "-q", "-w", ws, tmp_path / part).exit_code == 0
    local = cli("fuse", "-w", ws, "--json")
    assert local.exit_code == 0, local.stderr
    assert cli("export", "incidents", "-w", ws, "-o", tmp_path / "local.csv").exit_code == 0
    rebuilt = cli("fuse", "-w", ws, "--rebuild", "--engine", "dask", "--json")
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert cli("export", "incidents", "-w", ws, "-o", tmp_path / "dask.csv").exit_code == 0
    assert dask_engine.last_run is not None and dask_engine.last_run.scheduler == scheduler
    a, b = json.loads(local.stdout), json.loads(rebuilt.stdout)
    assert b["engine"] == "dask" and b["written"] == a["written"] > 500
    assert (b["incidents"], b["pairs"]) == (a["incidents"], a["pairs"])
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert cli("verify", "-w", ws).exit_code == 0


def test_cli_incremental_dask_equals_local_rebuild(cli: Any, tmp_path: Path,
                                                   scheduler: str) -> None:
    ws = _synthetic_workspace(cli, tmp_path / "ws", tmp_path)
    set_engine(ws, scheduler=scheduler, lat_blocks=2)
    assert cli("ingest", "-q", "-w", ws, tmp_path / "reports1.csv").exit_code == 0
    assert cli("fuse", "-w", ws, "--engine", "dask").exit_code == 0
    assert cli("ingest", "-q", "-w", ws, tmp_path / "reports2.csv").exit_code == 0
    step = json.loads(cli("fuse", "-w", ws, "--engine", "dask", "--json").stdout)
    assert step["new_reports"] > 0 and not step["rebuild"]
    assert cli("export", "incidents", "-w", ws, "-o", tmp_path / "dask.csv").exit_code == 0
    # local, all at once, with the model frozen since the first half
    assert cli("fuse", "-w", ws, "--rebuild", "--keep-model").exit_code == 0
    assert cli("export", "incidents", "-w", ws, "-o", tmp_path / "local.csv").exit_code == 0
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


@pytest.mark.postgres
def test_linkage_incidents_identical_on_local_dask_and_postgres(
        cli: Any, tmp_path: Path, scheduler: str) -> None:
    """Under the fitted linkage model, the local engine on SQLite, the Dask engine and the
    local engine on PostgreSQL write the same incidents and record the same model."""
    from tests.store.conftest import fresh_schemas, server_url

    sources, reports = synthetic_frames(days=6.0, seed=9)
    sources.to_csv(tmp_path / "sources.csv", index=False)
    reports.to_csv(tmp_path / "reports.csv", index=False)
    out: dict[str, tuple[bytes, Any]] = {}
    with fresh_schemas(server_url()) as new_schema:
        for name, engine, database in (("local", "local", None), ("dask", "dask", None),
                                       ("postgres", "local", new_schema())):
            ws = tmp_path / name
            init = ["init", ws] + (["--database", database] if database else [])
            assert cli(*init).exit_code == 0
            set_engine(ws, scheduler=scheduler, time_blocks=4, lat_blocks=2)
            assert cli("sources", "add", "-w", ws, tmp_path / "sources.csv").exit_code == 0
            assert cli("ingest", "-q", "-w", ws, tmp_path / "reports.csv").exit_code == 0
            run = cli("fuse", "-w", ws, "--engine", engine, "--json", "--explain")
            assert run.exit_code == 0, run.stderr
            assert cli("export", "incidents", "-w", ws, "-o", tmp_path / f"{name}.csv"
                       ).exit_code == 0
            model = json.loads(run.stdout)["model"]
            out[name] = ((tmp_path / f"{name}.csv").read_bytes(), model["comparisons"])
            assert model["method"] == "em" and 0 < model["prior"] < 1
    assert len(out["local"][0]) > 10_000
    assert out["dask"] == out["local"] and out["postgres"] == out["local"]


def findings_of(ws: Workspace, agreement_id: str) -> list[dict[str, Any]]:
    rows = ws.store.select("findings", {"agreement_id": agreement_id})
    return [{k: v for k, v in r.items() if k != "created_at"} for r in rows]


def test_assess_dask_gives_the_local_findings(workspace: Workspace, scheduler: str) -> None:
    seed_assess(workspace)
    add_agreement(workspace, EXAMPLES / "energy_moratorium_2025.yaml")
    local = assess(workspace, "energy-moratorium-2025")
    expected = findings_of(workspace, "energy-moratorium-2025")
    with dask_engine.session({"scheduler": scheduler}):
        distributed = assess(workspace, "energy-moratorium-2025", engine="dask")
    assert dask_engine.last_run is not None and dask_engine.last_run.task == "assess"
    assert findings_of(workspace, "energy-moratorium-2025") == expected and expected
    assert (distributed.findings, distributed.by_verdict) == (local.findings, local.by_verdict)


def test_scheduler_address_comes_from_the_workspace_config(cli: Any, workspace: Workspace,
                                                           scheduler: str) -> None:
    seed_assess(workspace)
    add_agreement(workspace, EXAMPLES / "energy_moratorium_2025.yaml")
    set_engine(workspace.root, scheduler=scheduler)
    dask_engine.last_run = None
    res = cli("assess", "-w", workspace.root, "--agreement", "energy-moratorium-2025",
              "--engine", "dask", "--json")
    assert res.exit_code == 0, res.stderr
    assert dask_engine.last_run is not None
    assert dask_engine.last_run.scheduler == scheduler and dask_engine.last_run.workers == 2


def test_unreachable_scheduler_is_one_line_exit_2(cli: Any, workspace: Workspace) -> None:
    set_engine(workspace.root, scheduler="tcp://127.0.0.1:9", connect_timeout_s=2)
    res = cli("fuse", "-w", workspace.root, "--engine", "dask")
    assert res.exit_code == 2
    assert "engine.scheduler" in res.stderr and "Traceback" not in res.stderr


def test_bad_engine_setting_is_one_line_exit_2(cli: Any, workspace: Workspace) -> None:
    set_engine(workspace.root, halo=-1)
    res = cli("fuse", "-w", workspace.root, "--engine", "dask")
    assert res.exit_code == 2 and "engine.halo" in res.stderr
    config = workspace.root / "ceasefire.toml"
    config.write_text(config.read_text().replace("halo = -1\n", "shceduler = 'tcp://x:1'\n"))
    res = cli("assess", "-w", workspace.root, "--agreement", "x", "--engine", "dask")
    assert res.exit_code == 2 and "engine.shceduler" in res.stderr
