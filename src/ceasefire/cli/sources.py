"""``ceasefire sources add FILE`` and ``ceasefire sources list``."""

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
from ceasefire.services.sources import add_sources_file, list_sources


@click.group()
def sources() -> None:
    """The source registry: kind, affiliation, Admiralty reliability A-F, origin group."""


@sources.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@workspace_option
@json_option
def add(file: Path, workspace: Path | None, as_json: bool) -> None:
    """Add the sources of a sources.csv (source_id, name, kind, affiliation, reliability,
    origin_group). Sources already stored identically are left as they are."""
    with open_workspace(workspace) as ws:
        result = add_sources_file(ws, file)
    if as_json:
        print_json(result.as_dict())
    else:
        click.echo(f"{file}: added {result.added} source(s), {result.unchanged} already stored")


@sources.command("list")
@workspace_option
@json_option
def list_(workspace: Path | None, as_json: bool) -> None:
    """List the stored sources and how many reports each has."""
    with open_workspace(workspace) as ws:
        rows = list_sources(ws.store)
    if as_json:
        print_json(rows)
        return
    columns = ["source_id", "name", "kind", "affiliation", "reliability", "origin_group",
               "reports"]
    print_rows(columns, [[row[c] for c in columns] for row in rows], right=["reports"])


def register(cli: click.Group) -> None:
    cli.add_command(sources)
