"""Read claims: the claims YAML format and the hand-compiled truce-violation CSV.

Claims YAML (docs/claims.md)::

    claims:
      - claim_id: march-2025-nearly-20-percent
        claimant: Reuters
        claimant_side: neutral          # a party id or neutral (optional)
        date: 2025-03-12                # when the claim was made
        statement:
          text: "Russia controls just under a fifth of Ukraine"
          source_url: https://...
          language: en
        proposition:
          type: control_share           # control_share | control_all | violation_count | incident_at
          region: UA
          side: RU
          date: 2025-03-12
          qualifier: nearly
          value_pct: 20

Every problem names the file, line and field (``claims[0].proposition.value_pct``); all of a
file's problems are raised together in one :class:`~ceasefire.errors.InputError`.

The CSV reader maps ``claimed_violations_2025_truces.csv`` (../shared/data/party_claims) onto
:class:`~ceasefire.core.claims.ViolationCount` claims; its free-text ``period_covered`` is
read by :mod:`ceasefire.formats.claim_periods`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ceasefire.core.claims import (
    Claim,
    ClaimedCount,
    ControlAll,
    ControlShare,
    IncidentAt,
    Proposition,
    Statement,
    ViolationCount,
    normalise_qualifier,
)
from ceasefire.core.evidence import CATEGORIES
from ceasefire.errors import InputError, Problem
from ceasefire.formats.agreement_yaml import field_name, line_of, parse_yaml
from ceasefire.formats.claim_periods import TRUCES, parse_period

_PARTY = r"^[A-Z]{2,3}$"
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


def _date(v: Any) -> str:
    date.fromisoformat(str(v))
    return str(v)


def _aware(v: Any) -> str:
    t = datetime.fromisoformat(str(v))
    if t.tzinfo is None:
        raise ValueError(f"{v!r} needs a UTC offset, e.g. 2025-04-19T18:00:00+03:00")
    return str(v)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StatementModel(_Model):
    text: str = Field(min_length=1)
    source_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    language: str | None = None


class ControlShareModel(_Model):
    type: Literal["control_share"]
    region: str = Field(min_length=1)
    side: str = Field(pattern=_PARTY)
    date: str
    value_pct: float = Field(ge=0, le=100)
    qualifier: str = "exactly"
    tolerance: float | None = Field(default=None, gt=0, lt=1)

    _d = field_validator("date")(_date)

    @field_validator("qualifier")
    @classmethod
    def _q(cls, v: str) -> str:
        return normalise_qualifier(v)


class ControlAllModel(_Model):
    type: Literal["control_all"]
    area: str = Field(min_length=1)
    side: str = Field(pattern=_PARTY)
    date: str

    _d = field_validator("date")(_date)


class ViolationCountModel(_Model):
    type: Literal["violation_count"]
    accused: str = Field(pattern=_PARTY)
    start: str
    end: str
    claimed: str | int | None = None
    truce: str | None = None
    unit: str | None = None

    _t = field_validator("start", "end")(_aware)

    @field_validator("claimed")
    @classmethod
    def _c(cls, v: str | int | None) -> str | int | None:
        ClaimedCount.parse(v)
        return v


class IncidentAtModel(_Model):
    type: Literal["incident_at"]
    start: str
    end: str
    place: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_km: float = Field(default=5.0, gt=0)
    category: str | None = None
    perpetrator: str | None = Field(default=None, pattern=_PARTY)

    _t = field_validator("start", "end")(_aware)

    @field_validator("category")
    @classmethod
    def _cat(cls, v: str | None) -> str | None:
        if v is not None and v not in CATEGORIES:
            raise ValueError(f"unknown category {v!r} (one of: {', '.join(CATEGORIES)})")
        return v


PropositionModel = Annotated[
    ControlShareModel | ControlAllModel | ViolationCountModel | IncidentAtModel,
    Field(discriminator="type"),
]


class ClaimModel(_Model):
    claim_id: str = Field(pattern=_ID)
    claimant: str = Field(min_length=1)
    claimant_side: str | None = Field(default=None, pattern=r"^([A-Z]{2,3}|neutral)$")
    date: str
    statement: StatementModel
    proposition: PropositionModel
    note: str | None = None

    _d = field_validator("date")(_date)


class ClaimsFile(_Model):
    claims: list[ClaimModel] = Field(min_length=1)


# ------------------------------------------------------------------ YAML
def read_claims(path: str | Path) -> list[Claim]:
    """Load one claims YAML file; raise :class:`InputError` listing every problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    return loads_claims(data, file=str(path))


def loads_claims(text: str | bytes, *, file: str = "<input>") -> list[Claim]:
    """Parse claims YAML text (see the module docstring for the format)."""
    problems: list[Problem] = []
    raw, lines = parse_yaml(text, file, problems)
    if problems:
        raise InputError(problems=problems)
    try:
        model = ClaimsFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(problems=_problems(exc, lines, file)) from None
    seen: dict[str, int] = {}
    for i, c in enumerate(model.claims):
        if c.claim_id in seen:
            problems.append(Problem(file, f"duplicate claim_id (also claims[{seen[c.claim_id]}])",
                                    line=line_of(lines, ("claims", i, "claim_id")),
                                    field=f"claims[{i}].claim_id"))
        seen.setdefault(c.claim_id, i)
        p = c.proposition
        if isinstance(p, ViolationCountModel | IncidentAtModel) and \
                datetime.fromisoformat(p.end) <= datetime.fromisoformat(p.start):
            problems.append(Problem(file, "end must be after start",
                                    line=line_of(lines, ("claims", i, "proposition", "end")),
                                    field=f"claims[{i}].proposition.end"))
    if problems:
        raise InputError(problems=problems)
    return [_to_claim(c) for c in model.claims]


def _problems(exc: ValidationError, lines: dict[tuple[Any, ...], int],
              file: str) -> list[Problem]:
    out = []
    for error in exc.errors(include_url=False):
        # pydantic puts the union tag into the location: claims.0.proposition.control_share.x
        loc = tuple(p for i, p in enumerate(error["loc"])
                    if not (i and error["loc"][i - 1] == "proposition" and isinstance(p, str)
                            and p.endswith(("_share", "_all", "_count", "_at"))))
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "type")
            tag = error.get("ctx", {}).get("tag")
            message = ("missing required field" if tag is None else
                       f"unknown type {tag!r} (one of: control_share, control_all, "
                       "violation_count, incident_at)")
            line = line_of(lines, loc) or line_of(lines, loc[:-1])
        elif error["type"] == "missing":
            message, line = "missing required field", line_of(lines, loc[:-1])
        elif error["type"] == "extra_forbidden":
            message, line = "unknown key", line_of(lines, loc)
        else:
            line = line_of(lines, loc)
            if error["type"].endswith("_type") or "pattern" in error["type"]:
                message += f" (got {error.get('input')!r})"
        out.append(Problem(file, message, line=line, field=field_name(loc) or None))
    return out


def _to_claim(c: ClaimModel) -> Claim:
    p = c.proposition
    prop: Proposition
    if isinstance(p, ControlShareModel):
        prop = ControlShare(p.region, p.side, date.fromisoformat(p.date), p.value_pct,
                            p.qualifier, p.tolerance)
    elif isinstance(p, ControlAllModel):
        prop = ControlAll(p.area, p.side, date.fromisoformat(p.date))
    elif isinstance(p, ViolationCountModel):
        kwargs = {"unit": p.unit} if p.unit else {}
        prop = ViolationCount(p.accused, datetime.fromisoformat(p.start),
                              datetime.fromisoformat(p.end), ClaimedCount.parse(p.claimed),
                              p.truce, **kwargs)
    else:
        prop = IncidentAt(datetime.fromisoformat(p.start), datetime.fromisoformat(p.end),
                          p.place, p.lat, p.lon, p.radius_km, p.category, p.perpetrator)
    return Claim(c.claim_id, c.claimant, date.fromisoformat(c.date),
                 Statement(c.statement.text, c.statement.source_url, c.statement.language),
                 prop, c.claimant_side, c.note)


def dumps_claims(claims: Iterable[Claim]) -> str:
    """Claims as YAML in the format :func:`loads_claims` reads (round-trips)."""
    out = []
    for c in claims:
        p = c.proposition
        doc: dict[str, Any] = {"type": p.type}
        for name, value in vars(p).items():
            if value is None:
                continue
            if isinstance(value, ClaimedCount):
                value = value.text or None
            elif isinstance(value, datetime | date):
                value = value.isoformat()
            if value is not None:
                doc["date" if name == "on" else name] = value
        item: dict[str, Any] = {"claim_id": c.claim_id, "claimant": c.claimant}
        if c.claimant_side:
            item["claimant_side"] = c.claimant_side
        item["date"] = c.date.isoformat()
        item["statement"] = {k: v for k, v in vars(c.statement).items() if v is not None}
        item["proposition"] = doc
        if c.note:
            item["note"] = c.note
        out.append(item)
    return yaml.safe_dump({"claims": out}, allow_unicode=True, sort_keys=False, width=100)


# ------------------------------------------------------------------ truce CSV
CSV_COLUMNS = ("claim_id", "truce", "statement_date", "claimant_side", "claimant_body",
               "accused_side", "period_covered", "violations_claimed",
               "breakdown_as_reported", "source_url", "source_reliability_note")
_SIDES = ("UA", "RU")
# What the parties count in each truce: energy-facility strikes in the moratorium, every
# attack, shelling and drone use in the Easter and May truces.
_UNITS = {"energy_moratorium": "strikes on energy infrastructure as counted by the claimant",
          "easter_truce": "attacks, shellings and drone uses as counted by the claimant",
          "may_truce": "attacks, shellings and drone uses as counted by the claimant"}


def read_truce_claims_csv(path: str | Path) -> list[Claim]:
    """Read ``claimed_violations_2025_truces.csv`` into violation-count claims.

    Rows are numbered as in a spreadsheet (header = row 1). Every bad field of every row is
    reported; nothing is returned unless the whole file is good.
    """
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read as UTF-8 CSV: {exc}", file=file) from exc
    reader = csv.DictReader(text.splitlines())
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise InputError(f"unreadable CSV header ({exc})", file=file, line=1) from exc
    missing = [c for c in CSV_COLUMNS if c not in fieldnames]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", file=file, line=1)
    claims: list[Claim] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    row_no = 1
    try:
        for row_no, row in enumerate(reader, start=2):
            claim, row_problems = _csv_claim(row, row_no, file, seen)
            problems.extend(row_problems)
            if claim is not None:
                claims.append(claim)
    except csv.Error as exc:  # a field over csv's 131,072-character limit
        problems.append(Problem(file, f"unreadable CSV ({exc})", line=row_no + 1))
    if problems:
        raise InputError(problems=problems)
    return claims


def _csv_claim(row: dict[str, str | None], row_no: int, file: str,
               seen: set[str]) -> tuple[Claim | None, list[Problem]]:
    get = {k: (v or "").strip() for k, v in row.items() if k is not None}
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(file, message, line=row_no, field=field))

    cid = get.get("claim_id", "")
    if not cid:
        bad("claim_id", "empty")
    elif cid in seen:
        bad("claim_id", f"duplicate claim_id {cid!r}")
    seen.add(cid)
    for field in ("claimant_side", "accused_side"):
        if get.get(field) not in _SIDES:
            bad(field, f"must be one of {', '.join(_SIDES)}, got {get.get(field)!r}")
    if get.get("truce") not in TRUCES:
        bad("truce", f"unknown truce {get.get('truce')!r} (one of: {', '.join(TRUCES)})")
    stated: date | None = None
    try:
        stated = date.fromisoformat(get.get("statement_date", ""))
    except ValueError:
        bad("statement_date", f"not a date (YYYY-MM-DD): {get.get('statement_date')!r}")
    try:
        claimed = ClaimedCount.parse(get.get("violations_claimed"))
    except ValueError as exc:
        bad("violations_claimed", str(exc))
    url = get.get("source_url", "")
    if not url.startswith(("http://", "https://")):
        bad("source_url", f"not a web address: {url!r}")
    window = None
    if stated is not None and get.get("claimant_side") in _SIDES:
        try:
            window = parse_period(get.get("period_covered", ""), stated,
                                  claimant_side=get["claimant_side"])
        except ValueError as exc:
            bad("period_covered", str(exc))
    if problems or window is None or stated is None:
        return None, problems
    start, end, approximate = window
    prop = ViolationCount(get["accused_side"], start, end, claimed, get["truce"],
                          _UNITS[get["truce"]])
    what = f"{claimed.text} violations" if claimed.stated else "violations"
    text = f"{get['claimant_body']}: {what} by {get['accused_side']} ({get['period_covered']})"
    if get.get("breakdown_as_reported"):
        text += f"; {get['breakdown_as_reported']}"
    note = get.get("source_reliability_note") or None
    if approximate:
        note = (note + "; " if note else "") + "window approximated from the stated period"
    return Claim(cid, get["claimant_body"], stated, Statement(text, url, "en"), prop,
                 get["claimant_side"], note, extra={"row": row_no}), problems
