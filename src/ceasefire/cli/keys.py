"""``ceasefire keys`` (init, rotate, list) and ``ceasefire checkpoint``.

Private keys never appear in any output: only key ids and public keys.
"""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import (
    json_option,
    note,
    open_workspace,
    print_json,
    print_rows,
    workspace_option,
)
from ceasefire.record import checkpoints
from ceasefire.record import keys as svc


@click.group()
def keys() -> None:
    """The deployment's Ed25519 signing keys (private halves stay in <workspace>/keys/)."""


@keys.command("init")
@workspace_option
@json_option
def init(workspace: Path | None, as_json: bool) -> None:
    """Create the workspace's first signing key; its id becomes the log id to publish."""
    with open_workspace(workspace) as ws:
        kid = svc.init_key(ws)
        public = svc.active(ws.store)["public_key"]  # type: ignore[index]
        folder = svc.keys_dir(ws)
    if as_json:
        print_json({"key_id": kid, "log_id": kid, "public_key": public})
        return
    click.echo(f"created signing key {kid} (log id {kid}); public key {public}")
    click.echo(f"the private key is {folder / (kid + '.key')} (mode 0600): back it up, "
               "never share it; publish the log id")


@keys.command("rotate")
@workspace_option
@json_option
def rotate(workspace: Path | None, as_json: bool) -> None:
    """Replace the active key: the old key signs a last checkpoint and a statement handing
    over to the new key; its private file is removed, its public key kept."""
    with open_workspace(workspace) as ws:
        old, new = svc.rotate(ws)
        public = svc.active(ws.store)["public_key"]  # type: ignore[index]
    if as_json:
        print_json({"old_key_id": old, "key_id": new, "public_key": public})
        return
    click.echo(f"rotated signing key {old} -> {new}; public key {public}")


@keys.command("list")
@workspace_option
@json_option
def list_(workspace: Path | None, as_json: bool) -> None:
    """The chain of signing keys, oldest first (the first key's id is the log id)."""
    with open_workspace(workspace) as ws:
        rows = svc.list_keys(ws.store)
        chain = svc.chain(ws.store)
        held = {r["key_id"] for r in rows if svc.load_private(ws, r["key_id"]) is not None}
    for row in rows:
        row["active"] = bool(rows) and row is rows[-1]
        row["private_key_here"] = row["key_id"] in held
    if as_json:
        print_json({"log_id": chain.log_id if chain else None, "keys": rows})
        return
    print_rows(["key", "since entry", "created", "replaces", "active", "private key here"],
               [(r["key_id"], r["ledger_seq"], r["created_at"], r["previous_key"],
                 "yes" if r["active"] else "", "yes" if r["private_key_here"] else "")
                for r in rows])


@click.command()
@workspace_option
@json_option
def checkpoint(workspace: Path | None, as_json: bool) -> None:
    """Sign a Merkle checkpoint of the whole ledger with the active key (the first run
    creates the key). Automatic checkpoints are also signed every 64 entries."""
    with open_workspace(workspace) as ws:
        created_key = svc.active(ws.store) is None
        row = checkpoints.create(ws)
    if as_json:
        print_json({k: row[k] for k in ("tree_size", "root", "time", "key_id", "statement",
                                        "signature")})
        return
    if created_key:
        note(f"created signing key {row['key_id']} (log id {row['key_id']})")
    click.echo(f"checkpoint of entries 1..{row['tree_size']}: root {row['root']}, "
               f"signed by {row['key_id']} at {row['time']}")


def register(cli: click.Group) -> None:
    cli.add_command(keys)
    cli.add_command(checkpoint)
