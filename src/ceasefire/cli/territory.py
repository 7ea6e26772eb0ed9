"""``ceasefire territory``: control snapshots, areas, change, the contact line, buffers and
``no_advance`` gains. A thin layer over :mod:`ceasefire.services.territory`.

Every command that takes a date uses the snapshot of that date, or the latest one before
it and says so; with no snapshot at all before the date it names the dates that exist.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from ceasefire.cli._common import (
    ISO_TIME,
    When,
    json_option,
    note,
    open_workspace,
    print_json,
    progress_bar,
    workspace_option,
)
from ceasefire.core.territory import SIDES
from ceasefire.errors import InputError
from ceasefire.services import territory as svc

DATE = ISO_TIME  # any ISO 8601 date or time; territory works on its (UTC) day
POSITIVE_KM = click.FloatRange(min=0, min_open=True)
NON_NEGATIVE = click.FloatRange(min=0)


def _day(value: When) -> date:
    return value.day


def _note(text: str) -> None:
    if text:
        note(f"note: {text}")


def source_option(func: Any) -> Any:
    return click.option("--source", default=None,
                        help="Snapshot source to read (default: deepstate, else the only one).")(func)


def output_option(required: bool, help_text: str) -> Any:
    return click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                        required=required, default=None, help=help_text)


@click.group()
def territory() -> None:
    """Territorial control: import snapshots; areas, change, contact line, buffers, gains."""


@territory.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(svc.FORMATS), default="deepstate",
              show_default=True, help="deepstate: deepstatemap_data_YYYYMMDD.geojson (side RU); "
                                      "geojson: features with a `side` and `date` property; "
                                      "places: per-place control table (CSV, VIINA style).")
@click.option("--date", "snapshot_date", type=DATE, default=None,
              help="Date for --format geojson files whose features carry none.")
@click.option("--status-column", default="status", show_default=True,
              help="--format places: the column with UA/RU (VIINA: status_dsm, status_wiki ...).")
@click.option("--places", "places", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="--format places: gazetteer CSV (id, lon, lat) for tables "
                                 "without coordinates.")
@click.option("--id-column", default="geonameid", show_default=True,
              help="--format places: the column joining the table to the gazetteer.")
@click.option("--source", default=None,
              help="Source name to store the snapshots under (default: deepstate, geojson "
                   "or places, after the format).")
@workspace_option
@json_option
def import_(files: tuple[Path, ...], fmt: str, snapshot_date: When | None,
            status_column: str, places: Path | None, id_column: str, source: str | None,
            workspace: Path | None, as_json: bool) -> None:
    """Import control snapshot FILE(s); snapshots already stored are skipped."""
    with open_workspace(workspace) as ws, progress_bar() as bar:
        task = bar.add_task("reading", total=len(files))
        areas = bar.add_task("areas", total=None, visible=False)

        def area_done() -> None:
            bar.update(areas, visible=True, total=len(files))
            bar.advance(areas)

        result = svc.import_snapshots(
            ws, list(files), fmt, snapshot_date=_day(snapshot_date) if snapshot_date else None,
            source=source, status_column=status_column, places=places, id_column=id_column,
            on_file=lambda _p: bar.advance(task), on_area=area_done)
    if as_json:
        print_json({"added": len(result.added), "skipped": len(result.skipped),
                    "repaired": result.repaired, "ledger_seq": result.ledger_seq,
                    "snapshots": [{"date": d, "side": s, "source": src}
                                  for d, s, src in result.added]})
        return
    dates = sorted({d for d, _, _ in result.added})
    span = f" ({dates[0]} .. {dates[-1]})" if dates else ""
    click.echo(f"added {len(result.added)} snapshots{span}, skipped {len(result.skipped)} "
               "already stored" + (f" (ledger entry {result.ledger_seq})"
                                   if result.ledger_seq else ""))
    for name in result.repaired:
        note(f"note: {name}: invalid rings repaired with make_valid")


@territory.command("list")
@workspace_option
@json_option
def list_(workspace: Path | None, as_json: bool) -> None:
    """The stored snapshots: per source and side, how many, from when to when."""
    with open_workspace(workspace) as ws:
        summary = svc.snapshot_summary(ws)
    if as_json:
        print_json(summary)
        return
    if not summary:
        click.echo("no control snapshots; import some with `ceasefire territory import FILE...`")
    for row in summary:
        click.echo(f"{row['source']:<14} {row['side']:<3} {row['snapshots']:>5} snapshots  "
                   f"{row['first']} .. {row['last']}  (latest area {row['latest_km2']:,.1f} km²)")


@territory.command()
@click.option("--date", "day", type=DATE, required=True, help="Date (ISO 8601: YYYY-MM-DD, or a time, whose UTC day is used).")
@click.option("--by", "by", type=click.Choice(["region"]), default=None,
              help="Also break the areas down by region (oblast).")
@source_option
@workspace_option
@json_option
def stats(day: When, by: str | None, source: str | None, workspace: Path | None,
          as_json: bool) -> None:
    """Area and share of the national territory held by each side on a date."""
    with open_workspace(workspace) as ws:
        resolved = svc.control_on(ws, _day(day), source)
    ctl = resolved.control
    result = svc.territory_stats(svc.national_territory(), ctl, by_region=by == "region")
    _note(resolved.note)
    if as_json:
        print_json({"date": ctl.date.isoformat(), "requested": resolved.requested.isoformat(),
                    "source": ctl.source, "national_km2": round(result.national_km2, 3),
                    "sides": [{"side": s.side, "area_km2": round(s.area_km2, 3),
                               "share_pct": round(s.share_pct, 4), "derived": s.derived}
                              for s in result.sides],
                    "regions": [{"code": r.code, "name": r.name_en, "side": r.side,
                                 "area_km2": round(r.area_km2, 3),
                                 "region_km2": round(r.region_km2, 3),
                                 "share_pct": round(r.share_pct, 4)} for r in result.regions]})
        return
    click.echo(f"{ctl.date} ({ctl.source}): national territory {result.national_km2:,.0f} km² "
               "(geodesic, WGS84, Minregion outline)")
    for s in result.sides:
        how = "derived: national territory minus the other side" if s.derived else "as drawn"
        click.echo(f"  {s.side}  {s.area_km2:>11,.1f} km²  {s.share_pct:6.2f} %  ({how})")
    if result.regions:
        click.echo(f"  {'region':<35} {'side':<4} {'km²':>11} {'% of region':>12}")
        for r in result.regions:
            if r.area_km2 > 0.005:
                click.echo(f"  {r.code} {r.name_en:<29} {r.side:<4} {r.area_km2:>11,.1f} "
                           f"{r.share_pct:>11.2f}%")


@territory.command()
@click.option("--from", "start", type=DATE, required=True)
@click.option("--to", "end", type=DATE, required=True)
@click.option("--side", type=click.Choice(SIDES), default=None,
              help="Write only the polygons this side gained (default: both sides).")
@click.option("--min-km2", type=NON_NEGATIVE, default=0.0, show_default=True,
              help="Leave out polygons smaller than this (map re-drawing noise).")
@output_option(False, "Write the gained polygons as RFC 7946 GeoJSON.")
@source_option
@workspace_option
@json_option
def change(start: When, end: When, side: str | None, min_km2: float,
           output: Path | None, source: str | None, workspace: Path | None,
           as_json: bool) -> None:
    """Polygons gained and lost by each side between two dates, with their areas."""
    if _day(end) < _day(start):
        raise InputError(f"--to {_day(end)} is before --from {_day(start)}", field="--to")
    with open_workspace(workspace) as ws:
        before = svc.control_on(ws, _day(start), source)
        after = svc.control_on(ws, _day(end), before.control.source)
    _note(before.note)
    _note(after.note)
    result = svc.control_change(before.control, after.control, min_piece_km2=min_km2)
    written = None
    if output:
        written = svc.write_feature_collection(
            output, svc.change_features(result, [side] if side else SIDES))
    summary = {s: {"gained_km2": round(result.gained_km2(s), 4),
                   "lost_km2": round(result.lost_km2(s), 4),
                   "gained_polygons": sum(1 for p in result.pieces if p.side == s)}
               for s in SIDES}
    if as_json:
        print_json({"from": result.date_from.isoformat(), "to": result.date_to.isoformat(),
                    "source": after.control.source, "sides": summary,
                    "output": str(output) if output else None, "features": written})
        return
    click.echo(f"{result.date_from} → {result.date_to} ({after.control.source})")
    for s in SIDES:
        entry = summary[s]
        click.echo(f"  {s} gained {entry['gained_km2']:>9,.2f} km² "
                   f"({entry['gained_polygons']} polygons), lost {entry['lost_km2']:>9,.2f} km²")
    net = result.gained_km2(SIDES[1]) - result.lost_km2(SIDES[1])
    click.echo(f"  net change for {SIDES[1]}: {net:+,.2f} km²")
    if output:
        click.echo(f"wrote {written} polygons to {output}")


@territory.command()
@click.option("--from", "start", type=DATE, required=True)
@click.option("--to", "end", type=DATE, required=True)
@click.option("--side", type=click.Choice(SIDES), default=SIDES[1], show_default=True)
@output_option(False, "Write a PNG chart of the area over time.")
@source_option
@workspace_option
@json_option
def series(start: When, end: When, side: str, output: Path | None,
           source: str | None, workspace: Path | None, as_json: bool) -> None:
    """Area held on every snapshot date in a period, as a table and optionally a PNG chart."""
    with open_workspace(workspace) as ws:
        maps = svc.controls_between(ws, _day(start), _day(end), source, from_first=True)
    points = svc.series_of(maps, side)
    if output:
        svc.render_series_chart(points, output, f"Territory held by {side}, {maps[0].date} – "
                                                f"{maps[-1].date} ({maps[0].source})")
    if as_json:
        print_json([{"date": p.date.isoformat(), "side": p.side,
                     "area_km2": round(p.area_km2, 3), "share_pct": round(p.share_pct, 4),
                     "gained_km2": round(p.gained_km2, 4), "lost_km2": round(p.lost_km2, 4)}
                    for p in points])
        return
    click.echo(f"{'date':<10} {'side':<4} {'area km²':>12} {'share %':>8} "
               f"{'gained':>9} {'lost':>9}")
    for p in points:
        click.echo(f"{p.date.isoformat():<10} {p.side:<4} {p.area_km2:>12,.1f} "
                   f"{p.share_pct:>8.3f} {p.gained_km2:>9.2f} {p.lost_km2:>9.2f}")
    if output:
        click.echo(f"wrote chart {output}")


@territory.command("contact-line")
@click.option("--date", "day", type=DATE, required=True)
@click.option("--border-tolerance-km", type=POSITIVE_KM, default=1.0, show_default=True,
              help="Edges within this distance of the state border or coast are not contact line.")
@click.option("--min-part-km", type=NON_NEGATIVE, default=0.0, show_default=True,
              help="Leave out parts of the line shorter than this.")
@output_option(False, "Write the line as RFC 7946 GeoJSON.")
@source_option
@workspace_option
@json_option
def contact_line_cmd(day: When, border_tolerance_km: float, min_part_km: float,
                     output: Path | None, source: str | None, workspace: Path | None,
                     as_json: bool) -> None:
    """The contact line on a date (inside the country, not the border or coast) and its length."""
    with open_workspace(workspace) as ws:
        resolved = svc.control_on(ws, _day(day), source)
    _note(resolved.note)
    line = svc.contact_line(resolved.control, border_tolerance_km, min_part_km)
    if output:
        svc.write_feature_collection(output, svc.contact_line_features(
            line, resolved.control.source))
    if as_json:
        print_json({"date": line.date.isoformat(), "source": resolved.control.source,
                    "length_km": round(line.length_km, 3), "parts": line.parts,
                    "part_lengths_km": [round(x, 3) for x in line.part_lengths_km()],
                    "border_tolerance_km": border_tolerance_km, "min_part_km": min_part_km,
                    "output": str(output) if output else None})
        return
    lengths = line.part_lengths_km()
    click.echo(f"{line.date} ({resolved.control.source}): contact line {line.length_km:,.1f} km "
               f"in {line.parts} parts (border/coast tolerance {border_tolerance_km:g} km)")
    if lengths:
        click.echo("  parts, km: " + ", ".join(f"{x:,.1f}" for x in lengths[:8])
                   + (" ..." if len(lengths) > 8 else ""))
    if output:
        click.echo(f"wrote {output}")


@territory.command()
@click.option("--date", "day", type=DATE, required=True)
@click.option("--distance", "distances", type=POSITIVE_KM, multiple=True, required=True,
              help="Distance from the contact line in km; repeat for several bands.")
@click.option("--rings", is_flag=True,
              help="Each band starts at the previous distance instead of at the line.")
@click.option("--border-tolerance-km", type=POSITIVE_KM, default=1.0, show_default=True)
@click.option("--min-part-km", type=NON_NEGATIVE, default=0.0, show_default=True,
              help="Leave out parts of the line shorter than this.")
@output_option(True, "RFC 7946 GeoJSON of the bands (one feature per distance and side).")
@source_option
@workspace_option
@json_option
def buffers(day: When, distances: tuple[float, ...], rings: bool,
            border_tolerance_km: float, min_part_km: float, output: Path, source: str | None,
            workspace: Path | None, as_json: bool) -> None:
    """Buffer bands on either side of the contact line, clipped to the country."""
    with open_workspace(workspace) as ws:
        resolved = svc.control_on(ws, _day(day), source)
    _note(resolved.note)
    line = svc.contact_line(resolved.control, border_tolerance_km, min_part_km)
    bands = svc.buffer_bands(resolved.control, line, list(distances), rings=rings)
    svc.write_feature_collection(output, svc.band_features(bands, resolved.control.source))
    rows = [{"side": b.side, "inner_km": b.inner_km, "distance_km": b.distance_km,
             "area_km2": round(b.area_km2, 3)} for b in bands]
    if as_json:
        print_json({"date": line.date.isoformat(), "source": resolved.control.source,
                    "contact_line_km": round(line.length_km, 3), "bands": rows,
                    "output": str(output)})
        return
    click.echo(f"{line.date} ({resolved.control.source}): contact line {line.length_km:,.1f} km")
    for row in rows:
        click.echo(f"  {row['side']}  {row['inner_km']:g}–{row['distance_km']:g} km  "
                   f"{row['area_km2']:>11,.1f} km²")
    click.echo(f"wrote {len(rows)} bands to {output}")


@territory.command()
@click.option("--from", "start", type=DATE, required=True, help="Window start (the frozen line).")
@click.option("--to", "end", type=DATE, required=True, help="Window end.")
@click.option("--tolerance-km2", type=NON_NEGATIVE, required=True,
              help="A side's net gain up to this total is within tolerance.")
@click.option("--min-polygon-km2", type=NON_NEGATIVE, default=0.0, show_default=True,
              help="Ignore gained polygons smaller than this (re-drawing noise).")
@output_option(False, "Write the advances as RFC 7946 GeoJSON.")
@source_option
@workspace_option
@json_option
def gains(start: When, end: When, tolerance_km2: float, min_polygon_km2: float,
          output: Path | None, source: str | None, workspace: Path | None,
          as_json: bool) -> None:
    """Territory gained during a window beyond a tolerance: the geometry for no_advance."""
    with open_workspace(workspace) as ws:
        maps = svc.controls_between(ws, _day(start), _day(end), source)
    if len(maps) < 2:
        raise InputError(f"only one snapshot ({maps[0].date}) is in force between {_day(start)} "
                         f"and {_day(end)}: a window needs a later snapshot to compare",
                         field="--to")
    report = svc.advances(maps, tolerance_km2, min_polygon_km2)
    near = svc.nearest_settlements([(a.lon, a.lat) for a in report.advances])
    if output:
        svc.write_feature_collection(output, svc.advance_features(report))
    if as_json:
        print_json({"from": report.date_from.isoformat(), "to": report.date_to.isoformat(),
                    "source": maps[0].source, "snapshots": len(maps),
                    "tolerance_km2": tolerance_km2, "min_polygon_km2": min_polygon_km2,
                    "gained_km2": {s: round(v, 4) for s, v in report.gained_km2.items()},
                    "exceeds": {s: report.exceeds(s) for s in SIDES},
                    "advances": [svc.advance_properties(a, n)
                                 for a, n in zip(report.advances, near, strict=True)],
                    "output": str(output) if output else None})
        return
    click.echo(f"{report.date_from} → {report.date_to} ({maps[0].source}, {len(maps)} snapshots), "
               f"tolerance {tolerance_km2:g} km², polygons ≥ {min_polygon_km2:g} km²")
    for s in SIDES:
        verdict = "BEYOND tolerance" if report.exceeds(s) else "within tolerance"
        click.echo(f"  {s} gained {report.gained_km2[s]:,.2f} km²: {verdict}")
    for a, (name, km) in zip(report.advances, near, strict=True):
        click.echo(f"  {a.side} +{a.area_km2:8.2f} km²  {a.place or '?':<22} {km:5.1f} km from "
                   f"{name:<20} ({a.lat:.4f}, {a.lon:.4f})  first seen {a.first_seen}")
    if output:
        click.echo(f"wrote {len(report.advances)} advances to {output}")


def register(cli: click.Group) -> None:
    cli.add_command(territory)
