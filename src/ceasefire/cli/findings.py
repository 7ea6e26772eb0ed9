"""``ceasefire findings``: list, aggregate, show, review, reply, publish."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ceasefire.cli._common import (
    console,
    json_option,
    open_workspace,
    print_json,
    workspace_option,
)
from ceasefire.services import findings as svc


@click.group()
def findings() -> None:
    """Findings: incidents assessed against provisions."""


def _filter(agreement: str | None, verdict: tuple[str, ...], party: str | None,
            provision: str | None, day_from: str | None, day_to: str | None,
            min_probability: float | None) -> svc.FindingFilter:
    return svc.FindingFilter(agreement, list(verdict) or None, party, provision, day_from,
                             day_to, min_probability)


def filter_options(func):  # type: ignore[no-untyped-def]
    for decorator in reversed([
        click.option("--agreement", help="Only this agreement."),
        click.option("--verdict", multiple=True,
                     help="violation, likely, possible, not_a_violation, undetermined "
                          "(repeatable)."),
        click.option("--party", help="Attributed party."),
        click.option("--provision", help="Provision id."),
        click.option("--from", "day_from", help="First day (YYYY-MM-DD)."),
        click.option("--to", "day_to", help="Last day (YYYY-MM-DD)."),
        click.option("--min-probability", type=float, help="Lowest probability."),
    ]):
        func = decorator(func)
    return func


@findings.command("list")
@workspace_option
@filter_options
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--offset", type=int, default=0)
@json_option
def list_(workspace: Path | None, agreement: str | None, verdict: tuple[str, ...],
          party: str | None, provision: str | None, day_from: str | None, day_to: str | None,
          min_probability: float | None, limit: int, offset: int, as_json: bool) -> None:
    """List findings, most probable first within each day."""
    with open_workspace(workspace) as ws:
        rows = svc.list_findings(ws.store, _filter(agreement, verdict, party, provision,
                                                   day_from, day_to, min_probability),
                                 limit=limit, offset=offset)
    if as_json:
        print_json(rows)
        return
    table = Table("finding", "day", "verdict", "p", "party", "review")
    for r in rows:
        table.add_row(r["finding_id"], r["day"] or "", r["verdict"], f"{r['probability']:.2f}",
                      r["attributed_party"] or "", r["review_state"])
    console.print(table)


@findings.command("aggregate")
@workspace_option
@filter_options
@click.option("--by", default="party,day", show_default=True,
              help="Comma-separated keys: party, day, zone, provision, verdict.")
@json_option
def aggregate(workspace: Path | None, agreement: str | None, verdict: tuple[str, ...],
              party: str | None, provision: str | None, day_from: str | None,
              day_to: str | None, min_probability: float | None, by: str,
              as_json: bool) -> None:
    """Count findings by party × day (or by zone, provision, verdict)."""
    keys = [k.strip() for k in by.split(",") if k.strip()]
    flt = _filter(agreement, verdict or svc.VIOLATING, party, provision, day_from, day_to,
                  min_probability)
    with open_workspace(workspace) as ws:
        counts = svc.aggregate(ws.store, flt, keys)
    if as_json:
        print_json([{**dict(zip(keys, k, strict=True)), "count": n} for k, n in counts.items()])
        return
    table = Table(*keys, "count")
    for key, n in counts.items():
        table.add_row(*key, str(n))
    console.print(table)
    click.echo(f"total {sum(counts.values())} findings ({', '.join(flt.verdicts or [])})")


@findings.command("show")
@workspace_option
@click.argument("finding_id")
@json_option
def show(workspace: Path | None, finding_id: str, as_json: bool) -> None:
    """A finding with its rationale and its review history."""
    with open_workspace(workspace) as ws:
        row = svc.get_finding(ws.store, finding_id)
    if as_json:
        print_json(row)
        return
    click.echo(f"{row['finding_id']}\n  verdict {row['verdict']} (p={row['probability']:.3f}), "
               f"attributed to {row['attributed_party'] or 'nobody'}, day {row['day']}, "
               f"review: {row['review_state']}")
    for factor in row["rationale"]:
        click.echo(f"  {factor['factor']:10} {factor['probability']:.3f}  {factor['reason']}")
    for event in row["history"]:
        click.echo(f"  [{event['at']}] {event['role']} {event['actor']} {event['action']}"
                   + (f" ({event['party']})" if event.get("party") else "")
                   + (f": {event['note']}" if event.get("note") else "")
                   + f"  (ledger {event['ledger_seq']})")


def _act(workspace: Path | None, finding_id: str, action: str, actor: str, role: str,
         note: str | None, party: str | None) -> None:
    with open_workspace(workspace) as ws:
        event = svc.act(ws, finding_id, action, actor=actor, role=role, note=note, party=party)
    click.echo(f"{action} recorded on {finding_id} (ledger entry {event['ledger_seq']})")


@findings.command("review")
@workspace_option
@click.argument("finding_id")
@click.option("--confirm", "action", flag_value="confirm", help="Confirm the finding.")
@click.option("--reject", "action", flag_value="reject", help="Reject the finding.")
@click.option("--dispute", "action", flag_value="dispute", help="Mark it disputed.")
@click.option("--note", help="Why (required to reject or dispute).")
@click.option("--actor", required=True, help="Who reviews.")
@click.option("--role", type=click.Choice(svc.REVIEWER_ROLES), default="monitor",
              show_default=True)
def review(workspace: Path | None, finding_id: str, action: str | None, note: str | None,
           actor: str, role: str) -> None:
    """A monitor confirms, rejects or disputes a finding."""
    if not action:
        raise click.UsageError("choose --confirm, --reject or --dispute")
    _act(workspace, finding_id, action, actor, role, note, None)


@findings.command("reply")
@workspace_option
@click.argument("finding_id")
@click.option("--party", required=True, help="The liaison's party.")
@click.option("--note", required=True, help="The reply.")
@click.option("--actor", required=True, help="The liaison officer.")
def reply(workspace: Path | None, finding_id: str, party: str, note: str, actor: str) -> None:
    """A party's liaison replies to a finding about that party."""
    _act(workspace, finding_id, "reply", actor, "liaison", note, party)


@findings.command("publish")
@workspace_option
@click.argument("finding_id")
@click.option("--actor", required=True)
@click.option("--role", type=click.Choice(svc.PUBLISHER_ROLES), default="analyst",
              show_default=True)
def publish(workspace: Path | None, finding_id: str, actor: str, role: str) -> None:
    """Make a finding visible to the public."""
    _act(workspace, finding_id, "publish", actor, role, None, None)


def register(cli: click.Group) -> None:
    cli.add_command(findings)
