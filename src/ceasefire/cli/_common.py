"""Options and helpers shared by the command modules.

Every command that works on a workspace takes ``@workspace_option`` and opens it with
:func:`open_workspace`; commands with machine output take ``@json_option``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

from ceasefire.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)


def workspace_option(func: F) -> F:
    """``--workspace/-w PATH`` (default: $CEASEFIRE_WORKSPACE, else the current directory)."""
    return click.option(
        "--workspace", "-w", "workspace",
        type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Workspace folder. Default: $CEASEFIRE_WORKSPACE, else the current directory.",
    )(func)


def json_option(func: F) -> F:
    """``--json``: print machine-readable JSON on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(func)


def open_workspace(option: Path | None) -> Workspace:
    return Workspace.open(option)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def progress_bar(quiet: bool = False) -> Iterator[Progress]:
    """A progress display on stderr (never mixed into --json output on stdout)."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet,
        transient=False,
    )
    with progress:
        yield progress
