"""The dashboard: one static page and its bundle, served by the same app as the API.

Every asset is local. The page (``static/index.html``), its styles and strings live in the
package; the JavaScript bundle and the map library's CSS are built from
``web/dashboard/`` with npm at install time into ``static/build/`` (see
docs/dashboard.md). Nothing is fetched from another host, at build or at run time, and the
pages say so to the browser with a Content-Security-Policy of ``'self'`` only.

Routes (outside ``/api/v1``, public, not in the OpenAPI schema: they serve code and the
bundled boundaries, never workspace data):

* ``/``: the page; ``/sw.js``: the service worker (at the root so that its scope covers the
  page); ``/static/...``: the files;
* ``/basemap.geojson``: the bundled oblast boundaries, the base map when no tile server is
  configured.

The page reads everything else through the API with the user's bearer token.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from ceasefire.web.geo import basemap_bytes

STATIC = Path(str(resources.files("ceasefire") / "web" / "static"))
BUILD = STATIC / "build"

#: Only this origin: no inline script or style, no other host. Photos are previewed from
#: ``blob:`` URLs made in the page; workers come from this origin.
CSP = ("default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer"}

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>ceasefire: dashboard not built</title></head><body>
<h1>The dashboard is not built</h1>
<p>Its JavaScript bundle is made with npm when ceasefire is installed: run
<code>bash install.sh</code>, or <code>cd web/dashboard &amp;&amp; npm ci &amp;&amp;
npm run build</code>. The API is available: <a href="/docs">/docs</a>.</p></body></html>"""

router = APIRouter(include_in_schema=False)


def built() -> bool:
    return (BUILD / "app.js").is_file() and (BUILD / "sw.js").is_file()


@router.get("/")
def index() -> Response:
    if not built():
        return HTMLResponse(NOT_BUILT, status_code=503, headers=HEADERS)
    # no-cache: the service worker keeps the offline copy; the browser revalidates online
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                        headers={**HEADERS, "Cache-Control": "no-cache"})


@router.get("/sw.js")
def service_worker() -> Response:
    if not built():
        return Response("// dashboard not built\n", status_code=404,
                        media_type="text/javascript")
    return FileResponse(BUILD / "sw.js", media_type="text/javascript; charset=utf-8",
                        headers={**HEADERS, "Cache-Control": "no-cache",
                                 "Service-Worker-Allowed": "/"})


@router.get("/basemap.geojson")
def basemap() -> Response:
    return Response(basemap_bytes(), media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=86400"})


def install(app: FastAPI) -> None:
    """Add the dashboard's routes and its static files to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
