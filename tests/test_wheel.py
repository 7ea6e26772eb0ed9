"""Must-show of issue 19: the wheel carries everything a user needs.

``python -m build`` (sdist, then the wheel built from it), ``pip install`` of that wheel into
a fresh virtual environment, ``ceasefire demo --dir X`` in an empty folder (the demo sample
comes from the wheel), then ``ceasefire serve`` answers ``/`` with the dashboard and serves
its bundle. pip installs the dependencies from the machine's package index, as install.sh
does; nothing else is downloaded. Slow (a few minutes): run by .ci/run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.web.conftest import free_port


def _env() -> dict[str, str]:
    """The environment without this checkout on the path: the venv must use its own copy."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


def _run(args: list[str | Path], cwd: Path, timeout: float = 900) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.mark.slow
def test_wheel_installs_runs_the_demo_and_serves_the_dashboard(tmp_path: Path) -> None:
    if not (REPO_ROOT / "src/ceasefire/web/static/build/app.js").is_file():
        pytest.fail("the dashboard is not built: run install.sh (npm run build) first")
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--outdir", dist, REPO_ROOT], REPO_ROOT)
    [wheel] = dist.glob("ceasefire-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], tmp_path)
    _run([venv / "bin/python", "-m", "pip", "install", "-q", f"{wheel}[web,pdf]"], tmp_path)

    empty = tmp_path / "empty"
    empty.mkdir()
    _run([venv / "bin/ceasefire", "demo", "--dir", "X", "-q"], empty)
    assert (empty / "X").is_dir()

    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([str(venv / "bin/ceasefire"), "serve", "-w", "X", "--host",
                               "127.0.0.1", "--port", str(port)], cwd=empty, env=_env(),
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                page = httpx.get(base + "/", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "ceasefire serve did not answer"
                time.sleep(0.3)
        assert page.status_code == 200, page.text[:500]
        assert "text/html" in page.headers["content-type"]
        assert "/static/build/app.js" in page.text
        bundle = httpx.get(base + "/static/build/app.js", timeout=10)
        assert bundle.status_code == 200 and len(bundle.content) > 10_000
        incidents = httpx.get(base + "/ogc/collections/incidents/items?limit=1", timeout=10)
        assert incidents.json()["numberMatched"] > 1000  # the demo's incidents, served
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
