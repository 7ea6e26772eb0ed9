"""``ceasefire findings``: list, aggregate, show, review, reply, publish."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import (
    ISO_TIME,
    ISO_TIME_HELP,
    PARTY,
    When,
    json_option,
    jsonable,
    note,
    open_workspace,
    print_json,
    print_rows,
    workspace_option,
)
from ceasefire.services import findings as svc


@click.group()
def findings() -> None:
    """Findings: incidents assessed against provisions."""


JSON_FIELDS = ("rationale", "subject")


def _filter(agreement: str | None, verdict: tuple[str, ...], party: str | None,
            provision: str | None, day_from: When | None, day_to: When | None,
            min_probability: float | None) -> svc.FindingFilter:
    # findings are per day: a time bound selects its (UTC) day
    return svc.FindingFilter(agreement, list(verdict) or None, party, provision,
                             day_from.day.isoformat() if day_from else None,
                             day_to.day.isoformat() if day_to else None, min_probability)


def filter_options(func):  # type: ignore[no-untyped-def]
    for decorator in reversed([
        click.option("--agreement", help="Only this agreement."),
        click.option("--verdict", multiple=True,
                     help="violation, likely, possible, not_a_violation, undetermined "
                          "(repeatable)."),
        click.option("--party", type=PARTY, help="Attributed party (UA, RU, US)."),
        click.option("--provision", help="Provision id."),
        click.option("--from", "day_from", type=ISO_TIME, help=f"First day. {ISO_TIME_HELP}"),
        click.option("--to", "day_to", type=ISO_TIME, help=f"Last day. {ISO_TIME_HELP}"),
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
          party: str | None, provision: str | None, day_from: When | None,
          day_to: When | None, min_probability: float | None, limit: int, offset: int,
          as_json: bool) -> None:
    """List findings, most probable first within each day."""
    with open_workspace(workspace) as ws:
        rows = svc.list_findings(ws.store, _filter(agreement, verdict, party, provision,
                                                   day_from, day_to, min_probability),
                                 limit=limit, offset=offset)
    if as_json:
        print_json([jsonable(r, json_fields=JSON_FIELDS) for r in rows])
        return
    print_rows(["finding", "day", "verdict", "p", "party", "review"],
               [(r["finding_id"], r["day"], r["verdict"], f"{r['probability']:.2f}",
                 r["attributed_party"], r["review_state"]) for r in rows], right=["p"])
    note(f"{len(rows)} finding(s)" + (" (more with --offset)" if len(rows) == limit else ""))


@findings.command("aggregate")
@workspace_option
@filter_options
@click.option("--by", default="party,day", show_default=True,
              help="Comma-separated keys: party, day, zone, provision, verdict.")
@json_option
def aggregate(workspace: Path | None, agreement: str | None, verdict: tuple[str, ...],
              party: str | None, provision: str | None, day_from: When | None,
              day_to: When | None, min_probability: float | None, by: str,
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
    print_rows([*keys, "count"], [(*key, n) for key, n in counts.items()], right=["count"])
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
        print_json(jsonable(row, json_fields=JSON_FIELDS))
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
         text: str | None, party: str | None, as_json: bool) -> None:
    with open_workspace(workspace) as ws:
        event = svc.act(ws, finding_id, action, actor=actor, role=role, note=text, party=party)
    if as_json:
        print_json(event)
        return
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
@json_option
def review(workspace: Path | None, finding_id: str, action: str | None, note: str | None,
           actor: str, role: str, as_json: bool) -> None:
    """A monitor confirms, rejects or disputes a finding."""
    if not action:
        raise click.UsageError("choose --confirm, --reject or --dispute")
    _act(workspace, finding_id, action, actor, role, note, None, as_json)


@findings.command("reply")
@workspace_option
@click.argument("finding_id")
@click.option("--party", required=True, type=PARTY, help="The liaison's party (UA, RU, US).")
@click.option("--note", required=True, help="The reply.")
@click.option("--actor", required=True, help="The liaison officer.")
@json_option
def reply(workspace: Path | None, finding_id: str, party: str, note: str, actor: str,
          as_json: bool) -> None:
    """A party's liaison replies to a finding about that party."""
    _act(workspace, finding_id, "reply", actor, "liaison", note, party, as_json)


@findings.command("publish")
@workspace_option
@click.argument("finding_id")
@click.option("--actor", required=True)
@click.option("--role", type=click.Choice(svc.PUBLISHER_ROLES), default="analyst",
              show_default=True)
@json_option
def publish(workspace: Path | None, finding_id: str, actor: str, role: str,
            as_json: bool) -> None:
    """Make a finding visible to the public."""
    _act(workspace, finding_id, "publish", actor, role, None, None, as_json)


def register(cli: click.Group) -> None:
    cli.add_command(findings)
