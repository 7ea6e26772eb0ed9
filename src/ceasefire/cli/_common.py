"""The conventions every ``ceasefire`` command shares, in one place.

How a command adopts them (a new command needs nothing else)::

    @group.command("list")
    @workspace_option            # -w/--workspace DIR (also accepted before the subcommand)
    @click.option("--from", "day_from", type=ISO_TIME, help=ISO_TIME_HELP)
    @json_option                 # --json and -q/--quiet
    def list_(workspace: Path | None, day_from: When | None, as_json: bool) -> None:
        with open_workspace(workspace) as ws:          # -w here, else -w before, else env/cwd
            rows = ...
        if as_json:
            print_json(rows)                           # ISO times, nested JSON as objects
            return
        print_rows(["finding", "day"], [(r["finding_id"], r["day"]) for r in rows])
        note(f"{len(rows)} finding(s)")                # stderr; silent under -q and --json

The rules they enforce:

- ``-w/--workspace``, ``-q/--quiet`` and ``--json`` may be given before the subcommand
  (``ceasefire -w DIR -q incidents list``) or after it; the one after wins.
- ``--json`` prints machine-readable JSON on stdout: times as ISO 8601 UTC strings, nested
  documents as JSON objects (never JSON inside a string, see :func:`jsonable`).
- ``-q`` silences stderr but for errors and warnings: no progress bars, no :func:`note` lines.
  Progress bars are also off when stderr is not a terminal (piped, CI, a log file).
- Tables are plain aligned text (:func:`print_rows`): ids are never cut or folded, whatever
  the terminal width, and the output reads the same piped.
- Every date or time option uses :data:`ISO_TIME` (one parser, :func:`parse_when`): the same
  ISO 8601 forms on every command; anything else is an :class:`~ceasefire.errors.InputError`,
  one line and exit 2. Other value checks raise InputError too (see :data:`PARTY`).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ceasefire.errors import InputError
from ceasefire.web.access import PARTIES
from ceasefire.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)

# ctx.meta is shared by a context and its children: root options land here for subcommands
_WORKSPACE, _QUIET, _JSON = "ceasefire.workspace", "ceasefire.quiet", "ceasefire.json"


def _meta() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    return ctx.meta if ctx is not None else {}


# -- shared options ---------------------------------------------------------------------------
def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value:  # a later (subcommand) option overrides an earlier (root) one
            ctx.meta[key] = value
        return value
    return callback


def root_options(func: F) -> F:
    """The options the root group takes before any subcommand: -w, -q, --json."""
    for decorator in reversed([
        click.option("--workspace", "-w", type=click.Path(file_okay=False, path_type=Path),
                     default=None, expose_value=False, callback=_remember(_WORKSPACE),
                     help="Workspace folder (also accepted after the subcommand). Default: "
                          "$CEASEFIRE_WORKSPACE, else the current directory."),
        click.option("--quiet", "-q", is_flag=True, expose_value=False,
                     callback=_remember(_QUIET), help="No progress bars or notes on stderr (errors and warnings remain)."),
        click.option("--json", is_flag=True, expose_value=False, callback=_remember(_JSON),
                     help="Machine-readable JSON on stdout."),
    ]):
        func = decorator(func)
    return func


def workspace_option(func: F) -> F:
    """``--workspace/-w PATH`` (default: -w before the subcommand, $CEASEFIRE_WORKSPACE, cwd)."""
    return click.option(
        "--workspace", "-w", "workspace",
        type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Workspace folder. Default: $CEASEFIRE_WORKSPACE, else the current directory.",
    )(func)


def _json_flag(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    return bool(value or ctx.meta.get(_JSON))


def json_option(func: F) -> F:
    """``--json`` (passed as ``as_json``) and ``-q/--quiet`` (read with :func:`is_quiet`)."""
    func = click.option("--quiet", "-q", is_flag=True, expose_value=False,
                        callback=_remember(_QUIET),
                        help="No progress bars or notes on stderr (errors and warnings remain).")(func)
    return click.option("--json", "as_json", is_flag=True, callback=_json_flag,
                        help="Print machine-readable JSON on stdout.")(func)


def is_quiet() -> bool:
    """True under -q (before or after the subcommand) or --json."""
    meta = _meta()
    return bool(meta.get(_QUIET) or meta.get(_JSON))


def note(text: str) -> None:
    """An informational line on stderr (counts, hints); silent under -q."""
    if text and not _meta().get(_QUIET):
        click.echo(text, err=True)


def open_workspace(option: Path | None) -> Workspace:
    return Workspace.open(option if option is not None else _meta().get(_WORKSPACE))


# -- one date/time parser ---------------------------------------------------------------------
ISO_FORMS = "YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] with an optional Z or ±HH:MM (else UTC)"
ISO_TIME_HELP = f"ISO 8601: {ISO_FORMS}."


@dataclass(frozen=True)
class When:
    """A parsed ``--from``/``--to``/``--date``: an instant in UTC, and whether only a day
    was given (a bare day as an upper bound means the end of that day)."""

    at: datetime
    date_only: bool

    @property
    def day(self) -> date:
        return self.at.date()

    @property
    def start(self) -> float:
        """Epoch seconds of the instant (a bare day: its first moment)."""
        return self.at.timestamp()

    @property
    def end(self) -> float:
        """Epoch seconds of the last moment the bound covers (a bare day: all of it)."""
        if not self.date_only:
            return self.at.timestamp()
        return (self.at + timedelta(days=1)).timestamp() - 1e-6


def parse_when(text: str, option: str = "date") -> When:
    """Parse the ISO 8601 forms every command accepts; anything else is an InputError.

    >>> parse_when("2025-03-08").at.isoformat(), parse_when("2025-03-08T10:00+02:00").day
    ('2025-03-08T00:00:00+00:00', datetime.date(2025, 3, 8))
    """
    value = text.strip()
    try:
        if len(value) == 10:
            return When(datetime.combine(date.fromisoformat(value), time(), UTC), True)
        if len(value) < 16 or value[10] not in "Tt ":
            raise ValueError(value)
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise InputError(f"not an ISO 8601 date or time: {text!r} (use {ISO_FORMS})",
                         field=option) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return When(parsed.astimezone(UTC), False)


class IsoTime(click.ParamType):
    """Click type of every date/time option: a :class:`When` from :func:`parse_when`."""

    name = "ISO-TIME"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> When:
        if isinstance(value, When):
            return value
        option = param.opts[0] if param is not None and param.opts else "date"
        return parse_when(str(value), option)


ISO_TIME = IsoTime()


class Party(click.ParamType):
    """A party code (UA, RU, US); anything else is an InputError (exit 2)."""

    name = "PARTY"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        code = str(value).strip().upper()
        if code not in PARTIES:
            option = param.opts[0] if param is not None and param.opts else "party"
            raise InputError(f"unknown party {value!r} (one of {', '.join(PARTIES)})",
                             field=option)
        return code


PARTY = Party()


# -- output ------------------------------------------------------------------------------------
def iso_time(epoch: float | None) -> str | None:
    """Epoch seconds → ``2025-03-08T10:00:00Z`` (the form exports and /ogc use)."""
    if epoch is None or (isinstance(epoch, float) and math.isnan(epoch)):
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def jsonable(row: dict[str, Any], *, json_fields: Iterable[str] = (),
             epoch_fields: Iterable[str] = ()) -> dict[str, Any]:
    """A copy of a stored row for --json: text columns holding JSON documents become
    objects, epoch-second columns become ISO 8601 UTC strings."""
    out = dict(row)
    for name in json_fields:
        if isinstance(out.get(name), str):
            out[name] = json.loads(out[name])
    for name in epoch_fields:
        if isinstance(out.get(name), int | float):
            out[name] = iso_time(out[name])
    return out


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def print_rows(headers: Sequence[str], rows: Iterable[Sequence[Any]],
               right: Sequence[str] = ()) -> None:
    """Aligned plain-text columns on stdout: no cell is ever cut or wrapped (ids stay whole
    for copy and paste into the next command), and the output is the same when piped."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if h in right else v.ljust(w)
                 for h, v, w in zip(headers, values, widths, strict=True)]
        return "  ".join(parts).rstrip()

    click.echo(line(list(headers)))
    for row in cells:
        click.echo(line(row))


@contextmanager
def progress_bar(quiet: bool = False) -> Iterator[Progress]:
    """A progress display on stderr (never mixed into --json output on stdout). Off under
    -q/--json, and when stderr is not a terminal: a pipe or a log gets no finished bars."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet or is_quiet() or not err_console.is_terminal,
        transient=False,
    )
    with progress:
        yield progress
