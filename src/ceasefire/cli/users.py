"""``ceasefire users add|token|list``: who may use the web API, and their tokens."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import json_option, note, open_workspace, print_json, workspace_option
from ceasefire.web.access import PARTIES, ROLES
from ceasefire.web.users import add_user, list_users, new_token


@click.group()
def users() -> None:
    """Users of the web API: roles (admin, monitor, analyst, liaison, public) and tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The user's role.")
@click.option("--party", type=click.Choice(PARTIES), default=None,
              help="For a liaison: the party it speaks for.")
@workspace_option
@json_option
def users_add(name: str, role: str, party: str | None, workspace: Path | None,
              as_json: bool) -> None:
    """Add a user NAME with a role (a liaison also needs --party)."""
    with open_workspace(workspace) as ws:
        user = add_user(ws.store, name, role, party)
    if as_json:
        print_json({"name": user.name, "role": user.role, "party": user.party})
        return
    click.echo(f"added user {user.name} ({user.role}"
               + (f", party {user.party}" if user.party else "") + ")")
    note(f"issue a token with: ceasefire users token {user.name}")


@users.command("token")
@click.argument("name")
@click.option("--revoke-old", is_flag=True, help="Revoke the user's earlier tokens.")
@workspace_option
@json_option
def users_token(name: str, revoke_old: bool, workspace: Path | None, as_json: bool) -> None:
    """Print a new bearer token for NAME. It is shown once: only its hash is stored."""
    with open_workspace(workspace) as ws:
        token = new_token(ws.store, name, revoke_old=revoke_old)
    if as_json:
        print_json({"name": name, "token": token})
    else:
        click.echo(token)
    note("store it now: it cannot be shown again (only its SHA-256 is kept)")


@users.command("list")
@workspace_option
@json_option
def users_list(workspace: Path | None, as_json: bool) -> None:
    """List users, their roles and how many live tokens they have."""
    with open_workspace(workspace) as ws:
        rows = list_users(ws.store)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        party = f" ({row['party']})" if row["party"] else ""
        click.echo(f"{row['name']}\t{row['role']}{party}\t{row['tokens']} token(s)")


def register(cli: click.Group) -> None:
    cli.add_command(users)
