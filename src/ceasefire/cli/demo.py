"""``ceasefire demo``: run the whole job on the bundled 2025 sample."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import click

from ceasefire.cli._common import json_option, print_json, progress_bar
from ceasefire.config import CONFIG_FILE
from ceasefire.errors import WorkspaceError
from ceasefire.services.demo import EXAMPLES, RUNS, run_demo

STEPS = 3 + 2 * len(RUNS) + 1


@click.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("ceasefire-demo"), show_default=True,
              help="Folder for the demo workspace.")
@click.option("--force", is_flag=True, help="Replace an existing demo workspace in --dir.")
@click.option("--examples", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=EXAMPLES, show_default=False,
              help="The examples folder (sample, agreements, claims). Default: the "
                   "checkout's, else the installed package's.")
@json_option
def demo(directory: Path, force: bool, examples: Path, as_json: bool) -> None:
    """Create a workspace from the bundled 2025 sample, run everything, write the reports.

    Import DeepState snapshots, ingest (VIINA reports, energy-strike screen, the RU MoD's
    posts and the UA Air Force's waves), fuse, assess the energy moratorium, the Easter and May truces and the 30-day proposal (as if in
    force), check the March 2025 and truce claims, and write HTML/PDF/Markdown/JSON reports.
    """
    if directory.exists() and any(directory.iterdir()):
        if not force:
            raise WorkspaceError(f"{directory} exists and is not empty: use --force to replace "
                                 "it, or --dir for another folder")
        if not (directory / CONFIG_FILE).exists():
            raise WorkspaceError(f"{directory} is not a ceasefire workspace: not replacing it")
        shutil.rmtree(directory)
    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("demo", total=STEPS)

        def step(name: str) -> None:
            progress.update(task, description=f"demo: {name}", advance=1)

        summary = run_demo(directory, examples=examples, step=step)
        progress.update(task, description="demo: done", completed=STEPS)
    elapsed = time.perf_counter() - started
    if as_json:
        print_json({"workspace": str(summary.workspace), "seconds": round(elapsed, 1),
                    "reports_read": summary.reports_read, "reports_added": summary.reports_added,
                    "incidents": summary.incidents, "snapshots": summary.snapshots,
                    "findings": summary.findings, "claims": summary.claims,
                    "report_files": [str(p) for p in summary.report_files]})
        return
    click.echo(f"\nworkspace {summary.workspace} ({elapsed:.0f} s)")
    click.echo(f"  reports: {summary.reports_read} read, {summary.reports_added} added; "
               f"{summary.incidents} incidents; {summary.snapshots} control snapshots")
    for agreement, verdicts in summary.findings.items():
        text = ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items(), key=lambda x: -x[1]))
        click.echo(f"  {agreement}: {text or 'no findings'}")
    for claim in summary.claims:
        click.echo(f"  claim {claim['claim_id']}: {claim['verdict']}"
                   + (f" (measured {claim['measured']})" if claim['measured'] is not None else ""))
    click.echo("reports:")
    for path in summary.report_files:
        if path.suffix in (".html", ".pdf"):
            click.echo(f"  {path}")


def register(cli: click.Group) -> None:
    cli.add_command(demo)
