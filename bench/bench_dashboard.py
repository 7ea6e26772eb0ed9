"""Benchmark of the dashboard in headless chromium on the demo workspace (~12.8k incidents).

Serves a copy of a demo workspace with ``ceasefire serve`` (a child process) and, for the
public view and a monitor, measures in Debian's chromium:

* page ready: from navigation to every incident loaded, filtered and drawn;
* its peer in the same run: fetching the same API pages from Python (httpx), the floor set
  by the server and the transfer; the ratio is the page's own cost (parsing, features,
  clustering, first drawing);
* filter latency: a time-slider step and a band switch, from the input event to the next
  two animation frames (filtering, re-clustering, drawing), median over repeats.

    .venv/bin/ceasefire demo --dir /tmp/demo
    .venv/bin/python bench/bench_dashboard.py --workspace /tmp/demo [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

from ceasefire.web.users import add_user, new_token
from ceasefire.workspace import Workspace

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

FRAME = """async ([selector, action]) => {
  const el = document.querySelector(selector);
  const start = performance.now();
  if (action === 'step') { el.value = String(Number(el.value) - 1); el.dispatchEvent(new Event('input')); }
  else { el.click(); }
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - start;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from ceasefire.cli import main; main()",
                             "serve", "-w", str(root), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/api/v1/me", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("ceasefire serve did not start")
        time.sleep(0.2)


def api_floor(url: str, token: str | None) -> float:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    start = time.perf_counter()
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        client.get("/api/v1/agreements").raise_for_status()
        for path in ("/api/v1/incidents", "/api/v1/findings"):
            offset = 0
            while True:
                page = client.get(path, params={"limit": 10000, "offset": offset}).json()
                offset += page["numberReturned"]
                if not page["numberReturned"] or offset >= page["numberMatched"]:
                    break
    return time.perf_counter() - start


def page_ready(browser: object, url: str, token: str | None, total: int) -> tuple[float, object]:
    context = browser.new_context(viewport={"width": 1400, "height": 860},  # type: ignore[attr-defined]
                                  service_workers="block")
    if token:  # signed in before the page boots: the first load is the monitor's view
        context.add_init_script(f"localStorage.setItem('ceasefire.token', {token!r})")
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url + "/")
    expect(page.locator("#f-count")).to_have_text(re.compile(rf" of {total} incidents"),
                                                  timeout=180_000)
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=180_000)
    return time.perf_counter() - start, page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path("ceasefire-demo"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        shutil.copytree(args.workspace, root, ignore=shutil.ignore_patterns("reports"))
        with Workspace.open(root) as ws:
            add_user(ws.store, "bench-monitor", "monitor", None)
            token = new_token(ws.store, "bench-monitor")
            total = ws.store.count("incidents")
        proc, url = serve(root)
        rows = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                for who, tok in (("public", None), ("monitor", token)):
                    ready, floor, slider, band = [], [], [], []
                    for _ in range(args.repeat):
                        floor.append(api_floor(url, tok))
                        seconds, page = page_ready(browser, url, tok, total)
                        ready.append(seconds)
                        for _ in range(5):
                            slider.append(page.evaluate(FRAME, ["#f-day", "step"]))
                            band.append(page.evaluate(FRAME, ["#band-moderate", "click"]))
                        page.context.close()
                    rows.append((who, statistics.median(ready), statistics.median(floor),
                                 statistics.median(slider), statistics.median(band)))
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"dashboard on {total} incidents, median of {args.repeat} loads "
          f"(5 filter steps each)")
    print(f"{'view':<8} {'page ready s':>13} {'API fetch s (peer)':>19} {'ratio':>6} "
          f"{'slider step ms':>15} {'band switch ms':>15}")
    for who, ready, floor, slider, band in rows:
        print(f"{who:<8} {ready:>13.2f} {floor:>19.2f} {ready / floor:>6.1f} {slider:>15.0f} "
              f"{band:>15.0f}")


if __name__ == "__main__":
    main()
