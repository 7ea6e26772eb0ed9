"""``/api/v1/claims/check``: check public claims against the workspace's evidence.

Claims are not stored: a client posts a claims document (the YAML or JSON of
``examples/claims``, see docs/claims.md) and gets one verdict per claim, measured by
:func:`ceasefire.services.claims.check_claims` exactly as ``ceasefire claims check`` does.
Verdicts are aggregates (shares, counts), so every role may ask.
"""

# ruff: noqa: B008 - Depends()/gate() as parameter defaults is FastAPI's idiom

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ceasefire.formats.claims import loads_claims
from ceasefire.services.claims import check_claims
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.users import Principal
from ceasefire.workspace import Workspace

router = APIRouter(prefix="/api/v1/claims", tags=["claims"])


class ClaimsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: str = Field(min_length=1, max_length=200_000,
                          description="a claims file (YAML or JSON), as text")


@router.post("/check", summary="Check claims against the evidence")
def claims_check(body: ClaimsIn, ws: Workspace = Depends(workspace_of),
                 _: Principal = Depends(gate("claims.check"))) -> list[dict[str, Any]]:
    claims = loads_claims(body.document, file="document")
    return [verdict.to_dict() for _claim, verdict in check_claims(ws, claims)]
