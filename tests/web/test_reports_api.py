"""Report submission (single, batch, idempotency keys), error bodies, and the must-show:
a monitor's report reaches /ogc/collections/incidents/items after fusion, and the public
gets that incident without the reporter."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ceasefire.services.fusion import fuse_workspace
from tests.web.conftest import World, add_finding, report


def test_monitor_report_reaches_ogc_incidents_without_reporter(world: World,
                                                               client: TestClient) -> None:
    body = report("field-77", lat=47.8391, lon=35.1402, category="mlrs",
                  text="Grad salvo seen by patrol Z-77", observed_at="2025-04-20T06:00:00Z")
    r = client.post("/api/v1/reports", headers=world.headers("monitor"), json=body)
    assert r.status_code == 201, r.text
    assert r.json()["reports"] == [{"id": "osce:field-77", "status": "added"}]
    before = client.get("/ogc/collections/incidents/items", params={"limit": 1000}).json()
    fuse_workspace(world.ws)
    after = client.get("/ogc/collections/incidents/items", params={"limit": 1000})
    assert after.status_code == 200
    assert after.headers["content-type"].startswith("application/geo+json")
    features = after.json()["features"]
    assert len(features) == len(before["features"]) + 1
    mine = [f for f in features if f["geometry"]["coordinates"] == [35.1402, 47.8391]]
    assert len(mine) == 1 and mine[0]["properties"]["category"] == "mlrs"
    text = after.text
    for secret in ("field-77", "osce", "Z-77", "report_ids", "api:mona", "breakdown"):
        assert secret not in text
    # the monitor sees who reported it
    full = client.get(f"/ogc/collections/incidents/items/{mine[0]['id']}",
                      headers=world.headers("monitor")).json()
    assert full["properties"]["report_ids"] == "osce:field-77"


def test_idempotency_key_same_body_replays_and_other_body_conflicts(world: World,
                                                                    client: TestClient) -> None:
    headers = {**world.headers("monitor"), "Idempotency-Key": "k-1"}
    batch = {"reports": [report("i-1"), report("i-2", lat=48.1)]}
    first = client.post("/api/v1/reports/batch", headers=headers, json=batch)
    assert first.status_code == 201 and first.json()["added"] == 2
    count = world.ws.store.count("reports")
    seq = world.ws.store.count("ledger")
    again = client.post("/api/v1/reports/batch", headers=headers, json=batch)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert world.ws.store.count("reports") == count
    assert world.ws.store.count("ledger") == seq
    other = client.post("/api/v1/reports/batch", headers=headers,
                        json={"reports": [report("i-3")]})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "conflict"
    # keys are per user: another user's k-1 is a new request
    r = client.post("/api/v1/reports/batch",
                    headers={**world.headers("admin"), "Idempotency-Key": "k-1"},
                    json={"reports": [report("i-3")]})
    assert r.status_code == 201


def test_resubmission_without_key_is_a_duplicate_not_a_second_row(world: World,
                                                                  client: TestClient) -> None:
    h = world.headers("monitor")
    assert client.post("/api/v1/reports", headers=h, json=report("d-1")).status_code == 201
    r = client.post("/api/v1/reports", headers=h, json=report("d-1"))
    assert r.status_code == 200
    assert r.json()["duplicates"] == 1 and r.json()["added"] == 0


def test_bad_batch_is_rejected_whole_with_fields_named(world: World, client: TestClient) -> None:
    count = world.ws.store.count("reports")
    r = client.post("/api/v1/reports/batch", headers=world.headers("monitor"), json={
        "reports": [report("ok-1"), report("bad-1", observed_at="2025-04-20 10:00"),
                    report("bad-2", category="artillery_duel")]})
    assert r.status_code == 422
    error = r.json()["error"]
    assert set(r.json()) == {"error"}
    assert error["code"] == "input_error"
    assert error["field"] == "reports[1].observed_at"
    assert "reports[2].category" in error["message"]
    assert world.ws.store.count("reports") == count


def test_schema_errors_and_bad_parameters_share_the_error_shape(world: World,
                                                                client: TestClient) -> None:
    r = client.post("/api/v1/reports", headers=world.headers("monitor"),
                    json={"report_id": "x", "unexpected": 1})
    assert r.status_code == 422 and r.json()["error"]["code"] == "input_error"
    r = client.get("/api/v1/incidents", params={"bbox": "1,2,3"})
    assert r.status_code == 400
    assert r.json() == {"error": {"code": "bad_request", "field": "bbox",
                                  "message": r.json()["error"]["message"]}}
    r = client.get("/api/v1/incidents/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and set(r.json()["error"]) == {"code", "message"}


def test_filters_and_pages(world: World, client: TestClient) -> None:
    h = world.headers("analyst")
    everything = client.get("/api/v1/incidents", headers=h).json()
    assert everything["numberMatched"] == 3
    page = client.get("/api/v1/incidents", headers=h, params={"limit": 2}).json()
    assert page["numberReturned"] == 2
    assert [link["rel"] for link in page["links"]] == ["self", "next"]
    rest = client.get(page["links"][1]["href"], headers=h).json()
    assert rest["numberReturned"] == 1
    assert "prev" in [link["rel"] for link in rest["links"]]
    ids = {i["incident_id"] for i in page["items"] + rest["items"]}
    assert ids == {i["incident_id"] for i in everything["items"]}
    east = client.get("/api/v1/incidents", headers=h,
                      params={"bbox": "37.5,47.9,38.0,48.1"}).json()
    assert [i["incident_id"] for i in east["items"]] == [world.ids["incident"]]
    drones = client.get("/api/v1/incidents", headers=h, params={"category": "drone_strike"})
    assert drones.json()["numberMatched"] == 1
    none = client.get("/api/v1/incidents", headers=h, params={"datetime": "../2025-04-19"})
    assert none.json()["numberMatched"] == 0
    day = client.get("/api/v1/incidents", headers=h, params={"datetime": "2025-04-20"})
    assert day.json()["numberMatched"] == 3
    sure = client.get("/api/v1/incidents", headers=h, params={"min_confidence": 0.99})
    assert sure.json()["numberMatched"] == 0
    reports = client.get("/api/v1/reports", headers=h, params={"party": "UA"}).json()
    assert [r["id"] for r in reports["items"]] == ["ru_mod:ru-1"]


def test_sensitive_location_blurred_for_public_only(world: World, client: TestClient) -> None:
    iid = world.ids["sensitive_incident"]
    public = client.get(f"/api/v1/incidents/{iid}").json()
    assert (public["lat"], public["lon"]) == (48.55, 35.05)
    assert public["location_uncertainty_m"] >= 8000 and public["location_blurred"]
    inner = client.get(f"/api/v1/incidents/{iid}", headers=world.headers("analyst")).json()
    assert (inner["lat"], inner["lon"]) == (48.5, 35.0)
    # a public bbox around the true point but outside the blurred one does not find it
    r = client.get("/api/v1/incidents", params={"bbox": "34.99,48.49,35.01,48.51"}).json()
    assert iid not in {i["incident_id"] for i in r["items"]}
    r = client.get("/api/v1/incidents", params={"bbox": "35.04,48.54,35.06,48.56"}).json()
    assert iid in {i["incident_id"] for i in r["items"]}
    add_finding(world.ws, "f-hidden-place", iid, "RU", published=1)
    for box, found in (("34.99,48.49,35.01,48.51", False), ("35.04,48.54,35.06,48.56", True)):
        r = client.get("/api/v1/findings", params={"bbox": box}).json()
        assert ("f-hidden-place" in {f["finding_id"] for f in r["items"]}) is found
    shown = client.get("/api/v1/findings/f-hidden-place").json()
    assert (shown["lat"], shown["lon"]) == (48.55, 35.05)


def test_review_reply_publish_through_the_ledger(world: World, client: TestClient) -> None:
    fid = "f-ua-1"
    r = client.post(f"/api/v1/findings/{fid}/review", headers=world.headers("analyst"),
                    json={"action": "confirm", "note": "two sources agree"})
    assert r.status_code == 201 and r.json()["ledger_seq"]
    r = client.post(f"/api/v1/findings/{fid}/reply", headers=world.headers("liaison_ua"),
                    json={"note": "our unit was not there"})
    assert r.status_code == 201
    assert client.get(f"/api/v1/findings/{fid}").status_code == 404
    r = client.post(f"/api/v1/findings/{fid}/publish", headers=world.headers("analyst"))
    assert r.status_code == 201
    public = client.get(f"/api/v1/findings/{fid}").json()
    assert public["published"] and public["review_state"] == "confirmed"
    assert public["replies"] == 1
    trail = client.get(f"/api/v1/findings/{fid}/events", headers=world.headers("monitor"))
    assert [e["action"] for e in trail.json()] == ["confirm", "reply", "publish"]
    from ceasefire.record import ledger

    ledger.verify(world.ws.store)


def test_claims_check_gives_a_verdict_per_claim(world: World, client: TestClient) -> None:
    from ceasefire.formats.claims import loads_claims
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "claims" / "march_2025_claims.yaml").read_text(encoding="utf-8")
    r = client.post("/api/v1/claims/check", json={"document": text})
    assert r.status_code == 200, r.text
    verdicts = r.json()
    assert [v["claim_id"] for v in verdicts] == [c.claim_id for c in loads_claims(text)]
    assert all(v["verdict"] and v["reason"] for v in verdicts)
    bad = client.post("/api/v1/claims/check", json={"document": "claims: [{id: 1}]"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "input_error"
