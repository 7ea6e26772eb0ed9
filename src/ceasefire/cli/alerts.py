"""``ceasefire alerts list|delete``: the web API's saved alerts, seen from the host."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import json_option, note, open_workspace, print_json, workspace_option
from ceasefire.web.alerts import delete_alert, public_alert


@click.group()
def alerts() -> None:
    """Alerts saved through the web API (filters, webhooks, Atom feeds)."""


@alerts.command("list")
@workspace_option
@json_option
def alerts_list(workspace: Path | None, as_json: bool) -> None:
    """List every alert: id, owner, name and webhook."""
    with open_workspace(workspace) as ws:
        rows = [public_alert(r) for r in ws.store.select("alerts", order_by=["created_at"])]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['alert_id']}\t{row['owner']}\t{row['name']}\t"
                   f"{row['webhook_url'] or '-'}")


@alerts.command("delete")
@click.argument("alert_id")
@workspace_option
@json_option
def alerts_delete(alert_id: str, workspace: Path | None, as_json: bool) -> None:
    """Delete ALERT_ID with its matches and webhook delivery log."""
    with open_workspace(workspace) as ws:
        delete_alert(ws.store, alert_id, ws.settings.workspace.actor)
    if as_json:
        print_json({"deleted": alert_id})
    else:
        note(f"deleted alert {alert_id}")


def register(cli: click.Group) -> None:
    cli.add_command(alerts)
