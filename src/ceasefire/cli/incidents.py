"""``ceasefire incidents list`` and ``ceasefire incident show ID``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ceasefire.cli._common import json_option, open_workspace, print_json, workspace_option
from ceasefire.core.evidence import CATEGORIES
from ceasefire.core.profile import BANDS
from ceasefire.errors import InputError, NotFound
from ceasefire.services.fusion import get_incident
from ceasefire.store.conditions import Between, Ge, In, Le


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _epoch(text: str, option: str) -> float:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"not an ISO 8601 date or time: {text!r}", field=option) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError as exc:
        raise InputError("expected WEST,SOUTH,EAST,NORTH in degrees", field="--bbox") from exc
    if west > east or south > north:
        raise InputError("WEST must be <= EAST and SOUTH <= NORTH", field="--bbox")
    return west, south, east, north


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in ("breakdown", "attribution_basis")}
    out["time_start"], out["time_end"] = _iso(row["t_start"]), _iso(row["t_end"])
    return out


@click.group()
def incidents() -> None:
    """Incidents: fused events with a confidence (made by `ceasefire fuse`)."""


@incidents.command("list")
@workspace_option
@click.option("--category", type=click.Choice(CATEGORIES), multiple=True,
              help="Only these categories (repeatable).")
@click.option("--band", type=click.Choice(BANDS), multiple=True,
              help="Only these confidence bands (repeatable).")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=None)
@click.option("--from", "from_", default=None, help="Incidents ending at or after (ISO 8601).")
@click.option("--to", default=None, help="Incidents starting at or before (ISO 8601).")
@click.option("--bbox", default=None, help="WEST,SOUTH,EAST,NORTH in degrees.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option
def list_(workspace: Path | None, category: tuple[str, ...], band: tuple[str, ...],
          min_confidence: float | None, from_: str | None, to: str | None, bbox: str | None,
          limit: int, as_json: bool) -> None:
    """List incidents, newest first, with filters."""
    where: dict[str, Any] = {}
    if category:
        where["category"] = In(list(category))
    if band:
        where["band"] = In(list(band))
    if min_confidence is not None:
        where["confidence"] = Ge(min_confidence)
    if from_:
        where["t_end"] = Ge(_epoch(from_, "--from"))
    if to:
        where["t_start"] = Le(_epoch(to, "--to"))
    if bbox:
        west, south, east, north = _bbox(bbox)
        where["lon"], where["lat"] = Between(west, east), Between(south, north)
    with open_workspace(workspace) as ws:
        rows = list(ws.store.select("incidents", where, order_by=["-t_start", "incident_id"],
                                    limit=limit))
    if as_json:
        print_json([_public(r) for r in rows])
        return
    # plain columns, not a rich table: readable when piped, never truncated
    click.echo(f"{'incident_id':<20} {'time (UTC)':<16} {'lat':>8} {'lon':>8} "
               f"{'category':<21} {'rep':>4} {'grp':>3} {'conf':>5} band")
    for r in rows:
        click.echo(f"{r['incident_id']:<20} {_iso(r['t_start'])[:16]:<16} {r['lat']:>8.4f} "
                   f"{r['lon']:>8.4f} {r['category']:<21} {r['n_reports']:>4} "
                   f"{r['n_origin_groups']:>3} {r['confidence']:>5.3f} {r['band']}")
    click.echo(f"{len(rows)} incident(s)", err=True)


@click.group()
def incident() -> None:
    """One incident."""


@incident.command("show")
@click.argument("incident_id")
@workspace_option
@json_option
def show(incident_id: str, workspace: Path | None, as_json: bool) -> None:
    """Show an incident: its reports, their sources and the confidence breakdown."""
    with open_workspace(workspace) as ws:
        found = get_incident(ws.store, incident_id)
    if found is None:
        raise NotFound(f"no incident {incident_id!r} (see `ceasefire incidents list`)")
    row, reports, sources = found["incident"], found["reports"], found["sources"]
    detail = json.loads(row["breakdown"])
    if as_json:
        print_json({"incident": _public(row), "breakdown": detail, "sources": sources,
                    "reports": [{k: v for k, v in r.items() if k != "extra"} for r in reports]})
        return
    click.echo(f"{row['incident_id']}  {row['category']}  {_iso(row['t_start'])} .. "
               f"{_iso(row['t_end'])}")
    click.echo(f"  at {row['lat']:.5f}, {row['lon']:.5f} (± {row['location_uncertainty_m']:.0f} m)"
               f"; {row['n_reports']} report(s) from {row['n_origin_groups']} origin group(s)")
    click.echo(f"  confidence {row['confidence']:.3f}  band {row['band']}"
               + (f"  (confirmable: {detail['confirmable_because']})"
                  if detail.get("confirmable_because") else ""))
    click.echo(f"  rule: {detail['rule']}; prior {detail['prior']}")
    silence = detail.get("silence")
    if silence and silence["missing"]:
        click.echo(f"  silence: {silence['reporting_groups']} of {silence['expected_groups']} "
                   f"expected independent groups reported: odds × {silence['odds_factor']:g}")
    for group in detail["groups"]:
        click.echo(f"  origin group {group['origin_group']}: p {group['p']:.3f} "
                   f"(log-LR {group['log_likelihood_ratio']:+.3f}), counted "
                   f"{group['counted_report']}")
        for rep in group["reports"]:
            src = sources.get(rep["source_id"], {})
            click.echo(
                f"    {'*' if rep['counted'] else ' '} {rep['report']}  {src.get('name', '?')} "
                f"[{rep['kind']}, {rep['affiliation']}, {rep['reliability']}]  "
                f"base {rep['base_p']:.2f} × cred {rep['credibility_factor']:.2f} "
                f"× {rep['role']} {rep['role_factor']:.2f} → p {rep['p']:.3f}")
    if detail.get("links"):
        click.echo("  member pairs (match weight in bits per comparison):")
        for link in detail["links"]:
            left, right = link["reports"]
            if link.get("update_of_one_event"):
                click.echo(f"    {left} ~ {right}: one source's updates of one event")
                continue
            parts = "  ".join(f"{name} {c['level']} {c['weight_bits']:+.2f}"
                              for name, c in link["comparisons"].items())
            click.echo(f"    {left} ~ {right}: prior {link['prior_bits']:+.2f}  {parts}"
                       f"  = {link['weight_bits']:+.2f} bits, p {link['match_probability']:.3f}")
    click.echo("  reports:")
    for r in reports:
        text = (r.get("text") or "").replace("\n", " ")
        click.echo(f"    {r['source_id']}:{r['report_id']}  {r['observed_at']}  "
                   f"{r['category']}  {text[:80]}")


def register(cli: click.Group) -> None:
    cli.add_command(incidents)
    cli.add_command(incident)
