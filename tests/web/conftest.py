"""A small monitoring operation served over the real app: users of every role, sources,
reports submitted through the API, fused incidents, a finding, an agreement, a control
snapshot and an alert per role."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

import httpx
import pytest
import shapely
from fastapi.testclient import TestClient

from ceasefire.record import ledger
from ceasefire.services.agreements import add_agreement
from ceasefire.services.fusion import fuse_workspace
from ceasefire.web.app import create_app
from ceasefire.web.users import add_user, new_token
from ceasefire.workspace import Workspace
from tests.conftest import EXAMPLES

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))

SOURCES = [
    {"source_id": "osce", "name": "Monitoring mission patrol", "kind": "monitor",
     "affiliation": "neutral", "reliability": "A", "origin_group": "osce"},
    {"source_id": "ua_gs", "name": "UA General Staff", "kind": "party",
     "affiliation": "UA", "reliability": "C", "origin_group": "ua_gs"},
    {"source_id": "ru_mod", "name": "RU Ministry of Defence", "kind": "party",
     "affiliation": "RU", "reliability": "C", "origin_group": "ru_mod"},
]


def report(report_id: str, source_id: str = "osce", **kw: Any) -> dict[str, Any]:
    body = {"report_id": report_id, "source_id": source_id,
            "observed_at": "2025-04-20T10:15:00+03:00", "lat": 48.0123, "lon": 37.8049,
            "location_uncertainty_m": 500, "category": "shelling", "perpetrator": "RU",
            "weapon_class": "artillery", "credibility": 2, "text": "explosions heard"}
    body.update(kw)
    return body


@dataclass
class World:
    ws: Workspace
    tokens: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)
    alerts: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        token = self.tokens.get(who)
        return {"Authorization": f"Bearer {token}"} if token else {}


def add_finding(ws: Workspace, finding_id: str, incident_id: str | None, party: str,
                *, probability: float = 0.8, published: int = 0) -> None:
    """A finding row as assessment writes it (derived state recorded in the ledger)."""
    ws.store.insert("findings", [{
        "finding_id": finding_id, "agreement_id": "easter-truce-2025", "agreement_version": 1,
        "provision_id": "no-fire", "incident_id": incident_id, "subject": None,
        "day": "2025-04-20", "zone_id": None, "verdict": "likely", "probability": probability,
        "attributed_party": party, "published": published,
        "rationale": json.dumps([{"factor": "real", "probability": 0.9, "reason": "fused"}]),
        "created_at": datetime.now(UTC).isoformat()}])
    ledger.record(ws.store, actor="test", action="assess",
                  note={"derived": [ledger.derived_state(
                      ws.store, "findings", {"agreement_id": "easter-truce-2025"})]})


def build_world(ws: Workspace) -> World:
    store = ws.store
    ledger.record(store, actor="test", action="sources.add",
                  rows={"sources": [dict(s) for s in SOURCES]})
    tokens = {}
    for name, role, party in (("ada", "admin", None), ("mona", "monitor", None),
                              ("ana", "analyst", None), ("lira", "liaison", "RU"),
                              ("liua", "liaison", "UA")):
        add_user(store, name, role, party)
        tokens[role if name != "liua" else "liaison_ua"] = new_token(store, name)
    world = World(ws, tokens)
    app = create_app(ws, watch=False)
    with TestClient(app) as client:
        r = client.post("/api/v1/reports/batch", headers=world.headers("monitor"), json={
            "reports": [report("p-1"), report("p-2", lat=48.5, lon=35.0, sensitive=True,
                                              category="drone_strike")]})
        assert r.status_code == 201, r.text
        r = client.post("/api/v1/reports", headers=world.headers("liaison"),
                        json=report("ru-1", "ru_mod", perpetrator="UA", lat=47.2, lon=38.1))
        assert r.status_code == 201, r.text
    fuse_workspace(ws)
    incidents = {r["incident_id"]: r for r in store.select("incidents")}
    by_lat = {round(r["lat"], 1): r["incident_id"] for r in incidents.values()}
    world.ids.update(incident=by_lat[48.0], sensitive_incident=by_lat[48.5],
                     report="ru_mod:ru-1", source="osce", finding="f-ru-1")
    add_finding(ws, "f-ru-1", world.ids["incident"], "RU", published=1)
    add_finding(ws, "f-ua-1", by_lat[47.2], "UA")
    world.ids["agreement"] = add_agreement(
        ws, EXAMPLES / "agreements" / "easter_truce_2025.yaml").agreement_id
    square = shapely.box(37.0, 47.5, 38.5, 48.5)
    ledger.record(store, actor="test", action="territory.import", rows={"control_snapshots": [
        {"snapshot_date": "2025-03-13", "side": "RU", "source": "test",
         "geometry": shapely.to_wkb(square), "area_km2": 12345.0}]})
    world.ids["fid_snapshot"] = "2025-03-13_RU_test"
    return world


@pytest.fixture
def world(workspace: Workspace) -> World:
    return build_world(workspace)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.ws, poll_s=0.2)) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving the app on a loopback port in a background thread."""

    def __init__(self, ws: Workspace, **kw: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(ws, **kw), host="127.0.0.1",
                                                    port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


class ServeProcess:
    """``ceasefire serve`` in a child process on a loopback port (for clients such as GDAL
    that hold the GIL while they wait on the network, which would stall an in-process
    server thread)."""

    def __init__(self, ws: Workspace) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [sys.executable, "-c", "from ceasefire.cli import main; main()", "serve",
                     "-w", str(ws.root), "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        # GDAL must give up rather than wait forever if the server stalls
        import pyogrio

        pyogrio.set_gdal_config_options({"GDAL_HTTP_TIMEOUT": "60", "GDAL_HTTP_MAX_RETRY": "2"})
        # a file, not a pipe: uvicorn logs every request, and an unread pipe fills up and
        # blocks the server mid-response (GDAL then waits forever)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=self.log)
        # a loaded machine (CI, shared benches) can take longer to import and start
        deadline = time.monotonic() + float(os.environ.get("CEASEFIRE_TEST_SERVE_START_S", "30"))
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"ceasefire serve exited: {self.log.read()!r}")
            try:
                if httpx.get(f"{self.url}/ogc", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("ceasefire serve did not answer in time (CEASEFIRE_TEST_SERVE_START_S)")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.log.close()
