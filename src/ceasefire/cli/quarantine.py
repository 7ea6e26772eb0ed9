"""``ceasefire quarantine list``: the rows ingest rejected, with file, row, field and reason,
as of the latest attempt at each file (see :mod:`ceasefire.services.quarantine`)."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import (
    json_option,
    jsonable,
    note,
    open_workspace,
    print_json,
    workspace_option,
)
from ceasefire.services.quarantine import current_rows


@click.group()
def quarantine() -> None:
    """Rows rejected by ingest, and why."""


@quarantine.command("list")
@click.option("--file", "file_filter", default=None,
              help="Only rows from files whose path contains this text.")
@click.option("--limit", type=click.IntRange(min=0), default=None,
              help="Show at most this many rows.")
@click.option("--all", "every_attempt", is_flag=True,
              help="Every row ever quarantined, of every attempt (default: the latest attempt "
                   "at each file; rows that pass since are left out).")
@workspace_option
@json_option
def list_(file_filter: str | None, limit: int | None, every_attempt: bool,
          workspace: Path | None, as_json: bool) -> None:
    """List quarantined rows: file, row, field, reason (the latest attempt at each file)."""
    with open_workspace(workspace) as ws:
        rows = current_rows(ws.store, file_filter, limit, every_attempt=every_attempt)
    if as_json:
        print_json([jsonable(r, json_fields=["raw"]) for r in rows])
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
