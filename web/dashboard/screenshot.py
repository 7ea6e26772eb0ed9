"""Screenshot of the dashboard's map for the README (docs/images/dashboard.png).

Serves a workspace (default: the demo's, made by ``ceasefire demo``) with ``ceasefire
serve`` on a loopback port, opens it in Debian's headless chromium through Playwright in the
public view (no token: nothing is written to the workspace), picks an agreement and a day,
and saves the page. Fails if the page asked any host but its own for anything.

    .venv/bin/ceasefire demo
    .venv/bin/python web/dashboard/screenshot.py --workspace ceasefire-demo \\
        --agreement energy-moratorium-2025 --day 2025-04-17 -o docs/images/dashboard.png
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import expect, sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", default="ceasefire-demo")
    parser.add_argument("--agreement", default="energy-moratorium-2025")
    parser.add_argument("--day", default="2025-04-17")
    parser.add_argument("--span", default="agreement", choices=["all", "agreement", "week", "day"])
    parser.add_argument("--at", default="", help="lon,lat,zoom to open the map at")
    parser.add_argument("-o", "--output", type=Path, default=Path("docs/images/dashboard.png"))
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-c", "from ceasefire.cli import main; main()",
                               "serve", "-w", args.workspace, "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise SystemExit(f"ceasefire serve exited with {server.returncode}")
            try:
                if httpx.get(f"{url}/api/v1/me", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("ceasefire serve did not answer within 120 s")
            time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url + "/" + (f"?at={args.at}" if args.at else ""))
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=120_000)
            page.select_option("#f-agreement", args.agreement)
            page.select_option("#f-span", args.span)
            shown = date.fromisoformat(page.text_content("#f-day-label") or "")
            offset = (date.fromisoformat(args.day) - shown).days
            page.evaluate("(n) => { const s = document.querySelector('#f-day');"
                          " s.value = String(Number(s.value) + n);"
                          " s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')) }",
                          offset)
            expect(page.locator("#f-day-label")).to_have_text(args.day)
            page.wait_for_timeout(5000)  # the control map, line and change for that day
            page.evaluate("document.activeElement && document.activeElement.blur()")
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output))
            browser.close()
        foreign = {u for u in requests if urlsplit(u).netloc not in ("", f"127.0.0.1:{port}")}
        if foreign:
            raise SystemExit(f"the page asked other hosts: {sorted(foreign)}")
        print(f"wrote {args.output} ({len(requests)} requests, all to {url})")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
