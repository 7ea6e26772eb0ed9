"""Issue 18 item 1: ``claims/check`` measures only what the caller may see.

The outside review found a sensitive incident (public at ±8 km) to within 13 m in 351
anonymous ``incident_at`` checks with ``radius_km: 0.1``: ``supported`` at the true point,
``not_verifiable`` at the blurred centre. The public must measure the public data: the
blurred place, the published findings."""

from __future__ import annotations

import math
from typing import Any

from fastapi.testclient import TestClient

from ceasefire.web.views import blur
from tests.security.web_world import client_fixture, world_fixture  # noqa: F401
from tests.web.conftest import World

WINDOW = {"start": "2025-04-20T00:00:00+03:00", "end": "2025-04-21T00:00:00+03:00"}


def incident_claim(claim_id: str, lat: float, lon: float, radius_km: float = 0.1,
                   category: str = "drone_strike") -> str:
    return (f"  - claim_id: {claim_id}\n    claimant: a party\n    claimant_side: UA\n"
            f"    date: 2025-04-20\n    statement: {{text: strike at the place}}\n"
            f"    proposition: {{type: incident_at, lat: {lat}, lon: {lon}, "
            f"radius_km: {radius_km}, category: {category}, start: '{WINDOW['start']}', "
            f"end: '{WINDOW['end']}'}}\n")


def check(client: TestClient, claims: list[str], headers: dict[str, str] | None = None,
          ) -> dict[str, dict[str, Any]]:
    r = client.post("/api/v1/claims/check", json={"document": "claims:\n" + "".join(claims)},
                    headers=headers or {})
    assert r.status_code == 200, r.text
    return {v["claim_id"]: v for v in r.json()}


def sensitive_place(world: World) -> tuple[float, float]:
    row = next(iter(world.ws.store.select(
        "incidents", {"incident_id": world.ids["sensitive_incident"]})))
    return row["lat"], row["lon"]


def test_the_public_cannot_confirm_the_true_place_of_a_sensitive_incident(
        world: World, client: TestClient) -> None:
    lat, lon = sensitive_place(world)
    blat, blon = blur(lat, lon)
    claims = [incident_claim("at-true", lat, lon), incident_claim("at-blurred", blat, blon)]
    public = check(client, claims)
    assert public["at-true"]["verdict"] != "supported"
    assert public["at-blurred"]["verdict"] == "supported"  # what the public map shows anyway
    monitor = check(client, claims, world.headers("monitor"))
    assert monitor["at-true"]["verdict"] == "supported"  # the full view is unchanged


def test_a_grid_search_finds_no_more_than_the_blurred_centre(world: World,
                                                             client: TestClient) -> None:
    """A 21 x 21 sweep of the incident's 0.1° cell and its neighbours, 1 km radius."""
    lat, lon = sensitive_place(world)
    blat, blon = blur(lat, lon)
    points = {f"p{i}-{j}": (blat - 0.15 + i * 0.015, blon - 0.15 + j * 0.015)
              for i in range(21) for j in range(21)}
    verdicts = check(client, [incident_claim(k, *p, radius_km=1.0) for k, p in points.items()])
    supported = [points[k] for k, v in verdicts.items() if v["verdict"] == "supported"]
    assert supported  # the sweep does reach the public place
    for plat, plon in supported:
        assert _km(plat, plon, blat, blon) <= 1.0 + 1e-6  # only around the public place


def test_the_public_counts_only_published_findings(world: World, client: TestClient) -> None:
    """``violation_count`` on an assessed truce counts findings: the unpublished one against
    UA (``f-ua-1``) is counted for an analyst and not for the public."""
    claim = ("  - claim_id: ua-fired\n    claimant: RU MoD\n    claimant_side: RU\n"
             "    date: 2025-04-20\n    statement: {text: UA fired}\n"
             "    proposition: {type: violation_count, accused: UA, truce: easter_truce, "
             "claimed: 5, start: '2025-04-19T00:00:00+03:00', "
             "end: '2025-04-22T00:00:00+03:00'}\n")
    public = check(client, [claim])["ua-fired"]
    analyst = check(client, [claim], world.headers("analyst"))["ua-fired"]
    assert _count(analyst) == 1
    assert _count(public) == 0
    liaison_ua = check(client, [claim], world.headers("liaison_ua"))["ua-fired"]
    assert _count(liaison_ua) == 1  # findings attributed to its own party


def _count(verdict: dict[str, Any]) -> int:
    return int(verdict["measured"])


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(a))
