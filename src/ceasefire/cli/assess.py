"""``ceasefire assess``: attribute incidents and judge them against an agreement."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import (
    json_option,
    open_workspace,
    print_json,
    progress_bar,
    workspace_option,
)
from ceasefire.engines import engine_session  # registers --engine dask
from ceasefire.services.assess import ENGINES
from ceasefire.services.assess import assess as run_assess


@click.command()
@workspace_option
@click.option("--agreement", "agreement_id", required=True, help="Agreement id to assess.")
@click.option("--as-if-in-force", is_flag=True,
              help="Scenario mode: assess a proposal as though it had come into force.")
@click.option("--engine", type=click.Choice(sorted(ENGINES)), default="local",
              show_default=True,
              help="Batch engine: local, or dask (time blocks on dask.distributed: the "
                   "[engine] scheduler of ceasefire.toml, else a LocalCluster); both give the "
                   "same findings.")
@json_option
def assess(workspace: Path | None, agreement_id: str, as_if_in_force: bool, engine: str,
           as_json: bool) -> None:
    """Attribute the window's incidents and make findings for every provision."""
    with open_workspace(workspace) as ws, progress_bar() as progress, \
            engine_session(ws, engine):
        task = progress.add_task(f"assess {agreement_id}", total=5)

        def step(description: str, done: int, total: int) -> None:
            progress.update(task, description=f"assess {agreement_id}: {description}",
                            completed=done, total=total)

        result = run_assess(ws, agreement_id, as_if_in_force=as_if_in_force, progress=step,
                            engine=engine)
    if as_json:
        print_json(result.__dict__)
        return
    mode = " (scenario: as if in force)" if result.scenario else ""
    click.echo(f"{result.agreement_id} v{result.version}{mode}: {result.incidents} incidents "
               f"in the window, {result.findings} findings, ledger entry {result.ledger_seq}")
    for verdict, n in sorted(result.by_verdict.items(), key=lambda kv: -kv[1]):
        click.echo(f"  {verdict:16} {n}")
    for note in result.notes:
        click.echo(f"  note: {note}")


def register(cli: click.Group) -> None:
    cli.add_command(assess)
