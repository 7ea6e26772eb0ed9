"""Evidence uploads and downloads (see :mod:`ceasefire.services.evidence`)."""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import StreamingResponse

from ceasefire.errors import NotFound
from ceasefire.services import evidence
from ceasefire.store.conditions import In
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.users import Principal
from ceasefire.web.views import get_report, own_reports_where
from ceasefire.workspace import Workspace

router = APIRouter(prefix="/api/v1", tags=["evidence"])


@router.post("/reports/{report_gid}/evidence", status_code=201,
             summary="Attach a photo, video or document to a report")
def evidence_upload(report_gid: str, request: Request, file: UploadFile = File(...),
                    ws: Workspace = Depends(workspace_of),
                    principal: Principal = Depends(gate("evidence.upload"))) -> dict[str, Any]:
    report = get_report(ws.store, principal, report_gid)  # liaison: own reports only
    with request.app.state.write_lock:
        stored = evidence.store_upload(
            ws, file.file, source_id=report["source_id"], report_id=report["report_id"],
            filename=file.filename, actor=principal.name,
            max_bytes=request.app.state.max_upload_bytes)
    return {"sha256": stored.sha256, "media_type": stored.media_type, "size": stored.size,
            "report": report_gid, "ledger_seq": stored.ledger_seq,
            "href": f"/api/v1/evidence/{stored.sha256}"}


@router.get("/reports/{report_gid}/evidence", summary="Evidence files of a report")
def evidence_list(report_gid: str, ws: Workspace = Depends(workspace_of),
                  principal: Principal = Depends(gate("evidence.list"))
                  ) -> list[dict[str, Any]]:
    report = get_report(ws.store, principal, report_gid)
    return [{**row, "href": f"/api/v1/evidence/{row['sha256']}"}
            for row in evidence.files_of(ws, report["source_id"], report["report_id"])]


@router.get("/evidence/{sha256}", summary="Download an evidence file",
            response_class=StreamingResponse)
def evidence_get(sha256: str, ws: Workspace = Depends(workspace_of),
                 principal: Principal = Depends(gate("evidence.get"))) -> StreamingResponse:
    rows = evidence.lookup(ws, sha256)
    own = own_reports_where(principal)
    if own:  # a liaison: only files attached to a report it submitted
        keys = [(r["source_id"], r["report_id"]) for r in rows]
        mine = [r for r in ws.store.select(
            "reports", {"source_id": In([k[0] for k in keys]), **own},
            columns=["source_id", "report_id"]) if (r["source_id"], r["report_id"]) in keys]
        if not mine:
            raise NotFound(f"no evidence file {sha256!r}")
    path = evidence.stored_path(ws, rows[0]["sha256"])
    if not path.exists():
        raise NotFound(f"evidence file {sha256} is recorded but missing from the store")
    return StreamingResponse(evidence.iter_file(path), media_type=rows[0]["media_type"],
                             headers={"Content-Length": str(rows[0]["size"]),
                                      "X-Content-SHA256": rows[0]["sha256"],
                                      "X-Content-Type-Options": "nosniff"})
