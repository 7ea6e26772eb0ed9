"""Walk EVERY endpoint × role against the declared matrix (ceasefire.web.access)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ceasefire.web.access import ENDPOINTS, ROLES, Endpoint, render_markdown
from tests.conftest import EXAMPLES, REPO_ROOT
from tests.web.conftest import PNG, World, report

CLAIMS = (EXAMPLES / "claims" / "march_2025_claims.yaml").read_text(encoding="utf-8")

# A liaison in the matrix walk is the RU liaison: it submitted ru_mod:ru-1 and the
# published finding f-ru-1 is attributed to RU, so its "limited" cells have something to show.


def _path(e: Endpoint, world: World, role: str) -> str:
    values = {"source_id": world.ids["source"], "report_gid": world.ids["report"],
              "incident_id": world.ids["incident"], "finding_id": world.ids["finding"],
              "agreement_id": world.ids["agreement"], "alert_id": world.alerts.get(role, "none"),
              "sha256": world.ids["sha256"]}
    path = e.path
    if "/collections/" in path and "{fid}" in path:
        cid = path.split("/")[3]
        values["fid"] = {"incidents": world.ids["incident"], "findings": world.ids["finding"],
                         "reports": world.ids["report"],
                         "control_snapshots": world.ids["fid_snapshot"]}[cid]
    return path.format(**values)


def _call(client: TestClient, e: Endpoint, world: World, role: str) -> Any:
    path = _path(e, world, role)
    headers = world.headers(role)
    source = "ru_mod" if role == "liaison" else "osce"
    if e.name == "reports.submit":
        return client.post(path, headers=headers, json=report(f"m-{role}", source))
    if e.name == "reports.batch":
        return client.post(path, headers=headers, json={"reports": [report(f"b-{role}", source)]})
    if e.name == "sources.add":
        return client.post(path, headers=headers, json={
            "source_id": f"s-{role}", "name": "new", "kind": "news"})
    if e.name == "evidence.upload":
        return client.post(path, headers=headers, files={"file": ("p.png", PNG, "image/png")})
    if e.name == "findings.review":
        return client.post(path, headers=headers, json={"action": "dispute", "note": "why"})
    if e.name in ("findings.reply", "findings.publish"):
        return client.post(path, headers=headers, json={"note": "our answer"})
    if e.name == "claims.check":
        return client.post(path, headers=headers, json={"document": CLAIMS})
    if e.name == "alerts.create":
        return client.post(path, headers=headers, json={"name": "a", "filter": {}})
    if e.name == "alerts.delete":  # each role deletes its own alert (after its other uses)
        return client.delete(path, headers=headers)
    if e.name == "territory.control":
        return client.get(path, headers=headers, params={"date": "2025-04-01"})
    if e.name == "events.stream":
        return client.get(path, headers=headers, params={"timeout_s": 0.05})
    assert e.method == "GET", e.name
    return client.get(path, headers=headers)


@pytest.fixture
def prepared(world: World, client: TestClient) -> World:
    """Per role: an alert of its own; one evidence file on the liaison's report."""
    for role in ROLES:
        if role == "public":
            continue
        r = client.post("/api/v1/alerts", headers=world.headers(role),
                        json={"name": f"{role} alert", "filter": {"parties": ["RU"]}})
        assert r.status_code == 201, r.text
        world.alerts[role] = r.json()["alert_id"]
    r = client.post(f"/api/v1/reports/{world.ids['report']}/evidence",
                    headers=world.headers("liaison"), files={"file": ("a.png", PNG, "image/png")})
    assert r.status_code == 201, r.text
    world.ids["sha256"] = r.json()["sha256"]
    return world


def test_every_endpoint_times_every_role(prepared: World, client: TestClient) -> None:
    checked = 0
    failures = []
    for e in ENDPOINTS:
        for role in ROLES:
            response = _call(client, e, prepared, role)
            status = response.status_code
            if e.allows(role):
                ok = status < 400
            else:
                ok = status == (401 if role == "public" else 403)
                # /ogc answers in OGC's exception shape (web/ogc_http.py)
                shape = {"code", "description"} if e.path.startswith("/ogc") else {"error"}
                ok = ok and set(response.json()) == shape
            if not ok:
                failures.append(f"{e.name} {role}: {e.cell(role)} but {status} "
                                f"{response.text[:200]}")
            checked += 1
    assert not failures, "\n".join(failures)
    assert checked == len(ENDPOINTS) * len(ROLES)


def test_matrix_covers_every_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    routed = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    routed |= {("GET", "/docs"), ("GET", "/openapi.json")}
    declared = {(e.method, e.path) for e in ENDPOINTS}
    assert routed == declared
    assert len({e.name for e in ENDPOINTS}) == len(ENDPOINTS)


def test_liaison_limits_are_row_level(prepared: World, client: TestClient) -> None:
    ua = prepared.headers("liaison_ua")
    # the UA liaison may not reply to a finding about RU, nor read RU's submissions
    r = client.post(f"/api/v1/findings/{prepared.ids['finding']}/reply", headers=ua,
                    json={"note": "not ours"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert client.get(f"/api/v1/reports/{prepared.ids['report']}", headers=ua).status_code == 404
    assert client.get(f"/api/v1/evidence/{prepared.ids['sha256']}", headers=ua).status_code == 404
    # nor submit as a source of the other party
    r = client.post("/api/v1/reports", headers=ua, json=report("x-1", "ru_mod"))
    assert r.status_code == 403
    # it sees the RU finding only because it is published; the unpublished UA finding is its own
    seen = {f["finding_id"] for f in client.get("/api/v1/findings", headers=ua).json()["items"]}
    assert seen == {"f-ru-1", "f-ua-1"}
    public = {f["finding_id"] for f in client.get("/api/v1/findings").json()["items"]}
    assert public == {"f-ru-1"}
    assert client.get("/api/v1/findings/f-ua-1").status_code == 404


def test_access_doc_matches_matrix() -> None:
    doc = REPO_ROOT / "docs" / "access.md"
    assert doc.read_text(encoding="utf-8") == render_markdown(), (
        "docs/access.md is stale: run python -m ceasefire.web.access")


def test_bad_token_is_401_not_public(client: TestClient) -> None:
    r = client.get("/api/v1/incidents", headers={"Authorization": "Bearer cf_wrong"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert r.headers["www-authenticate"] == "Bearer"


def test_tokens_are_stored_hashed(world: World) -> None:
    stored = {r["token_hash"] for r in world.ws.store.select("tokens")}
    assert stored and not (set(world.tokens.values()) & stored)
    assert all(len(h) == 64 for h in stored)




def test_each_route_is_gated_by_its_own_row() -> None:
    """A route guarded by another endpoint's row would pass the walk above whenever the two
    rows agree; check the wiring itself: route (method, path) -> gate name -> same row."""
    from fastapi.routing import APIRoute

    from ceasefire.web import ogc, sse
    from ceasefire.web.access import BY_NAME
    from ceasefire.web.routes import (
        agreements,
        alerts,
        claims,
        evidence,
        findings,
        incidents,
        reports,
        sources,
    )

    def gates(dependant) -> list[str]:  # type: ignore[no-untyped-def]
        found = []
        for dep in dependant.dependencies:
            name = getattr(dep.call, "__name__", "")
            if name.startswith("gate_"):
                found.append(name)
            found += gates(dep)
        return found

    seen = 0
    for module in (sources, reports, evidence, incidents, findings, agreements, claims, alerts,
                   sse, ogc):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            names = gates(route.dependant)
            assert len(names) == 1, route.path
            row = next(e for e in BY_NAME.values()
                       if names[0] == "gate_" + e.name.replace(".", "_"))
            assert (row.method, row.path) == (next(iter(route.methods)), route.path)
            seen += 1
    assert seen == len(BY_NAME) - 3  # /api/v1/me lives on the app; /docs, /openapi.json
