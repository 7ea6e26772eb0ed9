"""A workspace: one monitoring operation in one folder (``ceasefire.toml`` + database).

:class:`Workspace` is the core object the CLI, the web app and the services share (in the
way datasette's CLI is thin over its ``Datasette`` object). Which workspace a command uses:

1. the ``--workspace/-w`` option;
2. else the ``CEASEFIRE_WORKSPACE`` environment variable;
3. else the current directory.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from ceasefire.config import (
    CONFIG_FILE,
    DEFAULT_DATABASE,
    Settings,
    WorkspaceSettings,
    load_settings,
    render_settings,
    set_workspace_value,
)
from ceasefire.errors import WorkspaceError
from ceasefire.fsutil import write_text_atomic
from ceasefire.store.base import Store
from ceasefire.store.factory import open_store

ENV_VAR = "CEASEFIRE_WORKSPACE"

StoreHook = Callable[["Workspace", Store], None]
_STORE_HOOKS: list[StoreHook] = []
_WITH_STORE: weakref.WeakSet[Workspace] = weakref.WeakSet()


def on_store_open(hook: StoreHook) -> None:
    """Call ``hook(workspace, store)`` on every store a workspace opens, including the ones
    already open.

    This is how the record (``ceasefire.record``, imported by every writer through its
    ledger) signs automatic checkpoints without the workspace importing it: the workspace
    sits below the record, and the record plugs itself in.
    """
    if hook in _STORE_HOOKS:
        return
    _STORE_HOOKS.append(hook)
    for ws in list(_WITH_STORE):
        if ws._store is not None:
            hook(ws, ws._store)


def resolve_workspace_dir(option: str | Path | None = None) -> Path:
    """Pick the workspace folder from the option, the environment, or the current directory."""
    if option:
        return Path(option)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path.cwd()


class Workspace:
    """An open workspace. Use as a context manager, or call :meth:`close`.

    >>> import tempfile
    >>> ws = Workspace.init(tempfile.mkdtemp())
    >>> ws.store.schema_version() > 0
    True
    >>> ws.close()
    """

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = root
        self.settings = settings
        self._store: Store | None = None

    # -- creation and opening ----------------------------------------------------------------
    @classmethod
    def init(cls, root: str | Path, *, database: str | None = None, name: str | None = None,
             timezone: str | None = None) -> Workspace:
        """Create a workspace (folder, ``ceasefire.toml``, migrated database)."""
        root = Path(root)
        config = root / CONFIG_FILE
        if config.exists():
            raise WorkspaceError(f"{config} already exists: {root} is already a workspace")
        root.mkdir(parents=True, exist_ok=True)
        settings = Settings(workspace=WorkspaceSettings(
            name=name or root.resolve().name,
            database=database or DEFAULT_DATABASE,
            timezone=timezone,
        ))
        ws = cls(root, settings)
        ws._store = open_store(ws.database_location, create=True)
        ws._attach(ws._store)
        # the config is written last: a workspace exists only once its database does
        write_text_atomic(config, render_settings(settings))
        return ws

    @classmethod
    def open(cls, root: str | Path | None = None) -> Workspace:
        """Open an existing workspace; see the module docstring for how it is found."""
        folder = resolve_workspace_dir(root)
        config = folder / CONFIG_FILE
        if not config.exists():
            raise WorkspaceError(
                f"{folder} is not a ceasefire workspace (no {CONFIG_FILE}); "
                f"create one with `ceasefire init {folder}` or pass --workspace/-w"
            )
        return cls(folder, load_settings(config))

    # -- parts -----------------------------------------------------------------------------
    @property
    def database_location(self) -> str:
        db = self.settings.workspace.database
        if db.startswith(("postgresql://", "postgres://")):
            return db
        return str(self.root / db)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.database_location)
            self._attach(self._store)
        return self._store

    def _attach(self, store: Store) -> None:
        """Run the :func:`on_store_open` hooks (the record's automatic checkpoints)."""
        _WITH_STORE.add(self)
        for hook in _STORE_HOOKS:
            hook(self, store)

    def pin_log_id(self, log_id: str) -> None:
        """Write the log id into ``ceasefire.toml``, outside the database, so that stripping
        or replacing the signing keys in the database alone is seen by ``verify``."""
        config = self.root / CONFIG_FILE
        write_text_atomic(config, set_workspace_value(config.read_text(encoding="utf-8"),
                                                      "log_id", log_id))
        self.settings = load_settings(config)

    @property
    def actor(self) -> str:
        return self.settings.workspace.actor

    def path(self, *parts: str) -> Path:
        """A path inside the workspace folder (evidence files, exports, keys ...)."""
        return self.root.joinpath(*parts)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
