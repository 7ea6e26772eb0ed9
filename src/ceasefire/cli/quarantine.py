"""``ceasefire quarantine list``: the rows ingest rejected, with file, row, field and reason."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import json_option, note, open_workspace, print_json, workspace_option
from ceasefire.store.conditions import Like


@click.group()
def quarantine() -> None:
    """Rows rejected by ingest, and why."""


@quarantine.command("list")
@click.option("--file", "file_filter", default=None,
              help="Only rows from files whose path contains this text.")
@click.option("--limit", type=int, default=None, help="Show at most this many rows.")
@workspace_option
@json_option
def list_(file_filter: str | None, limit: int | None, workspace: Path | None,
          as_json: bool) -> None:
    """List quarantined rows: file, row, field, reason."""
    where = {"file": Like(file_filter)} if file_filter else None
    with open_workspace(workspace) as ws:
        rows = list(ws.store.select("quarantine", where, columns=[
            "qid", "file", "row", "field", "reason", "raw", "at", "ledger_seq"],
            order_by=["qid"], limit=limit))
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("quarantine is empty")
        return
    # one line per row, like every other "file:row: field: reason" message of the tool
    for row in rows:
        click.echo(f"{row['file']}:{row['row']}: {row['field'] or '-'}: {row['reason']}")
    note(f"{len(rows)} quarantined row(s)")


def register(cli: click.Group) -> None:
    cli.add_command(quarantine)
