"""One error body for every 4xx/5xx answer, translated from ceasefire's exception tree.

Every error the API returns looks like::

    {"error": {"code": "input_error", "message": "observed_at: not ISO 8601 ...",
               "field": "observed_at"}}

``field`` is present when one input field is to blame. Translation happens here, at the
boundary (``ceasefire.errors`` knows nothing of HTTP):

============================  =======  ======================
exception                     status   code
============================  =======  ======================
QueryError (bad parameter)    400      bad_request
Unauthenticated               401      unauthenticated
AccessDenied                  403      forbidden
NotFound                      404      not_found
Conflict                      409      conflict
RateLimited                   429      too_many_requests (+ Retry-After)
PayloadTooLarge               413      payload_too_large
UnsupportedMedia              415      unsupported_media_type
InputError (bad body)         422      input_error
StoreError, LedgerError       503/500  store_error / ledger_error
anything else                 500      internal
============================  =======  ======================
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ceasefire.errors import (
    AccessDenied,
    CeasefireError,
    InputError,
    LedgerError,
    NotFound,
    StoreError,
)

log = logging.getLogger("ceasefire.web")


class QueryError(InputError):
    """A bad query or path parameter (400), as opposed to a bad request body (422)."""


class PayloadTooLarge(InputError):
    """An upload over the size limit."""


class UnsupportedMedia(InputError):
    """An upload whose bytes are not one of the allowed types."""


class Unauthenticated(AccessDenied):
    """No valid token where one is needed (401)."""


class Conflict(CeasefireError):
    """The request contradicts what is stored (an idempotency key reused with another body)."""


class RateLimited(AccessDenied):
    """Too many failed attempts from one client (429 with ``Retry-After``)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


_HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
               413: "payload_too_large", 415: "unsupported_media_type", 422: "input_error",
               429: "too_many_requests"}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    inner: dict[str, Any] = {"code": code, "message": message}
    if field:
        inner["field"] = field
    return {"error": inner}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def status_of(exc: CeasefireError) -> tuple[int, str]:
    """The HTTP status and error code of one of ceasefire's exceptions."""
    for cls, status, code in (
        (QueryError, 400, "bad_request"), (PayloadTooLarge, 413, "payload_too_large"),
        (UnsupportedMedia, 415, "unsupported_media_type"), (InputError, 422, "input_error"),
        (RateLimited, 429, "too_many_requests"),
        (Unauthenticated, 401, "unauthenticated"), (AccessDenied, 403, "forbidden"),
        (NotFound, 404, "not_found"), (Conflict, 409, "conflict"),
        (LedgerError, 500, "ledger_error"), (StoreError, 503, "store_error"),
    ):
        if isinstance(exc, cls):
            return status, code
    return 500, "error"


def describe(exc: CeasefireError) -> tuple[int, str, str, str | None, dict[str, str] | None]:
    """``(status, code, message, field, headers)`` of the answer to ``exc``."""
    status, code = status_of(exc)
    field = None
    message = " ".join(str(exc).split())
    if isinstance(exc, InputError):
        field = exc.problems[0].field if exc.problems else None
        message = "; ".join(p.message if p.file is None else str(p) for p in exc.problems)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    return status, code, message, field, headers


def _ceasefire_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CeasefireError)
    status, code, message, field, headers = describe(exc)
    if status >= 500:
        # the details (paths, SQL, database host) go to the server log, not to the client
        log.error("%s %s: %s", request.method, request.url.path, message)
        message, field = "the server failed (the details are in the server log)", None
    return error_response(status, code, message, field, headers)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(part) for part in first.get("loc", ())]
    where = loc[0] if loc else "body"
    field = ".".join(loc[1:]) or None
    message = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or where}: "
                        f"{e.get('msg', 'invalid')}" for e in errors)
    status = 422 if where == "body" else 400
    return error_response(status, _HTTP_CODES[status], message, field)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail), None,
                          dict(exc.headers) if exc.headers else None)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal", "internal error (see the server log)")


def install(app: FastAPI) -> None:
    """Register the handlers: every error leaves the app in the one shape above."""
    app.add_exception_handler(CeasefireError, _ceasefire_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
