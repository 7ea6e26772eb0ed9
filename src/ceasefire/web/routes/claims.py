"""``/api/v1/claims/check``: check public claims against the workspace's evidence.

Claims are not stored: a client posts a claims document (the YAML or JSON of
``examples/claims``, see docs/claims.md) and gets one verdict per claim, measured by
:func:`ceasefire.services.claims.check_claims` exactly as ``ceasefire claims check`` does.
Verdicts are aggregates (shares, counts), so every role may ask; but each is measured on
what the asker may see (:class:`VisibleMeasurer`). For the public that is the published
findings and the incidents at their public places (a sensitive one at its blurred grid
centre), and no sensitive report counts towards coverage: a tiny radius swept over a grid
must not locate what the public map blurs (issue 18, item 1). A liaison measures with the
findings it may read.
"""

# ruff: noqa: B008 - Depends()/gate() as parameter defaults is FastAPI's idiom

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ceasefire.formats.claims import loads_claims
from ceasefire.services.claims import WorkspaceMeasurer, check_claims
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.users import Principal
from ceasefire.web.views import (
    BLUR_MIN_UNCERTAINTY_M,
    blur,
    sensitive_incidents,
    visible_finding_ids,
)
from ceasefire.workspace import Workspace

router = APIRouter(prefix="/api/v1/claims", tags=["claims"])


class ClaimsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: str = Field(min_length=1, max_length=200_000,
                          description="a claims file (YAML or JSON), as text")


class VisibleMeasurer(WorkspaceMeasurer):
    """The workspace measurer narrowed to what ``principal`` may see."""

    def __init__(self, ws: Workspace, principal: Principal) -> None:
        super().__init__(ws)
        self.principal = principal
        self.visible = visible_finding_ids(ws.store, principal)

    def incidents(self, t_from: float, t_to: float) -> list[dict[str, Any]]:
        rows = super().incidents(t_from, t_to)
        if not self.principal.is_public:
            return rows
        sensitive = sensitive_incidents(self.ws.store)
        shown = []
        for row in rows:
            if row["incident_id"] in sensitive:  # where the public map shows it
                lat, lon = blur(row["lat"], row["lon"])
                row = {**row, "lat": lat, "lon": lon, "location_uncertainty_m": max(
                    row["location_uncertainty_m"], BLUR_MIN_UNCERTAINTY_M)}
            shown.append(row)
        return shown

    def findings(self, where: dict[str, Any] | None, columns: list[str],
                 ) -> Iterable[dict[str, Any]]:
        if self.visible is None:
            return super().findings(where, columns)
        rows = super().findings(where, sorted({*columns, "finding_id"}))
        return [r for r in rows if r["finding_id"] in self.visible]

    def reports_where(self) -> dict[str, Any]:
        return {"sensitive": 0} if self.principal.is_public else {}


@router.post("/check", summary="Check claims against the evidence")
def claims_check(body: ClaimsIn, ws: Workspace = Depends(workspace_of),
                 principal: Principal = Depends(gate("claims.check"))) -> list[dict[str, Any]]:
    claims = loads_claims(body.document, file="document")
    return [verdict.to_dict() for _claim, verdict in check_claims(
        ws, claims, VisibleMeasurer(ws, principal))]
