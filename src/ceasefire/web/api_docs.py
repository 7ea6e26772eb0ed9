"""The interactive API documentation at ``/docs``, served from this host.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN: offline (a field mission, this
project's CI) it is a blank page, and it would let a third host run script next to the
API's origin. Swagger UI's files come instead from the ``swagger-ui-bundle`` package and
are served under ``/docs/assets/``, so the page runs under the app's ``default-src 'self'``
policy except for the one inline script that starts Swagger UI (see ``DOCS_CSP`` in
:mod:`ceasefire.web.security`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"


def swagger_ui_dir() -> Path | None:
    """Where the installed swagger-ui-bundle keeps Swagger UI, or None when not installed."""
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def install(app: FastAPI) -> None:
    """Add ``GET /docs`` (and its assets) to ``app``; without the package, /docs says so."""
    folder = swagger_ui_dir()
    if folder is not None:
        app.mount(ASSETS, StaticFiles(directory=folder), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if folder is None:
            return HTMLResponse("<p>Swagger UI is not installed (pip install "
                                "swagger-ui-bundle); the API is described at "
                                "<a href=\"/openapi.json\">/openapi.json</a>.</p>",
                                status_code=503)
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png")
