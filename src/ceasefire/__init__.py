"""ceasefire: open-source ceasefire monitoring and verification.

The public Python API. The CLI (``ceasefire``) and the web app are thin layers over it::

    from ceasefire import Workspace
    with Workspace.init("op") as ws:
        ...
"""

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
]
