"""ceasefire: open-source ceasefire monitoring and verification.

The public Python API. The CLI (``ceasefire``) and the web app are thin layers over it::

    from ceasefire import Workspace
    with Workspace.init("op") as ws:
        ...

and, for notebooks, typed GeoDataFrames (docs/python.md)::

    from ceasefire import open_workspace
    ws = open_workspace("ceasefire-demo")
    ws.incidents(min_confidence=0.5)
"""

from typing import Any

from ceasefire.errors import (
    AccessDenied,
    AgreementError,
    CeasefireError,
    InputError,
    LedgerError,
    MigrationError,
    NotFound,
    Problem,
    StoreError,
    WorkspaceError,
)
from ceasefire.workspace import Workspace

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # imported on first use: the notebook API pulls in pyarrow and (when read) geopandas,
    # which the CLI and the server do not need at start-up
    if name == "open_workspace":
        from ceasefire.notebook import open_workspace

        return open_workspace
    raise AttributeError(f"module 'ceasefire' has no attribute {name!r}")


__all__ = [
    "AccessDenied",
    "AgreementError",
    "CeasefireError",
    "InputError",
    "LedgerError",
    "MigrationError",
    "NotFound",
    "Problem",
    "StoreError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "open_workspace",
]
