"""Workspace settings, read from ``ceasefire.toml``.

Settings are declared once here (pydantic), with their defaults and documentation; the
CLI, the services and the docs (``docs/configuration.md``) all read this one declaration.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ceasefire.errors import InputError

CONFIG_FILE = "ceasefire.toml"
DEFAULT_DATABASE = "ceasefire.db"


class WorkspaceSettings(BaseModel):
    """The ``[workspace]`` table."""

    model_config = ConfigDict(extra="forbid")

    # defaults are passed as ``default=``: type checkers (dataclass_transform) only count a
    # keyword default, so a positional one makes the field look required to them
    name: str = Field(
        default="ceasefire workspace", description="Human name of the monitoring operation."
    )
    database: str = Field(
        default=DEFAULT_DATABASE,
        description="SQLite file relative to the workspace, or a postgresql:// URL.",
    )
    timezone: str | None = Field(
        default=None,
        description="IANA zone assumed for report times without a UTC offset "
        "(e.g. 'Europe/Kyiv'). Unset: such times are rejected.",
    )
    actor: str = Field(
        default="cli", description="Actor name recorded in the ledger for CLI writes."
    )
    log_id: str | None = Field(
        default=None,
        description="Id of the workspace's first signing key, pinned when it was made: "
        "`ceasefire verify` fails if the database's log id differs (keys stripped or replaced).",
    )


class WebSettings(BaseModel):
    """The ``[web]`` table: settings of ``ceasefire serve`` (see docs/security.md)."""

    model_config = ConfigDict(extra="forbid")

    allow_private_webhooks: bool = Field(
        default=False,
        description="Let alert webhooks reach loopback, link-local, private and other "
        "internal addresses. Off: such targets are refused when an alert is saved and "
        "before each delivery, so the server cannot be used to probe its own network.",
    )


class ScoringSettings(BaseModel):
    """The ``[scoring]`` table: overrides of the scoring profile (see docs/scoring.md).

    Free-form here on purpose: the profile's own model in ``core`` validates the values, so
    that one declaration of each default exists.
    """

    model_config = ConfigDict(extra="allow")


class Settings(BaseModel):
    """Everything in ``ceasefire.toml``."""

    model_config = ConfigDict(extra="allow")

    workspace: WorkspaceSettings = Field(default_factory=WorkspaceSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    scoring: dict[str, Any] = Field(default_factory=dict)
    engine: dict[str, Any] = Field(
        default_factory=dict,
        description="Batch engine options, e.g. scheduler = 'tcp://host:8786' for Dask.",
    )


def load_settings(path: Path) -> Settings:
    """Read and validate ``ceasefire.toml``; bad content is an :class:`InputError`."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("file not found", file=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=path) from exc
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise InputError(err["msg"], file=path, field=field) from exc


def render_settings(settings: Settings) -> str:
    """Write settings as TOML (only the flat tables this project uses)."""
    lines = ["# ceasefire workspace settings: see docs/configuration.md", "", "[workspace]"]
    for key, value in settings.workspace.model_dump().items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    for table in ("scoring", "engine"):
        values = getattr(settings, table)
        lines += ["", f"[{table}]"]
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def set_workspace_value(text: str, key: str, value: Any) -> str:
    """``ceasefire.toml``'s text with ``key = value`` set in its ``[workspace]`` table, every
    other line (comments, tables this code does not model) kept as written."""
    lines = text.splitlines()
    line = f"{key} = {_toml_value(value)}"
    table = None
    for i, current in enumerate(lines):
        stripped = current.strip()
        if stripped.startswith("["):
            if table == "[workspace]":  # the key was not in the table: add it at its end
                lines.insert(_end_of_table(lines, i), line)
                return "\n".join(lines) + "\n"
            table = stripped
        elif table == "[workspace]" and stripped.split("=", 1)[0].strip() == key:
            lines[i] = line
            return "\n".join(lines) + "\n"
    if table != "[workspace]":
        lines += ["", "[workspace]"]
    lines.append(line)
    return "\n".join(lines) + "\n"


def _end_of_table(lines: list[str], next_header: int) -> int:
    end = next_header
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    return end


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
