"""``ceasefire export reports|incidents|findings|control --format FORMAT -o FILE``.

Formats: csv, hxl (HXL-tagged CSV), geojson, parquet (GeoParquet 1.1), gpkg, fgb, kml.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ceasefire.cli._common import json_option, note, open_workspace, print_json, workspace_option
from ceasefire.formats.writers import WRITER_FORMATS
from ceasefire.services.export import (
    export_control,
    export_findings,
    export_incidents,
    export_reports,
)
from ceasefire.store.base import Store

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
    """Export reports, incidents, findings or control snapshots (CSV cells are defused
    against formulas; times are ISO 8601 UTC, typed timestamps in parquet/gpkg/fgb)."""


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


def _table_command(name: str, noun: str, write: Callable[[Store, str, Path], int],
                   help_text: str) -> None:
    """``export NAME``: the whole table in the chosen format."""

    @_format
    @_output
    @workspace_option
    @json_option
    def command(format_name: str, output: Path, workspace: Path | None, as_json: bool) -> None:
        with open_workspace(workspace) as ws:
            n = write(ws.store, format_name, output)
        _wrote(n, noun, output, format_name, as_json)

    command.__doc__ = help_text
    export.command(name)(command)


_table_command("incidents", "incident", export_incidents,
               "Incidents in the columns of DESIGN.md (incident_id, report_ids, n_reports, ...).")
_table_command("findings", "finding", export_findings,
               "Findings at their incident's location (none for territory/commitment findings).")
_table_command("control", "control snapshot", export_control,
               "Control snapshots: one polygon per date x side x source (not csv/hxl).")


def register(cli: click.Group) -> None:
    cli.add_command(export)
