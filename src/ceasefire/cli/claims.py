"""``ceasefire claims check``: public claims against the evidence."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import (
    json_option,
    open_workspace,
    print_json,
    print_rows,
    workspace_option,
)
from ceasefire.services.claims import check_claims, read_claim_files


@click.group()
def claims() -> None:
    """Claims: statements reduced to checkable propositions, and their verdicts."""


@claims.command("check")
@workspace_option
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@json_option
def check(workspace: Path | None, files: tuple[Path, ...], as_json: bool) -> None:
    """Check claims files (YAML, or the truce-claims CSV) against this workspace."""
    parsed = read_claim_files(files)
    with open_workspace(workspace) as ws:
        results = check_claims(ws, parsed)
    if as_json:
        print_json([v.to_dict() for _, v in results])
        return
    print_rows(["claim", "verdict", "measured", "coverage", "reason"],
               [(v.claim_id, v.verdict, v.measured,
                 None if v.coverage is None else f"{v.coverage:.2f}",
                 v.reason + (f" [caveat: {v.caveat}]" if v.caveat else ""))
                for _, v in results], right=["measured", "coverage"])


def register(cli: click.Group) -> None:
    cli.add_command(claims)
