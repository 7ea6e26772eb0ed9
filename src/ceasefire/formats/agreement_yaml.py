"""Read and write agreement files (YAML), naming the line and field of every problem.

The YAML is composed into nodes (``yaml.compose``) so every key and item keeps its line;
the data is validated against :class:`~ceasefire.formats.agreement_schema.AgreementFile`
and then cross-checked (parties in ``binds`` and positions, zone and source references,
window order, GeoJSON files). ALL problems are collected and raised together as one
:class:`~ceasefire.errors.AgreementError`, each like::

    examples/x.yaml:12: provisions[0].binds[1]: unknown party 'XX' (known: UA, RU, US)

Date-times stay text while validating (YAML's own timestamp typing would drop the
difference between ``18:00+03:00`` and a naive ``18:00``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ceasefire.core.agreement import Agreement
from ceasefire.errors import AgreementError, Problem
from ceasefire.formats import agreement_checks
from ceasefire.formats.agreement_schema import AgreementFile, to_agreement, to_document

Lines = dict[tuple[Any, ...], int]
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# libyaml's loader is ~10x faster and keeps the same marks; fall back to pure Python
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# an inline zone of 100,000 vertices is ~300,000 values: well below this
MAX_VALUES = 1_000_000
_UNION_TAGS = frozenset({"prohibition", "withdrawal", "no_advance", "access", "commitment",
                         "geojson", "national", "contact_line_buffer", "anywhere"})


def read_agreement(path: str | Path) -> Agreement:
    """Load and check one agreement file; raise :class:`AgreementError` listing every problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AgreementError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    return loads(data, file=str(path), base_dir=path.parent)


def loads(text: str | bytes, *, file: str = "<input>",
          base_dir: str | Path | None = None) -> Agreement:
    """Load an agreement from YAML text (``base_dir`` resolves GeoJSON zone paths)."""
    problems: list[Problem] = []
    raw, lines = parse_yaml(text, file, problems)
    if problems:
        raise AgreementError(problems=problems)
    return validate(raw, lines, file=file, base_dir=Path(base_dir) if base_dir else None)


def from_document(document: Mapping[str, Any], *, file: str = "<stored document>") -> Agreement:
    """Rebuild an agreement from a stored document (see :func:`to_document`)."""
    return validate(json.loads(json.dumps(document)), {}, file=file, base_dir=None)


def dumps(agreement: Agreement) -> str:
    """The agreement as YAML text that :func:`loads` reads back to an equal agreement."""
    return yaml.safe_dump(to_document(agreement), sort_keys=False, allow_unicode=True,
                          width=100)


def validate(raw: Any, lines: Lines, *, file: str, base_dir: Path | None) -> Agreement:
    """Schema-validate and cross-check parsed data; raise with every problem found."""
    if not isinstance(raw, dict):
        raise AgreementError("the file must be a YAML mapping of agreement keys "
                             "(id, title, status, parties, window, provisions ...)",
                             file=file, line=1)
    problems: list[Problem] = []
    model: AgreementFile | None = None
    try:
        model = AgreementFile.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_schema_problems(exc, lines, file))
    geometries: dict[str, dict[str, Any]] = {}
    for problem in agreement_checks.check(raw, geometries, base_dir):
        problems.append(Problem(file, problem.message, line=line_of(lines, problem.path),
                                field=field_name(problem.path)))
    if problems:
        problems = _unique(problems)
        problems.sort(key=lambda p: (p.line or 0, p.field or ""))
        raise AgreementError(problems=problems)
    assert model is not None
    return to_agreement(model, geometries)


# -- YAML with lines ------------------------------------------------------------------------
def parse_yaml(text: str | bytes, file: str, problems: list[Problem]) -> tuple[Any, Lines]:
    """Parse YAML into plain data and a map from data path to 1-based line."""
    if isinstance(text, bytes):
        data = text
        if b"\x00" in data:
            problems.append(Problem(file, "binary file, not YAML text", line=1))
            return None, {}
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            problems.append(Problem(file, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at "
                                          f"offset {exc.start}); save the file as UTF-8",
                                    line=line))
            return None, {}
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        problems.append(Problem(file, f"YAML syntax error: {what}",
                                line=mark.line + 1 if mark else None))
        return None, {}
    except yaml.YAMLError as exc:
        problems.append(Problem(file, "YAML error: " + " ".join(str(exc).split())))
        return None, {}
    if node is None:
        problems.append(Problem(file, "the file is empty", line=1))
        return None, {}
    lines: Lines = {(): node.start_mark.line + 1}
    constructor = yaml.constructor.SafeConstructor()
    budget = _Budget(MAX_VALUES)
    try:
        data = _plain(node, (), lines, constructor, problems, file, budget)
    except _TooBig:
        problems.append(Problem(file, f"more than {MAX_VALUES:,} values once aliases are "
                                      "expanded (a YAML alias bomb?)", line=1))
        return None, {}
    except RecursionError:
        problems.append(Problem(file, "YAML nested too deeply to read", line=1))
        return None, {}
    return data, lines


class _TooBig(Exception):
    pass


class _Budget:
    """Counts the values :func:`_plain` builds: ``yaml.compose`` shares an aliased node, but
    expanding it copies it, so nine nested aliases of nine items ("billion laughs") would
    otherwise build 9**10 values and exhaust memory."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _TooBig


def _plain(node: yaml.Node, path: tuple[Any, ...], lines: Lines,
           constructor: yaml.constructor.SafeConstructor, problems: list[Problem],
           file: str, budget: _Budget) -> Any:
    budget.spend()
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _plain(key_node, path, {}, constructor, problems, file, budget)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                problems.append(Problem(file, "keys must be plain scalars",
                                        line=key_node.start_mark.line + 1,
                                        field=field_name(path) or None))
                continue
            key = str(key) if not isinstance(key, str) else key
            child = (*path, key)
            if key in result:
                problems.append(Problem(file, f"duplicate key {key!r}",
                                        line=key_node.start_mark.line + 1,
                                        field=field_name(child)))
                continue
            lines[child] = key_node.start_mark.line + 1
            result[key] = _plain(value_node, child, lines, constructor, problems, file, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            items.append(_plain(item, (*path, index), lines, constructor, problems, file,
                                budget))
        return items
    if node.tag == _TIMESTAMP_TAG:
        return node.value  # keep the text: the offset (or its absence) matters
    try:
        return constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an int over 4300 digits
        problems.append(Problem(file, "bad value: " + " ".join(str(exc).split()),
                                line=node.start_mark.line + 1, field=field_name(path)))
        return None


# -- locating problems ----------------------------------------------------------------------
def field_name(path: tuple[Any, ...]) -> str:
    """``('provisions', 0, 'binds')`` → ``provisions[0].binds``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def line_of(lines: Lines, path: tuple[Any, ...]) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _schema_problems(exc: ValidationError, lines: Lines, file: str) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        path = _clean_loc(error["loc"])
        kind = error["type"]
        if kind == "missing":
            message = "missing required field"
            line = line_of(lines, path[:-1])
        elif kind == "extra_forbidden":
            message = "unknown key"
            line = line_of(lines, path)
        elif kind == "union_tag_not_found":
            path, message, line = (*path, "kind"), "missing required field", line_of(lines, path)
        elif kind == "union_tag_invalid":
            ctx = error.get("ctx", {})
            path = (*path, "kind")
            message = (f"unknown kind {ctx.get('tag')!r} "
                       f"(one of: {ctx.get('expected_tags', '').replace(chr(39), '')})")
            line = line_of(lines, path)
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            if kind.endswith("_type") or kind == "string_pattern_mismatch":
                message += f" (got {error.get('input')!r})"
            line = line_of(lines, path)
        problems.append(Problem(file, message, line=line, field=field_name(path) or None))
    return problems


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the discriminator tags pydantic puts into locations of tagged unions."""
    out: list[Any] = []
    for part in loc:
        if isinstance(part, str) and part in _UNION_TAGS and out and isinstance(out[-1], int):
            continue
        out.append(part)
    return tuple(out)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[Any, ...]] = set()
    result = []
    for p in problems:
        key = (p.line, p.field, p.message)
        if key not in seen:
            seen.add(key)
            result.append(p)
    return result
