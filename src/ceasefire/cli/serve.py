"""``ceasefire serve``: the web API (REST, OGC API – Features, SSE) with uvicorn."""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire.cli._common import open_workspace, workspace_option
from ceasefire.errors import WorkspaceError


@click.command()
@workspace_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (use a reverse proxy with TLS for anything public).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--poll", "poll_s", default=2.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds between checks for incidents/findings written by other processes.")
@click.option("--forwarded-allow-ips", default=None, metavar="ADDRESSES",
              help="Reverse proxies (comma-separated addresses) whose X-Forwarded-For and "
                   "X-Forwarded-Proto are believed. Unset: no proxy; those headers are "
                   "ignored, so a client cannot pose as many to dodge the rate limit.")
def serve(workspace: Path | None, host: str, port: int, poll_s: float,
          forwarded_allow_ips: str | None) -> None:
    """Serve the workspace over HTTP: /api/v1, /ogc, /docs."""
    try:
        import uvicorn

        from ceasefire.web.app import create_app
    except ImportError as exc:  # the [web] extra is not installed
        raise WorkspaceError("the web API needs the [web] extra: "
                             "pip install 'ceasefire[web]'") from exc
    with open_workspace(workspace) as ws:
        app = create_app(ws, poll_s=poll_s)
        click.echo(f"serving {ws.root} on http://{host}:{port} (API docs: /docs, "
                   f"OGC API: /ogc)", err=True)
        uvicorn.run(app, host=host, port=port, log_level="info",
                    proxy_headers=forwarded_allow_ips is not None,
                    forwarded_allow_ips=forwarded_allow_ips)


def register(cli: click.Group) -> None:
    cli.add_command(serve)
