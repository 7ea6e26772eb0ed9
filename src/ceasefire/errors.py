"""The one exception tree of ``ceasefire``.

Every error the package raises on purpose is a :class:`CeasefireError`. Errors from
outside libraries (sqlite3, psycopg, yaml, shapely ...) are translated into this tree at
the boundary where they happen, so callers catch one family::

    CeasefireError
    ├── InputError            bad user input: a file, row and field can be named
    │   └── AgreementError    an agreement file that does not describe checkable terms
    ├── WorkspaceError        no workspace, or a workspace that cannot be opened
    ├── StoreError            the database failed or refused a write
    │   └── MigrationError    the schema cannot be brought to the expected version
    ├── LedgerError           the hash chain or a checkpoint does not verify
    ├── NotFound              an id that names nothing
    └── AccessDenied          the actor's role may not do this

No HTTP status codes live here: the web layer maps these classes onto responses, and the
CLI maps them onto exit codes (InputError → 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CeasefireError(Exception):
    """Base of every error raised on purpose by ceasefire."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    >>> str(Problem("a.yaml", "bad date", line=4, field="window.start"))
    'a.yaml:4: window.start: bad date'
    """

    file: str | None
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class InputError(CeasefireError):
    """Bad input. Carries one or more :class:`Problem` s naming file, row/line and field."""

    def __init__(
        self,
        message: str | None = None,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        if problems is None:
            problems = [Problem(str(file) if file is not None else None, message or "invalid input",
                                line=line, field=field)]
        self.problems: list[Problem] = problems
        super().__init__("\n".join(str(p) for p in problems))


class AgreementError(InputError):
    """An agreement file that cannot be turned into checkable terms."""


class WorkspaceError(CeasefireError):
    """No workspace found, or one that cannot be opened or created."""


class StoreError(CeasefireError):
    """The store (database) failed or refused an operation."""


class MigrationError(StoreError):
    """The schema cannot be migrated to the version this code expects."""


class LedgerError(CeasefireError):
    """The ledger does not verify. ``seq`` names the first bad entry when known."""

    def __init__(self, message: str, *, seq: int | None = None) -> None:
        self.seq = seq
        super().__init__(message)


class NotFound(CeasefireError):
    """An id that names nothing in the workspace."""


class AccessDenied(CeasefireError):
    """The actor's role does not allow the action."""
