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
from ceasefire.core.linkage import LinkageModel, explain_table
from ceasefire.engines import engine_session  # registers --engine dask
from ceasefire.services.fusion import ENGINES, fuse_workspace


@click.command()
@workspace_option
@click.option("--rebuild", is_flag=True,
              help="Start over: fit the linkage model again and fuse every report again "
                   "(after changing [scoring] or a source's reliability). Default: "
                   "incremental, only new reports, with the last run's model frozen.")
@click.option("--keep-model", is_flag=True,
              help="With --rebuild: keep the last run's linkage model instead of fitting it "
                   "again.")
@click.option("--explain", is_flag=True,
              help="Print the linkage model used: m, u and match weight of every "
                   "comparison level, and the prior.")
@click.option("--engine", default="local", show_default=True,
              type=click.Choice(sorted(ENGINES)),
              help="Batch engine that runs the fusion: local, or dask (dask.distributed: "
                   "the [engine] scheduler of ceasefire.toml, else a LocalCluster); "
                   "both give the same incidents.")
@json_option
def fuse(workspace: Path | None, rebuild: bool, keep_model: bool, explain: bool, engine: str,
         as_json: bool) -> None:
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

        summary = fuse_workspace(ws, rebuild=rebuild, engine=engine, progress=progress,
                                 refit=False if keep_model else None)
    if as_json:
        print_json(summary.as_dict() if explain or summary.model is None
                   else summary.as_dict() | {"model": None})
        return
    if explain and summary.model is not None:
        _print_model(LinkageModel.from_dict(summary.model), summary.refitted)
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


def _print_model(model: LinkageModel, refitted: bool) -> None:
    """The m/u table: a level's weight is log2(m/u) bits, added to the prior's."""
    click.echo(f"linkage model ({model.method}, {'fitted in this run' if refitted else 'frozen'})"
               f": prior match rate {model.prior:.4f} ({model.prior_weight():+.2f} bits)")
    stats = ", ".join(f"{k} {v:g}" for k, v in sorted(model.stats.items()))
    if stats:
        click.echo(f"  fitted on: {stats}")
    click.echo(f"  {'comparison':<10} {'level':<17} {'m':>9} {'u':>9} {'weight (bits)':>14}")
    for row in explain_table(model):
        click.echo(f"  {row['comparison']:<10} {row['level']:<17} {row['m']:>9.5f} "
                   f"{row['u']:>9.5f} {row['weight_bits']:>+14.2f}")
    click.echo(f"  a pair matches when prior + its levels' weights > "
               f"{model.threshold_bits:+.2f} bits (the fitted threshold); a report joins the "
               "incident whose members are all its candidates and whose summed weight, less "
               "the threshold, is positive and largest (no chaining)")


def register(cli: click.Group) -> None:
    cli.add_command(fuse)
