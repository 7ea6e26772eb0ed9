"""``ceasefire report``: the mission report for an agreement and a period."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import (
    ISO_TIME,
    When,
    json_option,
    open_workspace,
    print_json,
    workspace_option,
)
from ceasefire.reports.render import FORMATS, write_report
from ceasefire.services.claims import check_claims, read_claim_files
from ceasefire.services.reporting import build_report


@click.command()
@workspace_option
@click.option("--agreement", "agreement_id", required=True, help="Agreement id.")
@click.option("--from", "day_from", required=True, type=ISO_TIME,
              help="First day reported (ISO 8601; a time counts as its UTC day).")
@click.option("--to", "day_to", required=True, type=ISO_TIME,
              help="Last day reported (ISO 8601; a time counts as its UTC day).")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
              default=("html",), show_default=True, help="Repeatable: html, md, json, pdf.")
@click.option("--claims", "claim_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Claims files to check against the evidence in the report (repeatable).")
@click.option("-o", "--output", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@json_option
def report(workspace: Path | None, agreement_id: str, day_from: When, day_to: When,
           formats: tuple[str, ...], claim_files: tuple[Path, ...], out_dir: Path,
           as_json: bool) -> None:
    """Write the report: summary, violations, map, charts, incidents, claims, methods."""
    start, end = day_from.day, day_to.day
    with open_workspace(workspace) as ws:
        claims = check_claims(ws, read_claim_files(claim_files)) if claim_files else []
        content = build_report(ws, agreement_id, start, end, claims)
        written = write_report(content, out_dir, list(dict.fromkeys(formats)))
    if as_json:
        print_json({"agreement_id": agreement_id, "from": start.isoformat(),
                    "to": end.isoformat(), "files": [str(p) for p in written]})
        return
    for path in written:
        click.echo(f"wrote {path}")


def register(cli: click.Group) -> None:
    cli.add_command(report)
