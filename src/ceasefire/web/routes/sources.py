"""``/api/v1/sources``: the source registry (never shown to liaisons or the public)."""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ceasefire.core.evidence import RELIABILITY_GRADES, Source, SourceKind
from ceasefire.errors import InputError, NotFound
from ceasefire.record import ledger
from ceasefire.services.sources import list_sources, new_sources, source_row
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.users import Principal
from ceasefire.workspace import Workspace

router = APIRouter(prefix="/api/v1/sources", tags=["sources"])


class SourceIn(BaseModel):
    """A source as in ``sources.csv``."""

    model_config = ConfigDict(extra="forbid")
    source_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1)
    kind: Literal["monitor", "party", "news", "sensor", "satellite", "civil", "other"]
    affiliation: str = "neutral"
    reliability: str = "F"
    origin_group: str = ""


@router.get("", summary="List sources")
def sources_list(ws: Workspace = Depends(workspace_of),
                 _: Principal = Depends(gate("sources.list"))) -> list[dict[str, Any]]:
    return list_sources(ws.store)


@router.get("/{source_id}", summary="One source")
def sources_get(source_id: str, ws: Workspace = Depends(workspace_of),
                _: Principal = Depends(gate("sources.get"))) -> dict[str, Any]:
    for row in list_sources(ws.store):
        if row["source_id"] == source_id:
            return row
    raise NotFound(f"no source {source_id!r}")


@router.post("", status_code=201, summary="Register a source")
def sources_add(body: SourceIn, ws: Workspace = Depends(workspace_of),
                principal: Principal = Depends(gate("sources.add"))) -> dict[str, Any]:
    if body.reliability not in RELIABILITY_GRADES:
        raise InputError(f"reliability is one of {', '.join(RELIABILITY_GRADES)}",
                         field="reliability")
    source = Source(body.source_id, body.name, SourceKind(body.kind), body.affiliation,
                    body.reliability, body.origin_group)
    fresh, _ = new_sources(ws.store, [source])
    seq = None
    if fresh:
        seq = ledger.record(ws.store, actor=principal.name, action="sources.add",
                            rows={"sources": [source_row(source)]},
                            note={"via": "api", "added": 1}).seq
    return {**source_row(source), "added": bool(fresh), "ledger_seq": seq}
