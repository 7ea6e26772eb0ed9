"""``ceasefire fuse``: reports become incidents, with an explained confidence."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import TaskID

from ceasefire.cli._common import (
    json_option,
    open_workspace,
    print_json,
    progress_bar,
    workspace_option,
)
from ceasefire.engines import engine_session  # registers --engine dask
from ceasefire.services.fusion import ENGINES, fuse_workspace


@click.command()
@workspace_option
@click.option("--rebuild", is_flag=True,
              help="Start over: fuse every report again (after changing [scoring] or a "
                   "source's reliability). Default: incremental, only new reports.")
@click.option("--engine", default="local", show_default=True,
              type=click.Choice(sorted(ENGINES)),
              help="Batch engine that runs the fusion: local, or dask (dask.distributed: "
                   "the [engine] scheduler of ceasefire.toml, else a LocalCluster); "
                   "both give the same incidents.")
@json_option
def fuse(workspace: Path | None, rebuild: bool, engine: str, as_json: bool) -> None:
    """Fuse reports into incidents: group the reports that describe one event, fuse its time
    and place, and score how likely it is real (see docs/scoring.md).

    Incremental by default: new reports attach to existing incidents, with the same result
    as fusing everything at once. Each run is recorded in the ledger.
    """
    with open_workspace(workspace) as ws, progress_bar(quiet=False) as bar, \
            engine_session(ws, engine):
        tasks: dict[str, TaskID] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=max(total, 1))
            bar.update(tasks[phase], completed=done, total=max(total, 1))

        summary = fuse_workspace(ws, rebuild=rebuild, engine=engine, progress=progress)
    if as_json:
        print_json(summary.as_dict())
        return
    if summary.ledger_seq is None:
        click.echo(f"nothing to fuse: {summary.reports} located report(s) already in "
                   f"{summary.incidents} incident(s)")
        return
    click.echo(
        f"fused {summary.reports} report(s) ({summary.new_reports} new) into "
        f"{summary.incidents} incident(s): {summary.written} written, {summary.removed} "
        f"replaced; {summary.pairs} compatible pair(s); {summary.seconds:.1f} s; "
        f"ledger entry {summary.ledger_seq}")
    if summary.rebuilt_because:
        click.echo(f"rebuilt all incidents: {summary.rebuilt_because}")
    if summary.unlocated:
        click.echo(f"{summary.unlocated} report(s) without lat/lon were not fused "
                   "(geocode their place first)")


def register(cli: click.Group) -> None:
    cli.add_command(fuse)
