"""``ceasefire accusations list``: what each party accuses the other of, against the evidence."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ceasefire.cli._common import (
    console,
    err_console,
    json_option,
    open_workspace,
    print_json,
    workspace_option,
)
from ceasefire.services.accusations import list_accusations


@click.group()
def accusations() -> None:
    """Accusations: reports in which a party names its adversary as perpetrator."""


@accusations.command("list")
@workspace_option
@click.option("--agreement", "agreement_id", required=True, help="Agreement id.")
@click.option("--party", type=click.Choice(["RU", "UA"], case_sensitive=False), default=None,
              help="Only the accusations made by this party.")
@json_option
def list_command(workspace: Path | None, agreement_id: str, party: str | None,
                 as_json: bool) -> None:
    """List the accusations of an agreement's window, each corroborated, contradicted or
    standing alone (run `ceasefire fuse` first)."""
    with open_workspace(workspace) as ws:
        result = list_accusations(ws, agreement_id, party.upper() if party else None)
    if as_json:
        print_json(result.as_dict())
        return
    table = Table("observed (UTC)", "accuser", "place", "what", "count", "status", "basis",
                  title=f"Accusations, {result.agreement_id} ({result.window[0]} to "
                        f"{result.window[1] or 'open'})")
    for item in result.items:
        what = item.category + (f", {item.target_class}" if item.target_class else "") + (
            f": {item.target}" if item.target else "")
        table.add_row(item.observed_at, f"{item.accuser}→{item.accused}", item.place or "",
                      what, "" if item.count is None else str(item.count), item.status,
                      item.basis)
    console.print(table)
    for accuser, counts in sorted(result.counts().items()):
        console.print(f"{accuser}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for note in result.notes:
        err_console.print(f"note: {note}")


def register(cli: click.Group) -> None:
    cli.add_command(accusations)
