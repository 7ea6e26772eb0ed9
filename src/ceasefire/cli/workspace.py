"""``ceasefire init`` and ``ceasefire verify``."""

from __future__ import annotations

import re
from pathlib import Path

import click

from ceasefire.cli._common import json_option, open_workspace, print_json, workspace_option
from ceasefire.errors import LedgerError
from ceasefire.record import checkpoints, keys
from ceasefire.record.verify import verify_record
from ceasefire.workspace import Workspace


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--database", default=None,
              help="SQLite file name inside the workspace (default ceasefire.db) "
                   "or a postgresql:// URL.")
@click.option("--name", default=None, help="Name of the monitoring operation.")
@click.option("--timezone", default=None,
              help="IANA time zone assumed for report times without a UTC offset.")
@click.option("--key/--no-key", default=True, show_default=True,
              help="Create the signing key (keys/<id>.key) and pin its log id in "
                   "ceasefire.toml. Without one, nothing signs the ledger: an edit with a "
                   "recomputed chain passes `verify`.")
@json_option
def init(directory: Path, database: str | None, name: str | None, timezone: str | None,
         key: bool, as_json: bool) -> None:
    """Create a workspace: ceasefire.toml, a migrated database and a signing key."""
    with Workspace.init(directory, database=database, name=name, timezone=timezone) as ws:
        database_shown = re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", ws.settings.workspace.database)
        known = keys.chain(ws.store)
        kid = None
        if known is not None:  # a database that already holds a record (a restore)
            ws.pin_log_id(known.log_id)
        elif key:
            kid = keys.init_key(ws)
        if as_json:
            print_json({"workspace": str(ws.root), "database": database_shown,
                        "schema_version": ws.store.schema_version(),
                        "log_id": known.log_id if known is not None else kid})
            return
        click.echo(f"created workspace {ws.root} (database {database_shown}, "
                   f"schema version {ws.store.schema_version()})")
        if known is not None:
            click.echo(f"the database already has signing keys of log {known.log_id}: pinned "
                       "it; compare it with the published log id, and copy keys/ from the "
                       "original workspace to sign here")
        elif kid is not None:
            click.echo(f"created signing key {kid}: publish the log id {kid}; back up "
                       f"{keys.keys_dir(ws) / (kid + '.key')} and never share it")


@click.command()
@workspace_option
@click.option("--log-id", default=None,
              help="The log id you expect (from a published checkpoint): fail if the "
                   "database's signing keys belong to another log.")
@click.option("--checkpoint", "sign", is_flag=True,
              help="Once everything verifies, sign a checkpoint of the whole ledger, so the "
                   "entries just verified can no longer be rewritten unseen.")
@json_option
def verify(workspace: Path | None, log_id: str | None, sign: bool, as_json: bool) -> int:
    """Recompute the ledger's hash chain, every recorded payload and Merkle root, every
    signed checkpoint and the chain of signing keys, and check the keys against the key
    files and the pinned log id; name the first bad entry or the mismatch."""
    with open_workspace(workspace) as ws:
        try:
            check = verify_record(ws, log_id=log_id)
        except LedgerError as exc:
            if as_json:
                print_json({"ok": False, "first_bad_entry": exc.seq, "error": str(exc)})
                return 1
            raise
        signed_now = checkpoints.create(ws) if sign else None
    result, signed, files = check.ledger, check.checkpoints, check.evidence_files
    if as_json:
        print_json({"ok": True, "entries": result.entries, "rows_checked": result.rows_checked,
                    "derived_checked": result.derived_checked, "evidence_files": files,
                    "checkpoints": signed.checkpoints, "keys": signed.keys,
                    "log_id": signed.log_id, "signed_entries": signed.newest_size,
                    "key_files": check.key_files,
                    "checkpoint": signed_now and {k: signed_now[k] for k in (
                        "tree_size", "root", "key_id")}})
    else:
        click.echo(f"ledger OK: {result.entries} entries, {result.rows_checked} rows, "
                   f"{result.derived_checked} derived states and {files} evidence files "
                   "recomputed")
        if signed.log_id:
            click.echo(f"checkpoints OK: {signed.checkpoints} signed by {signed.keys} key(s) "
                       f"of log {signed.log_id}; entries 1..{signed.newest_size} signed")
        else:
            click.echo("no signing key and no signed checkpoints: the ledger can be rewritten "
                       "with a recomputed chain unseen (`ceasefire keys init` makes the key)")
        if signed_now:
            click.echo(f"signed checkpoint of entries 1..{signed_now['tree_size']}: root "
                       f"{signed_now['root']}")
    return 0


def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(verify)
