"""Alerts: saved filters that notify by a signed webhook and an Atom feed.

An alert's filter names an area (``bbox`` and/or a GeoJSON ``polygon``), ``categories``,
``parties`` (attributed party), ``provisions`` (provision ids: such alerts match findings
only), ``min_confidence`` (incident confidence or finding probability) and ``kinds``
(``incident``, ``finding``). :func:`scan` compares every active alert with the stored
incidents and findings; a match not seen before becomes an ``alert_matches`` row, an Atom
entry and a webhook delivery. Items that already matched when the alert was saved are
recorded silently (``notified = 0``): an alert reports what is *new*.

Webhooks: ``POST`` of a JSON body signed with HMAC-SHA256 under the alert's secret, sent
in ``X-Ceasefire-Signature: sha256=<hex>`` (the receiver recomputes it over the raw body).
A delivery that fails (connection error or non-2xx) is retried with exponential backoff
(``BACKOFF_S * 2**k``) up to ``MAX_ATTEMPTS``, per alert (:mod:`ceasefire.web.webhooks`);
every attempt is a row in ``alert_deliveries``. Internal targets are refused unless the
admin allows them (``[web] allow_private_webhooks``). No web framework imports: the server's watcher thread and tests call
this directly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import shapely
from shapely.geometry import shape

from ceasefire.errors import InputError, NotFound
from ceasefire.record import ledger
from ceasefire.store.base import Store
from ceasefire.store.conditions import Between, Ge, In
from ceasefire.web.users import Principal, get_user
from ceasefire.web.views import (
    BLUR_DEG,
    blur,
    finding_views,
    incident_views,
    sensitive_incidents,
    visible_finding_ids,
)
from ceasefire.web.webhooks import BACKOFF_S, MAX_ATTEMPTS, check_target
from ceasefire.workspace import Workspace

TIMEOUT_S = 5.0
KINDS = ("incident", "finding")
SIGNATURE_HEADER = "X-Ceasefire-Signature"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def sign(secret: str, body: bytes) -> str:
    """The signature header value of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def check_filter(flt: dict[str, Any]) -> dict[str, Any]:
    """Normalise a filter; raise InputError naming the bad field."""
    out = dict(flt)
    if out.get("polygon") is not None:
        try:
            geom = shape(out["polygon"])
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise InputError(f"not a GeoJSON geometry: {exc}", field="filter.polygon") from exc
        if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError("polygon must be a Polygon or MultiPolygon",
                             field="filter.polygon")
    kinds = out.get("kinds") or list(KINDS)
    if any(k not in KINDS for k in kinds):
        raise InputError(f"kinds are {', '.join(KINDS)}", field="filter.kinds")
    out["kinds"] = kinds
    return out


def create_alert(store: Store, owner: str, name: str, flt: dict[str, Any],
                 webhook_url: str | None, *, allow_private: bool = False) -> dict[str, Any]:
    """Save an alert; return it with its webhook secret (shown only here).

    ``allow_private``: the admin setting ``[web] allow_private_webhooks`` (internal webhook
    targets are refused without it: :func:`ceasefire.web.webhooks.check_target`).
    """
    if webhook_url is not None:
        check_target(webhook_url, allow_private=allow_private)
    alert = {"alert_id": "al_" + secrets.token_hex(8), "name": name, "owner": owner,
             "filter": json.dumps(check_filter(flt), sort_keys=True),
             "webhook_url": webhook_url, "secret": secrets.token_hex(32),
             "created_at": _now(), "active": 1}
    with store.transaction():
        store.insert("alerts", [alert])
        ledger.record_state(store, actor=owner, action="alerts.create", tables=["alerts"],
                            note={"alert_id": alert["alert_id"]})
        for kind, item_id, _ in matching(store, alert, get_user(store, owner)):
            store.insert("alert_matches", [{"alert_id": alert["alert_id"], "kind": kind,
                                            "item_id": item_id, "matched_at": alert["created_at"],
                                            "payload": "{}", "notified": 0}])
    return public_alert(alert, with_secret=True)


def public_alert(row: dict[str, Any], *, with_secret: bool = False) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "secret"}
    out["filter"] = json.loads(row["filter"])
    out["active"] = bool(row["active"])
    if with_secret:
        out["secret"] = row["secret"]
    return out


def get_alert(store: Store, alert_id: str) -> dict[str, Any]:
    for row in store.select("alerts", {"alert_id": alert_id}):
        return row
    raise NotFound(f"no alert {alert_id!r}")


def matching(store: Store, alert: dict[str, Any], owner: Principal,
             ) -> list[tuple[str, str, dict[str, Any]]]:
    """``(kind, item_id, row)`` for every stored incident/finding the alert's filter matches,
    among those its ``owner`` may see, placed where the owner sees them (a public view
    blurs sensitive places): an alert never tells its owner more than the API would."""
    flt = json.loads(alert["filter"])
    polygon = shape(flt["polygon"]) if flt.get("polygon") else None
    bbox = flt.get("bbox")
    if polygon is not None:
        pb = polygon.bounds
        bbox = [max(bbox[0], pb[0]), max(bbox[1], pb[1]), min(bbox[2], pb[2]),
                min(bbox[3], pb[3])] if bbox else list(pb)
    # a public owner sees sensitive incidents at their blurred cell centre: widen the SQL box
    # by a cell, then test the places it is shown
    sensitive = sensitive_incidents(store) if owner.is_public else set()
    pad = BLUR_DEG if sensitive else 0.0
    where: dict[str, Any] = {}
    if bbox:
        where["lon"] = Between(bbox[0] - pad, bbox[2] + pad)
        where["lat"] = Between(bbox[1] - pad, bbox[3] + pad)
    if flt.get("categories"):
        where["category"] = In(flt["categories"])
    spatial = bool(where)
    incidents = {r["incident_id"]: r for r in store.select("incidents", where or None)}
    if sensitive:
        for iid in sensitive & incidents.keys():
            lat, lon = blur(incidents[iid]["lat"], incidents[iid]["lon"])
            incidents[iid] = {**incidents[iid], "lat": lat, "lon": lon}
        if bbox:
            incidents = {k: r for k, r in incidents.items()
                         if bbox[1] <= r["lat"] <= bbox[3] and bbox[0] <= r["lon"] <= bbox[2]}
    if polygon is not None:
        shapely.prepare(polygon)
        incidents = {k: r for k, r in incidents.items()
                     if polygon.intersects(shapely.Point(r["lon"], r["lat"]))}
    out: list[tuple[str, str, dict[str, Any]]] = []
    parties, minimum = flt.get("parties"), flt.get("min_confidence")
    if "incident" in flt["kinds"] and not flt.get("provisions"):
        for iid, row in incidents.items():
            if parties and row.get("attributed_party") not in parties:
                continue
            if minimum is not None and row["confidence"] < minimum:
                continue
            out.append(("incident", iid, row))
    if "finding" in flt["kinds"]:
        fwhere: dict[str, Any] = {}
        if parties:
            fwhere["attributed_party"] = In(parties)
        if minimum is not None:
            fwhere["probability"] = Ge(minimum)
        if flt.get("provisions"):
            fwhere["provision_id"] = In(flt["provisions"])
        visible = visible_finding_ids(store, owner)
        for row in store.select("findings", fwhere or None):
            if spatial and row.get("incident_id") not in incidents:
                continue
            if visible is not None and row["finding_id"] not in visible:
                continue  # unpublished, and not about the owner's party
            out.append(("finding", row["finding_id"], row))
    return out


def scan(ws: Workspace, deliver: Callable[[dict[str, Any], dict[str, Any]], None] | None = None,
         ) -> list[dict[str, Any]]:
    """Record new matches of every active alert and hand each to ``deliver`` (or send now).

    Returns the new ``alert_matches`` rows. Safe to call repeatedly: a match is new once.
    """
    store = ws.store
    new: list[dict[str, Any]] = []
    for alert in list(store.select("alerts", {"active": 1})):
        try:
            owner = get_user(store, alert["owner"])
        except NotFound:  # its owner was removed: nobody to tell
            continue
        known = {(r["kind"], r["item_id"]) for r in store.select(
            "alert_matches", {"alert_id": alert["alert_id"]}, columns=["kind", "item_id"])}
        fresh = [(k, i, r) for k, i, r in matching(store, alert, owner) if (k, i) not in known]
        if not fresh:
            continue
        inc = incident_views(store, [r for k, _, r in fresh if k == "incident"], owner)
        fnd = finding_views(store, [r for k, _, r in fresh if k == "finding"], owner)
        views = iter(inc + fnd)
        now = _now()
        rows = []
        for kind, item_id, _ in [f for f in fresh if f[0] == "incident"] + \
                [f for f in fresh if f[0] == "finding"]:
            payload = {"alert_id": alert["alert_id"], "alert": alert["name"], "kind": kind,
                       "id": item_id, "matched_at": now, "item": next(views)}
            rows.append({"alert_id": alert["alert_id"], "kind": kind, "item_id": item_id,
                         "matched_at": now, "payload": json.dumps(payload, sort_keys=True,
                                                                   default=str),
                         "notified": 1})
        store.insert("alert_matches", rows, on_conflict="ignore")
        new.extend(rows)
        if alert["webhook_url"]:
            for row in rows:
                (deliver or (lambda a, m: send_webhook(
                    store, a, m, allow_private=ws.settings.web.allow_private_webhooks)))(
                    alert, row)
    return new


def send_webhook(store: Store, alert: dict[str, Any], match: dict[str, Any], *,
                 attempts: int = MAX_ATTEMPTS, backoff_s: float = BACKOFF_S,
                 sleep: Callable[[float], object] = time.sleep,
                 allow_private: bool = False) -> bool:
    """POST one match, signed, retrying with exponential backoff; log every attempt.

    This waits in the caller's thread; the server delivers through
    :class:`~ceasefire.web.webhooks.Deliveries` instead, which waits per alert.
    """
    for attempt in range(1, attempts + 1):
        if deliver_once(store, alert, match, attempt, allow_private=allow_private):
            return True
        if attempt < attempts:
            sleep(backoff_s * 2 ** (attempt - 1))
    return False


def deliver_once(store: Store, alert: dict[str, Any], match: dict[str, Any], attempt: int, *,
                 allow_private: bool = False) -> bool:
    """One signed POST of a match to the alert's webhook, logged in ``alert_deliveries``.

    The target is checked again first (the setting or the name's address may have changed
    since the alert was saved); a refused target is logged as a failed attempt, with no
    request made. Redirects are not followed.
    """
    body = match["payload"].encode("utf-8")
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(alert["secret"], body),
               "X-Ceasefire-Event": match["kind"], "User-Agent": "ceasefire-alerts"}
    status: int | None = None
    error: str | None = None
    try:
        check_target(alert["webhook_url"], allow_private=allow_private)
        with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False) as client:
            status = client.post(alert["webhook_url"], content=body,
                                 headers=headers).status_code
    except InputError as exc:
        error = f"refused: {exc.problems[0].message}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    ok = status is not None and 200 <= status < 300
    if not ok and error is None:
        error = f"HTTP {status}"
    store.insert("alert_deliveries", [{
        "alert_id": alert["alert_id"], "kind": match["kind"], "item_id": match["item_id"],
        "attempt": attempt, "at": _now(), "url": alert["webhook_url"],
        "status_code": status, "ok": int(ok), "error": error}])
    return ok


def exists(store: Store, alert_id: str) -> bool:
    return store.count("alerts", {"alert_id": alert_id}) > 0


def delete_alert(store: Store, alert_id: str, actor: str) -> None:
    """Delete an alert with its matches and delivery log; the ledger notes who and which."""
    alert = get_alert(store, alert_id)
    with store.transaction():
        for table in ("alert_deliveries", "alert_matches", "alerts"):
            store.delete(table, {"alert_id": alert_id})
        # the alerts table is recorded by state (issue 18 item 5): the deletion records it anew
        ledger.record_state(store, actor=actor, action="alerts.delete", tables=["alerts"], note={
            "alert_id": alert_id, "name": alert["name"], "owner": alert["owner"]})


def deliveries(store: Store, alert_id: str) -> list[dict[str, Any]]:
    return list(store.select("alert_deliveries", {"alert_id": alert_id},
                             order_by=["delivery_id"]))


def atom_feed(store: Store, alert: dict[str, Any], self_url: str, limit: int = 100) -> bytes:
    """An Atom (RFC 4287) feed of the alert's newest notified matches."""
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    feed = ET.Element(f"{{{ns}}}feed")
    rows: Sequence[dict[str, Any]] = list(store.select(
        "alert_matches", {"alert_id": alert["alert_id"], "notified": 1},
        order_by=["-matched_at", "kind", "item_id"], limit=limit))
    # what the owner may see now: matches recorded before issue 18's fix carried findings
    # the owner could not read, and a user's role can change after a match
    try:
        visible = visible_finding_ids(store, get_user(store, alert["owner"]))
    except NotFound:
        visible = set()
    rows = [r for r in rows if r["kind"] != "finding" or visible is None
            or r["item_id"] in visible]

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    sub(feed, "id", f"urn:ceasefire:alert:{alert['alert_id']}")
    sub(feed, "title", f"ceasefire alert: {alert['name']}")
    sub(feed, "updated", rows[0]["matched_at"] if rows else alert["created_at"])
    sub(feed, "link", rel="self", href=self_url)
    author = sub(feed, "author")
    sub(author, "name", "ceasefire")
    for row in rows:
        item = json.loads(row["payload"]).get("item", {})
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:ceasefire:alert:{alert['alert_id']}:{row['kind']}:{row['item_id']}")
        sub(entry, "title", _entry_title(row["kind"], item))
        sub(entry, "updated", row["matched_at"])
        sub(entry, "content", json.dumps(item, sort_keys=True, default=str),
            type="application/json")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def _entry_title(kind: str, item: dict[str, Any]) -> str:
    if kind == "incident":
        return (f"incident {item.get('incident_id')}: {item.get('category')} "
                f"({item.get('band')}, confidence {item.get('confidence')})")
    return (f"finding {item.get('finding_id')}: {item.get('verdict')} of "
            f"{item.get('provision_id')} by {item.get('attributed_party') or 'unknown'}")
