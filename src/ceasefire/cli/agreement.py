"""``ceasefire agreement check|add|show|list``: agreements as checkable terms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ceasefire.cli._common import (
    console,
    json_option,
    open_workspace,
    print_json,
    workspace_option,
)
from ceasefire.core.agreement import Agreement, Position, Provision
from ceasefire.errors import AgreementError, Problem
from ceasefire.formats.agreement_schema import to_document
from ceasefire.formats.agreement_yaml import read_agreement
from ceasefire.services import agreements as service

EXIT_BAD_INPUT = 2


@click.group()
def agreement() -> None:
    """Agreements: check files, store versions, show terms and positions."""


@agreement.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
def check(files: tuple[Path, ...], as_json: bool) -> int:
    """Check agreement files: one line per problem (file:line: field: message), exit 2 if any."""
    results: list[dict[str, Any]] = []
    failed = False
    for file in files:
        problems: list[Problem] = []
        loaded: Agreement | None = None
        try:
            loaded = read_agreement(file)
        except AgreementError as exc:
            problems = exc.problems
        failed = failed or bool(problems)
        results.append({"file": str(file), "ok": not problems,
                        "agreement_id": loaded.id if loaded else None,
                        "problems": [{"line": p.line, "field": p.field, "message": p.message}
                                     for p in problems]})
        for problem in problems:
            click.echo(str(problem), err=True)
        if not problems and not as_json and loaded is not None:
            click.echo(f"{file}: OK ({loaded.id} v{loaded.version}, {loaded.status}, "
                       f"{len(loaded.provisions)} provisions)")
    if as_json:
        print_json(results)
    return EXIT_BAD_INPUT if failed else 0


@agreement.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@workspace_option
@json_option
def add(file: Path, workspace: Path | None, as_json: bool) -> None:
    """Store a version of an agreement; a new `version` of a known id records an amendment."""
    with open_workspace(workspace) as ws:
        result = service.add_agreement(ws, file)
    if as_json:
        print_json({"agreement_id": result.agreement_id, "version": result.version,
                    "added": result.added, "amends": result.amends,
                    "ledger_seq": result.ledger_seq})
    else:
        click.echo(result.summary)


@agreement.command(name="list")
@workspace_option
@json_option
def list_(workspace: Path | None, as_json: bool) -> None:
    """List the stored agreements (latest version of each)."""
    with open_workspace(workspace) as ws:
        rows = service.list_agreements(ws)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("no agreements stored; add one with `ceasefire agreement add FILE`")
        return
    # plain aligned lines: titles are long and a narrow table would fold the ids
    width = max(len(row["agreement_id"]) for row in rows)
    for row in rows:
        versions = ",".join(map(str, row["versions"]))
        click.echo(f"{row['agreement_id']:<{width}}  v{row['version']} (versions {versions})  "
                   f"{row['status']:<9}  effective {row['effective_at']}  {row['title']}")


@agreement.command()
@click.argument("ref", metavar="ID|FILE")
@click.option("--version", "version", type=int, default=None,
              help="A stored version (default: the latest).")
@workspace_option
@json_option
def show(ref: str, version: int | None, workspace: Path | None, as_json: bool) -> None:
    """Show an agreement's window, zones, provisions and positions matrix (provision × party).

    ID|FILE is a stored agreement id, or an agreement file (read without a workspace).
    """
    meta: dict[str, Any] = {}
    if Path(ref).is_file():
        if version is not None:
            raise click.UsageError("--version applies to stored agreements, not to files")
        item = read_agreement(ref)
        meta = {"source_file": ref}
    else:
        with open_workspace(workspace) as ws:
            stored = service.get_agreement(ws, ref, version)
        item = stored.agreement
        meta = {"stored_version": stored.version, "versions": list(stored.versions),
                "ledger_seq": stored.ledger_seq, "source_file": stored.source_file}
    if as_json:
        print_json({**meta, "document": to_document(item),
                    "positions": _matrix_json(item)})
        return
    render(item, meta)


def _matrix_json(item: Agreement) -> list[dict[str, Any]]:
    return [{"provision": p.id, "kind": p.kind,
             "positions": {party: (pos.label() if pos else None) for party, pos in row.items()}}
            for p, row in item.position_matrix()]


def _fmt_time(value: Any) -> str:
    return value.isoformat() if value is not None else "open"


def _parameters(p: Provision) -> str:
    parts = []
    for name in ("categories", "weapon_classes", "target_classes", "weapon_class",
                 "min_calibre_mm", "systems", "distance_km", "tolerance_km2",
                 "beneficiaries", "due", "status", "evidence"):
        value = getattr(p, name, None)
        if value in (None, (), ""):
            continue
        if isinstance(value, tuple):
            value = ", ".join(map(str, value))
        elif isinstance(value, float):
            value = f"{value:g}"
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        parts.append(f"{name}: {value}")
    if p.zone:
        parts.append(f"zone: {p.zone}")
    if p.window:
        end = _fmt_time(p.window.end) if p.window.end else "the agreement's end"
        parts.append(f"window: {_fmt_time(p.window.start)} → {end}")
    return "\n".join(parts)


def _cell(position: Position | None) -> str:
    return position.label() if position is not None else "—"


def _say(text: str) -> None:
    """Print file-provided text literally (no rich markup, no highlighting)."""
    console.print(Text(text), soft_wrap=True)


def render(item: Agreement, meta: dict[str, Any]) -> None:
    """Print an agreement for people (rich tables on stdout; file text is never markup)."""
    console.print(f"[bold]{escape(item.title)}[/bold]")
    versions = meta.get("versions")
    _say(f"id {item.id}  version {item.version}"
                  + (f" (stored versions: {', '.join(map(str, versions))})" if versions else "")
                  + f"  status {item.status}  effective {item.effective.isoformat()}")
    window = item.window
    span = f"{_fmt_time(window.start)} → {_fmt_time(window.end)}"
    if window.duration:
        span += f" ({window.duration})"
    _say(f"window: {span}")
    for party in sorted(window.party_starts):
        start, end = item.window_for(party)
        _say(f"  {party} counts from {_fmt_time(start)} → {_fmt_time(end)}")
    if window.note:
        _say(f"  note: {window.note}")
    actors = ", ".join(f"{a.id} ({a.name}, {a.role})" for a in item.actors)
    _say(f"parties and mediators: {actors}")
    if item.zones:
        _say("zones:")
        for zone in item.zones:
            detail = {"geojson": zone.path or "inline polygon",
                      "national": zone.country,
                      "contact_line_buffer": f"{zone.distance_km:g} km, side {zone.side}"
                      if zone.distance_km else None}.get(zone.kind)
            _say(f"  {zone.id}: {zone.kind}" + (f" ({detail})" if detail else "")
                          + (f" — {zone.description}" if zone.description else ""))

    provisions = Table("provision", "kind", "binds", "parameters", "text",
                       title="Provisions", show_lines=True, expand=True)
    provisions.columns[0].no_wrap = True
    for p in item.provisions:
        provisions.add_row(*(Text(v) for v in (p.id, p.kind, ", ".join(p.binds),
                                               _parameters(p), p.text)))
    console.print(provisions)

    matrix = item.position_matrix()
    holders = list(matrix[0][1]) if matrix else []
    positions = Table("provision", *holders, title="Positions (provision × party)",
                      show_lines=True, expand=True)
    positions.columns[0].no_wrap = True
    for p, row in matrix:
        positions.add_row(Text(f"{p.id}\n({p.kind})"),
                          *[Text(_cell(row[h])) for h in holders])
    console.print(positions)
    if item.sources:
        _say("sources:")
        for citation in item.sources:
            _say(f"  [{citation.id}] {citation.title}"
                          + (f", {citation.publisher}" if citation.publisher else "")
                          + (f", {citation.date.isoformat()}" if citation.date else "")
                          + (f" {citation.url}" if citation.url else ""))


def register(cli: click.Group) -> None:
    cli.add_command(agreement)
