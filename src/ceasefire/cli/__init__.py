"""The ``ceasefire`` command: a thin layer over :class:`~ceasefire.workspace.Workspace` and
the services.

Commands live in the modules of this package; each module defines ``register(cli)`` and is
found automatically, so adding a command group never edits this file. Errors are translated
here, at the boundary: an :class:`~ceasefire.errors.InputError` prints one line per problem
and exits 2; any other :class:`~ceasefire.errors.CeasefireError` prints one line and exits 1.
No traceback reaches the user (set ``CEASEFIRE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import click

from ceasefire import __version__
from ceasefire.cli._common import root_options
from ceasefire.errors import CeasefireError, InputError, NotFound, Problem, WorkspaceError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_PARTIAL = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ceasefire")
@root_options
def cli() -> None:
    """Ceasefire monitoring and verification: agreements, evidence, incidents, findings.

    Every command works on a workspace: --workspace/-w (before or after the subcommand),
    else $CEASEFIRE_WORKSPACE, else the current directory. Start with `ceasefire demo`, or
    `ceasefire init DIR`. Every command that prints takes --json and -q; dates are ISO 8601
    everywhere. Shell completion: see docs/cli.md.
    """


def _load_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_load_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``ceasefire`` script."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (used by tests and by :func:`main`)."""
    try:
        result = cli.main(args=argv, prog_name="ceasefire", standalone_mode=False)
        return result if isinstance(result, int) else EXIT_OK
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:  # one line, like every other input error: exit 2
        where = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        message = " ".join(exc.format_message().split())
        click.echo(f"error: {where}{message}{hint}", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except InputError as exc:
        _debug()
        for problem in exc.problems:
            click.echo(f"error: {_problem(problem)}", err=True)
        return EXIT_BAD_INPUT
    except (WorkspaceError, NotFound) as exc:
        _debug()
        click.echo(f"error: {_one_line(exc)}", err=True)
        return EXIT_BAD_INPUT
    except CeasefireError as exc:
        _debug()
        click.echo(f"error: {_one_line(exc)}", err=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:  # `ceasefire ... | head`
        return EXIT_OK


def _problem(problem: Problem) -> str:
    """A problem of a command-line option names the option, not a file."""
    if problem.file is None and problem.line is None and problem.field:
        return f"{problem.field}: {problem.message}"
    return str(problem)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _debug() -> None:
    if os.environ.get("CEASEFIRE_DEBUG"):
        import traceback

        traceback.print_exc()
