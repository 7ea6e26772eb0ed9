"""``ceasefire export reports|incidents --format csv|geojson|parquet -o FILE``."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import json_option, note, open_workspace, print_json, workspace_option
from ceasefire.formats.writers import WRITER_FORMATS
from ceasefire.services.export import export_incidents, export_reports

_format = click.option("--format", "format_name", type=click.Choice(WRITER_FORMATS),
                       default="csv", show_default=True, help="Output format.")
_output = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                       required=True, help="File to write (written atomically).")


def _wrote(rows: int, what: str, output: Path, format_name: str, as_json: bool) -> None:
    if as_json:
        print_json({"rows": rows, "output": str(output), "format": format_name})
    else:
        note(f"wrote {rows} {what}(s) to {output}")


@click.group()
def export() -> None:
    """Export stored reports or fused incidents (CSV cells are defused against formulas)."""


@export.command("reports")
@_format
@_output
@click.option("--source-id", default=None, help="Only the reports of this source.")
@workspace_option
@json_option
def reports(format_name: str, output: Path, source_id: str | None,
            workspace: Path | None, as_json: bool) -> None:
    """Reports in the canonical reports.csv columns, plus global_id (source_id:report_id)."""
    with open_workspace(workspace) as ws:
        where = {"source_id": source_id} if source_id else None
        n = export_reports(ws.store, format_name, output, where)
    _wrote(n, "report", output, format_name, as_json)


@export.command("incidents")
@_format
@_output
@workspace_option
@json_option
def incidents(format_name: str, output: Path, workspace: Path | None, as_json: bool) -> None:
    """Incidents in the columns of DESIGN.md (incident_id, report_ids, n_reports, ...)."""
    with open_workspace(workspace) as ws:
        n = export_incidents(ws.store, format_name, output)
    _wrote(n, "incident", output, format_name, as_json)


def register(cli: click.Group) -> None:
    cli.add_command(export)
