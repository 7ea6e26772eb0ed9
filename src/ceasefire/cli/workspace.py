"""``ceasefire init`` and ``ceasefire verify``."""

from __future__ import annotations

import re
from pathlib import Path

import click

from ceasefire.cli._common import json_option, open_workspace, print_json, workspace_option
from ceasefire.errors import LedgerError
from ceasefire.record import verify_record
from ceasefire.workspace import Workspace


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--database", default=None,
              help="SQLite file name inside the workspace (default ceasefire.db) "
                   "or a postgresql:// URL.")
@click.option("--name", default=None, help="Name of the monitoring operation.")
@click.option("--timezone", default=None,
              help="IANA time zone assumed for report times without a UTC offset.")
@json_option
def init(directory: Path, database: str | None, name: str | None, timezone: str | None,
         as_json: bool) -> None:
    """Create a workspace: ceasefire.toml and a migrated database."""
    with Workspace.init(directory, database=database, name=name, timezone=timezone) as ws:
        database_shown = re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", ws.settings.workspace.database)
        if as_json:
            print_json({"workspace": str(ws.root), "database": database_shown,
                        "schema_version": ws.store.schema_version()})
            return
        click.echo(f"created workspace {ws.root} (database {database_shown}, "
                   f"schema version {ws.store.schema_version()})")


@click.command()
@workspace_option
@json_option
def verify(workspace: Path | None, as_json: bool) -> int:
    """Recompute the ledger's hash chain, every recorded payload and Merkle root, every
    signed checkpoint and the chain of signing keys; name the first bad entry."""
    with open_workspace(workspace) as ws:
        try:
            check = verify_record(ws)
        except LedgerError as exc:
            if as_json:
                print_json({"ok": False, "first_bad_entry": exc.seq, "error": str(exc)})
                return 1
            raise
    result, signed, files = check.ledger, check.checkpoints, check.evidence_files
    if as_json:
        print_json({"ok": True, "entries": result.entries, "rows_checked": result.rows_checked,
                    "derived_checked": result.derived_checked, "evidence_files": files,
                    "checkpoints": signed.checkpoints, "keys": signed.keys,
                    "log_id": signed.log_id, "signed_entries": signed.newest_size})
    else:
        click.echo(f"ledger OK: {result.entries} entries, {result.rows_checked} rows, "
                   f"{result.derived_checked} derived states and {files} evidence files "
                   "recomputed")
        if signed.log_id:
            click.echo(f"checkpoints OK: {signed.checkpoints} signed by {signed.keys} key(s) "
                       f"of log {signed.log_id}; entries 1..{signed.newest_size} signed")
        else:
            click.echo("no signed checkpoints yet (`ceasefire checkpoint` makes the first)")
    return 0


def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(verify)
