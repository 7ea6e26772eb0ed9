"""Rerun the outside review's reproductions of issue 18 items 1 and 2 and print the outcome.

Not a test (pytest does not collect it): a script whose output is recorded in
docs/security.md. It builds the small operation of tests/web (a monitor's sensitive drone
strike among others, findings for both parties, the Easter truce) in a temporary folder and
talks to the real app in process, so nothing touches the network::

    PYTHONPATH=src python -m tests.security.repro_web_review

Item 1: an anonymous grid search with ``claims/check`` ``incident_at`` probes, shrinking
around whatever answers ``supported``, the way the review located a sensitive incident to
13 m. Item 2: a UA liaison's alert on every finding, then ``fuse`` and ``assess``, then its
Atom feed, compared with what ``GET /api/v1/findings/{id}`` lets the same liaison read.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient

from ceasefire.services.assess import assess
from ceasefire.services.fusion import fuse_workspace
from ceasefire.web import alerts
from ceasefire.web.app import create_app
from ceasefire.workspace import Workspace
from tests.web.conftest import World, build_world, report

ATOM = "{http://www.w3.org/2005/Atom}"
KM_PER_DEG = 111.195


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[0] - b[0]) * KM_PER_DEG
    dx = (a[1] - b[1]) * KM_PER_DEG * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dx, dy)


def probe(client: TestClient, points: list[tuple[float, float]], radius_km: float,
          ) -> list[bool]:
    """One request with one ``incident_at`` claim per point; which were ``supported``."""
    claims = "".join(
        f"  - claim_id: p{i}\n    claimant: x\n    claimant_side: UA\n    date: 2025-04-20\n"
        f"    statement: {{text: x}}\n    proposition: {{type: incident_at, lat: {lat}, "
        f"lon: {lon}, radius_km: {radius_km}, category: drone_strike, "
        f"start: '2025-04-20T00:00:00+03:00', end: '2025-04-21T00:00:00+03:00'}}\n"
        for i, (lat, lon) in enumerate(points))
    r = client.post("/api/v1/claims/check", json={"document": "claims:\n" + claims})
    r.raise_for_status()
    return [v["verdict"] == "supported" for v in r.json()]


def grid_search(client: TestClient, world: World) -> dict[str, object]:
    """Shrink a 9 x 9 grid around the supported points, radius / 3 each round."""
    true = next(iter(world.ws.store.select(
        "incidents", {"incident_id": world.ids["sensitive_incident"]})))
    target = (true["lat"], true["lon"])
    public = client.get(f"/api/v1/incidents/{world.ids['sensitive_incident']}").json()
    centre, half, radius = (public["lat"], public["lon"]), 0.12, 10.0
    probes = requests = 0
    while radius >= 0.1:
        points = [(centre[0] - half + 2 * half * i / 8, centre[1] - half + 2 * half * j / 8)
                  for i in range(9) for j in range(9)]
        hits = [p for p, ok in zip(points, probe(client, points, radius), strict=True) if ok]
        probes, requests = probes + len(points), requests + 1
        if not hits:
            break
        centre = (sum(p[0] for p in hits) / len(hits), sum(p[1] for p in hits) / len(hits))
        half, radius = half / 3, radius / 3
    return {"probes": probes, "requests": requests, "last_radius_km": round(radius * 3, 3),
            "estimate_to_true_m": round(km(centre, target) * 1000),
            "public_place_to_true_m": round(km((public["lat"], public["lon"]), target) * 1000),
            "estimate_to_public_place_m": round(km(centre, (public["lat"], public["lon"]))
                                                * 1000)}


def liaison_alert(client: TestClient, world: World) -> dict[str, object]:
    ua = world.headers("liaison_ua")
    r = client.post("/api/v1/alerts", headers=ua,
                    json={"name": "all findings", "filter": {"kinds": ["finding"]}})
    r.raise_for_status()
    alert_id = r.json()["alert_id"]
    # more reports of RU fire inside the truce, then fuse and assess as the review did
    r = client.post("/api/v1/reports/batch", headers=world.headers("monitor"), json={
        "reports": [report(f"r2-{i}", observed_at="2025-04-19T21:30:00+03:00",
                           lat=48.2 + i / 100, lon=37.6, text="shelling of the village")
                    for i in range(3)]})
    r.raise_for_status()
    fuse_workspace(world.ws)
    assess(world.ws, "easter-truce-2025")
    alerts.scan(world.ws, deliver=lambda a, m: None)
    feed = client.get(f"/api/v1/alerts/{alert_id}/atom", headers=ua)
    feed.raise_for_status()
    items = [json.loads(e.findtext(f"{ATOM}content") or "{}")
             for e in ET.fromstring(feed.content).iter(f"{ATOM}entry")]
    foreign = [i for i in items if i.get("attributed_party") != "UA"
               and not i.get("published")]
    hidden = [i["finding_id"] for i in foreign if client.get(
        f"/api/v1/findings/{i['finding_id']}", headers=ua).status_code == 404]
    all_findings = world.ws.store.count("findings")
    unpublished_other = sum(1 for f in world.ws.store.select("findings")
                            if f["attributed_party"] != "UA" and not f["published"])
    return {"findings_after_assess": all_findings,
            "unpublished_not_ua_in_store": unpublished_other,
            "feed_entries": len(items), "unpublished_not_ua_in_feed": len(foreign),
            "of_which_404_to_the_liaison": len(hidden)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        try:
            world = build_world(ws)
            with TestClient(create_app(ws, watch=False)) as client:
                print("item 1 (claims/check grid search):", json.dumps(grid_search(client,
                                                                                  world)))
                print("item 2 (UA liaison alert):", json.dumps(liaison_alert(client, world)))
        finally:
            ws.close()


if __name__ == "__main__":
    main()
