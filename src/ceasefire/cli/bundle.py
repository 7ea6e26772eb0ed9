"""``ceasefire bundle`` (write a finding's evidence bundle) and ``ceasefire verify-bundle``
(check one anywhere: it needs no workspace)."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import json_option, open_workspace, print_json, workspace_option
from ceasefire.errors import InputError
from ceasefire.record.bundle import write_bundle
from ceasefire.record.bundle_check import check_bundle

MAX_READ = 512 << 20


@click.command()
@click.argument("finding_id")
@click.option("--output", "-o", "output", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The .zip to write.")
@workspace_option
@json_option
def bundle(finding_id: str, output: Path, workspace: Path | None, as_json: bool) -> None:
    """Write FINDING_ID's evidence bundle: the finding, its incident and reports as stored,
    evidence hashes and small files, the ledger entries, Merkle proofs to a signed
    checkpoint (signed now if needed), the public keys and a README on checking it by hand."""
    with open_workspace(workspace) as ws:
        summary = write_bundle(ws, finding_id, output)
    if as_json:
        print_json(summary.__dict__)
        return
    click.echo(f"wrote {summary.path} ({summary.bytes} bytes): {summary.rows} rows, "
               f"{summary.entries} ledger entries, {summary.evidence_files} evidence files, "
               f"proven to checkpoint 1..{summary.checkpoint_size} signed by {summary.key_id} "
               f"(log id {summary.log_id})")


@click.command("verify-bundle")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--log-id", default=None,
              help="Require the bundle's log id (the first key's id) to be this one, as the "
                   "mission publishes it.")
@json_option
def verify_bundle(file: Path, log_id: str | None, as_json: bool) -> None:
    """Check an evidence bundle offline, without any workspace.

    \b
    Exit codes: 0 it verifies; 1 it does not (changed, or proves nothing);
    2 it is not a readable bundle.
    """
    try:
        size = file.stat().st_size
        if size > MAX_READ:
            raise InputError(f"larger than {MAX_READ >> 20} MiB: not a bundle", file=file)
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("file not found", file=file) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=file) from exc
    report = check_bundle(data, str(file), log_id)
    if as_json:
        print_json({"ok": True, **report.__dict__})
        return
    click.echo(f"bundle OK: finding {report.finding_id} ({report.verdict}), incident "
               f"{report.incident_id or '-'}, {report.reports} reports, {report.evidence_files} "
               f"evidence files, {report.entries} ledger entries proven to checkpoint "
               f"1..{report.checkpoint_size} ({report.checkpoint_time}) signed by "
               f"{report.key_id}, log id {report.log_id}")
    if log_id is None:
        click.echo("trust: compare the log id with the one the mission publishes "
                   "(or pass --log-id)", err=True)


def register(cli: click.Group) -> None:
    cli.add_command(bundle)
    cli.add_command(verify_bundle)
