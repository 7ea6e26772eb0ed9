"""`ceasefire demo` on the bundled sample: the whole job, reports written (slow: ~1 min)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceasefire.record import ledger
from ceasefire.workspace import Workspace


@pytest.mark.slow
def test_demo_writes_reports_and_a_verifiable_workspace(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "demo"
    result = cli("demo", "--dir", out, "--quiet")
    assert result.exit_code == 0, result.stderr
    for agreement in ("energy-moratorium-2025", "easter-truce-2025", "may-truce-2025",
                      "us-ua-30day-2025"):
        folder = out / "reports" / agreement
        html = (folder / "report.html").read_text()
        assert html.count("data:image/png;base64,") == 3
        assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
        data = json.loads((folder / "report.json").read_text())
        assert data["agreement_id"] == agreement and data["ledger_hash"]
    assert "march-2025-nearly-20-percent: supported" in result.stdout
    assert "kursk-2025-04-26-full-control: not_verifiable" in result.stdout
    with Workspace.open(out) as ws:
        assert ledger.verify(ws.store).entries > 10
    again = cli("demo", "--dir", out, "--quiet")
    assert again.exit_code == 2 and "--force" in again.stderr
