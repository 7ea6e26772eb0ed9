"""``ceasefire ingest``: load report files, with exact accounting per file.

Exit codes: 0 every row was added or was a duplicate; 3 some rows were quarantined;
2 a file could not be read at all (nothing was written for it; the other files are still
ingested, each in its own transaction). ``--json`` prints one JSON object per line and file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.progress import TaskID

from ceasefire.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PARTIAL
from ceasefire.cli._common import (
    json_option,
    open_workspace,
    progress_bar,
    workspace_option,
)
from ceasefire.errors import InputError
from ceasefire.formats.registry import FORMAT_NAMES, get_reader
from ceasefire.services.ingest import check_readable, ingest_file


@click.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "format_name", type=click.Choice(FORMAT_NAMES), default="canonical",
              show_default=True, help="Format of the files (see docs/formats.md).")
@click.option("--mapping", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="YAML column mapping (with --format mapping).")
@click.option("--source-id", default=None,
              help="Source of the reports where the file does not name one; for dataset "
                   "formats, the id to register the dataset's source under.")
@workspace_option
@json_option
def ingest(files: tuple[Path, ...], format_name: str, mapping: Path | None,
           source_id: str | None, workspace: Path | None, as_json: bool) -> int:
    """Ingest report FILE(s): validate, quarantine bad rows, record one ledger entry per file.

    \b
    Exit codes: 0 every row added or a duplicate; 3 some rows quarantined
    (see `ceasefire quarantine list`); 2 a file could not be read (nothing of it written).
    --json prints one object per line and file: file, format, read, added,
    duplicates, rejected (read = added + duplicates + rejected), sha256, ledger_seq.
    """
    reader = get_reader(format_name, mapping=mapping)
    check_readable(files)
    summaries = []
    failed = False
    with open_workspace(workspace) as ws, progress_bar(quiet=len(files) == 0) as bar:
        for path in files:
            size = max(path.stat().st_size, 1)
            task = bar.add_task(path.name, total=size)

            def advance(done: int, task_id: TaskID = task) -> None:
                bar.update(task_id, completed=done)

            try:
                summary = ingest_file(ws, path, reader, source_id=source_id, progress=advance)
            except InputError as exc:
                # this file's transaction was rolled back; the others stand on their own
                failed = True
                for problem in exc.problems:
                    click.echo(f"error: {problem}", err=True)
                continue
            bar.update(task, completed=size)
            summaries.append(summary)
            if as_json:  # one JSON object per line and file, as each file finishes
                sys.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False) + "\n")
                sys.stdout.flush()
    if not as_json:
        for s in summaries:
            click.echo(f"{s.file}: read {s.read}, added {s.added}, duplicates {s.duplicates}, "
                       f"rejected {s.rejected}" + (f" (ledger entry {s.ledger_seq})"
                                                   if s.ledger_seq else ""))
    if any(s.rejected for s in summaries):
        # a warning that goes with exit code 3, not a note: shown under -q too
        click.echo("rejected rows are in the quarantine: `ceasefire quarantine list`", err=True)
    if failed:
        return EXIT_BAD_INPUT
    return EXIT_PARTIAL if any(s.rejected for s in summaries) else EXIT_OK


def register(cli: click.Group) -> None:
    cli.add_command(ingest)
