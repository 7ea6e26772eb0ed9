"""The agreement file schema (pydantic), its JSON Schema, and the model ⇄ document mapping.

The YAML reader (:mod:`ceasefire.formats.agreement_yaml`) validates parsed YAML against
:class:`AgreementFile`; ``docs/agreement.schema.json`` is :func:`json_schema` written out
(a test keeps the committed file equal to it). Cross-references (an unknown party in
``binds``, an unknown zone, an end before the start) are checked by the reader, which can
name the line of each.

Values stay as written (date-times as text) in the file model, so the stored document keeps
the author's offsets; :func:`to_agreement` turns a validated file into the core model and
:func:`to_document` turns the core model back into a document that validates again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from ceasefire.core import agreement as core
from ceasefire.core.evidence import CATEGORIES, TARGET_CLASSES, WEAPON_CLASSES

SCHEMA_ID = "https://ceasefire.example/schemas/agreement.schema.json"


def _vocab(what: str, values: Sequence[str]) -> Any:
    """A string restricted to a vocabulary, with a message that names the bad value."""
    known = tuple(values)

    def check(value: str) -> str:
        if value not in known:
            raise ValueError(f"unknown {what} {value!r} (one of: {', '.join(known)})")
        return value

    return Annotated[str, AfterValidator(check), WithJsonSchema({"type": "string",
                                                                 "enum": list(known)})]


def _checked(parse: Callable[[str], Any], schema: dict[str, Any]) -> Any:
    def check(value: str) -> str:
        parse(value)
        return value

    return Annotated[str, AfterValidator(check), WithJsonSchema(schema)]


Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$", max_length=80)]
Instant = _checked(core.parse_instant, {"type": "string", "format": "date-time",
                                        "description": "ISO 8601 with a UTC offset"})
Day = _checked(core.parse_day, {"type": "string", "format": "date"})
Duration = _checked(core.parse_duration, {"type": "string", "format": "duration",
                                          "description": "ISO 8601 duration, e.g. P30D"})
Category = _vocab("category", CATEGORIES)
WeaponClass = _vocab("weapon class", WEAPON_CLASSES)
TargetClass = _vocab("target class", TARGET_CLASSES)
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartyFile(_Model):
    """A party or mediator: ``names`` by language code (en, uk, ru ...) and aliases."""

    id: Id
    names: dict[str, Text] = Field(default_factory=dict)
    aliases: list[Text] = Field(default_factory=list)
    role: _vocab("role", core.ROLES) | None = None  # type: ignore[valid-type]


class WindowFile(_Model):
    """``start`` with an offset, and ``end`` or an ISO 8601 ``duration``."""

    start: Instant  # type: ignore[valid-type]
    end: Instant | None = None  # type: ignore[valid-type]
    duration: Duration | None = None  # type: ignore[valid-type]
    party_starts: dict[Id, Instant] = Field(default_factory=dict)  # type: ignore[valid-type]
    note: str | None = None


class _ZoneBase(_Model):
    id: Id
    description: str | None = None


class GeojsonZone(_ZoneBase):
    kind: Literal["geojson"]
    path: str | None = Field(None, description="GeoJSON file, relative to the agreement file")
    geometry: dict[str, Any] | None = Field(None, description="inline GeoJSON geometry")


class NationalZone(_ZoneBase):
    kind: Literal["national"]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "UA"


class ContactLineBufferZone(_ZoneBase):
    kind: Literal["contact_line_buffer"]
    distance_km: Annotated[float, Field(gt=0)]
    side: Id = core.BUFFER_SIDE_BOTH


class AnywhereZone(_ZoneBase):
    kind: Literal["anywhere"]


ZoneFile = Annotated[GeojsonZone | NationalZone | ContactLineBufferZone | AnywhereZone,
                     Field(discriminator="kind")]


class PositionFile(_Model):
    party: Id
    stance: _vocab("stance", core.STANCES)  # type: ignore[valid-type]
    date: Day | None = None  # type: ignore[valid-type]
    source: str | None = Field(None, description="a citation id from `sources`, or a URL")
    condition: str | None = None


class _ProvisionBase(_Model):
    id: Id
    text: Text
    binds: Annotated[list[Id], Field(min_length=1)]
    zone: Id | None = None
    window: WindowFile | None = None
    positions: list[PositionFile] = Field(default_factory=list)
    note: str | None = None


class ProhibitionFile(_ProvisionBase):
    kind: Literal["prohibition"]
    categories: list[Category] = Field(default_factory=list)  # type: ignore[valid-type]
    weapon_classes: list[WeaponClass] = Field(default_factory=list)  # type: ignore[valid-type]
    target_classes: list[TargetClass] = Field(default_factory=list)  # type: ignore[valid-type]


class WithdrawalFile(_ProvisionBase):
    kind: Literal["withdrawal"]
    weapon_class: WeaponClass  # type: ignore[valid-type]
    distance_km: Annotated[float, Field(gt=0)]
    min_calibre_mm: Annotated[float, Field(gt=0)] | None = None
    systems: list[Text] = Field(default_factory=list)


class NoAdvanceFile(_ProvisionBase):
    kind: Literal["no_advance"]
    tolerance_km2: Annotated[float, Field(ge=0)] = 0.0


class AccessFile(_ProvisionBase):
    kind: Literal["access"]
    categories: list[Category] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["movement_restriction"])
    beneficiaries: list[Id] = Field(default_factory=list)


class CommitmentFile(_ProvisionBase):
    kind: Literal["commitment"]
    due: Day | None = None  # type: ignore[valid-type]
    status: _vocab("commitment status", core.COMMITMENT_STATUSES) = "pending"  # type: ignore
    evidence: list[Text] = Field(default_factory=list)


ProvisionFile = Annotated[ProhibitionFile | WithdrawalFile | NoAdvanceFile | AccessFile
                          | CommitmentFile, Field(discriminator="kind")]


class CitationFile(_Model):
    id: Id
    title: Text
    url: str | None = None
    publisher: str | None = None
    date: Day | None = None  # type: ignore[valid-type]


class AgreementFile(_Model):
    """An agreement file (one version of one agreement)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="ceasefire agreement")

    id: Id
    title: Text
    status: _vocab("status", core.STATUSES)  # type: ignore[valid-type]
    version: Annotated[int, Field(ge=1)] = 1
    effective_at: Instant | None = None  # type: ignore[valid-type]
    description: str | None = None
    parties: Annotated[list[PartyFile], Field(min_length=1)]
    mediators: list[PartyFile] = Field(default_factory=list)
    window: WindowFile
    zones: list[ZoneFile] = Field(default_factory=list)
    provisions: Annotated[list[ProvisionFile], Field(min_length=1)]
    sources: list[CitationFile] = Field(default_factory=list)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of agreement files (committed as ``docs/agreement.schema.json``)."""
    schema = AgreementFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **schema}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# -- file model → core ----------------------------------------------------------------------
def _window(w: WindowFile) -> core.Window:
    return core.Window(
        start=core.parse_instant(w.start),
        end=core.parse_instant(w.end) if w.end else None,
        duration=w.duration,
        party_starts={k: core.parse_instant(v) for k, v in w.party_starts.items()},
        note=w.note,
    )


def _party(p: PartyFile, default_role: str) -> core.Party:
    return core.Party(id=p.id, names=dict(p.names), aliases=tuple(p.aliases),
                      role=p.role or default_role)


def _zone(z: Any, geometries: Mapping[str, Mapping[str, Any]]) -> core.Zone:
    extra: dict[str, Any] = {}
    if isinstance(z, GeojsonZone):
        extra = {"path": z.path, "geometry": z.geometry or geometries.get(z.id)}
    elif isinstance(z, NationalZone):
        extra = {"country": z.country}
    elif isinstance(z, ContactLineBufferZone):
        extra = {"distance_km": z.distance_km, "side": z.side}
    return core.Zone(id=z.id, kind=z.kind, description=z.description, **extra)


def _provision(p: Any) -> core.Provision:
    common: dict[str, Any] = {
        "id": p.id, "text": p.text, "binds": tuple(p.binds), "zone": p.zone,
        "window": _window(p.window) if p.window else None, "note": p.note,
        "positions": tuple(
            core.Position(party=q.party, stance=q.stance,
                          date=core.parse_day(q.date) if q.date else None,
                          source=q.source, condition=q.condition) for q in p.positions),
    }
    if isinstance(p, ProhibitionFile):
        return core.Prohibition(categories=tuple(p.categories),
                                weapon_classes=tuple(p.weapon_classes),
                                target_classes=tuple(p.target_classes), **common)
    if isinstance(p, WithdrawalFile):
        return core.Withdrawal(weapon_class=p.weapon_class, distance_km=p.distance_km,
                               min_calibre_mm=p.min_calibre_mm, systems=tuple(p.systems),
                               **common)
    if isinstance(p, NoAdvanceFile):
        return core.NoAdvance(tolerance_km2=p.tolerance_km2, **common)
    if isinstance(p, AccessFile):
        return core.Access(categories=tuple(p.categories),
                           beneficiaries=tuple(p.beneficiaries), **common)
    return core.Commitment(due=core.parse_day(p.due) if p.due else None, status=p.status,
                           evidence=tuple(p.evidence), **common)


def to_agreement(model: AgreementFile,
                 geometries: Mapping[str, Mapping[str, Any]] | None = None) -> core.Agreement:
    """The core :class:`~ceasefire.core.agreement.Agreement` of a validated file.

    ``geometries`` supplies the GeoJSON geometry of ``geojson`` zones given by ``path``.
    """
    return core.Agreement(
        id=model.id, title=model.title, status=model.status,
        parties=tuple(_party(p, "party") for p in model.parties),
        mediators=tuple(_party(p, "mediator") for p in model.mediators),
        window=_window(model.window),
        zones=tuple(_zone(z, geometries or {}) for z in model.zones),
        provisions=tuple(_provision(p) for p in model.provisions),
        sources=tuple(core.Citation(id=c.id, title=c.title, url=c.url, publisher=c.publisher,
                                    date=core.parse_day(c.date) if c.date else None)
                      for c in model.sources),
        version=model.version,
        effective_at=core.parse_instant(model.effective_at) if model.effective_at else None,
        description=model.description,
    )


# -- core → document ------------------------------------------------------------------------
def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != [] and v != {}}


def _window_doc(w: core.Window) -> dict[str, Any]:
    return _drop_empty({
        "start": w.start.isoformat(),
        "end": w.end.isoformat() if w.end is not None and w.duration is None else None,
        "duration": w.duration,
        "party_starts": {k: v.isoformat() for k, v in w.party_starts.items()},
        "note": w.note,
    })


def _party_doc(p: core.Party) -> dict[str, Any]:
    return _drop_empty({"id": p.id, "names": dict(p.names), "aliases": list(p.aliases),
                        "role": p.role})


_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "prohibition": ("categories", "weapon_classes", "target_classes"),
    "withdrawal": ("weapon_class", "distance_km", "min_calibre_mm", "systems"),
    "no_advance": ("tolerance_km2",),
    "access": ("categories", "beneficiaries"),
    "commitment": ("due", "status", "evidence"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _provision_doc(p: core.Provision) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": p.id, "kind": p.kind, "text": p.text, "binds": list(p.binds),
                           "zone": p.zone, "window": _window_doc(p.window) if p.window else None}
    doc.update({name: _plain(getattr(p, name)) for name in _KIND_FIELDS[p.kind]})
    doc["positions"] = [_drop_empty({"party": q.party, "stance": q.stance,
                                     "date": _plain(q.date), "source": q.source,
                                     "condition": q.condition}) for q in p.positions]
    doc["note"] = p.note
    return _drop_empty(doc)


def to_document(agreement: core.Agreement) -> dict[str, Any]:
    """A JSON-able document of the agreement that :class:`AgreementFile` validates.

    ``geojson`` zones carry their geometry inline, so a stored document stands alone.
    """
    return _drop_empty({
        "id": agreement.id, "title": agreement.title, "status": agreement.status,
        "version": agreement.version,
        "effective_at": _plain(agreement.effective_at),
        "description": agreement.description,
        "parties": [_party_doc(p) for p in agreement.parties],
        "mediators": [_party_doc(p) for p in agreement.mediators],
        "window": _window_doc(agreement.window),
        "zones": [_drop_empty({"id": z.id, "kind": z.kind, "description": z.description,
                               "path": z.path, "geometry": _plain_geometry(z.geometry),
                               "country": z.country, "distance_km": z.distance_km,
                               "side": z.side}) for z in agreement.zones],
        "provisions": [_provision_doc(p) for p in agreement.provisions],
        "sources": [_drop_empty({"id": c.id, "title": c.title, "url": c.url,
                                 "publisher": c.publisher, "date": _plain(c.date)})
                    for c in agreement.sources],
    })


def _plain_geometry(geometry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return json.loads(json.dumps(geometry)) if geometry is not None else None


def write_json_schema(path: str) -> None:
    """Write :func:`json_schema_text` to ``path`` (atomically)."""
    from ceasefire.fsutil import write_text_atomic

    write_text_atomic(path, json_schema_text())


if __name__ == "__main__":  # python -m ceasefire.formats.agreement_schema docs/agreement.schema.json
    import sys

    write_json_schema(sys.argv[1] if len(sys.argv) > 1 else "docs/agreement.schema.json")
