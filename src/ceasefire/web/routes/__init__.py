"""REST routes under ``/api/v1``, one module per resource; each defines ``router``."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from ceasefire.web.query import Page, page_links


def listing(request: Request, items: list[dict[str, Any]], matched: int,
            page: Page) -> dict[str, Any]:
    """The envelope of every paged list: items, counts and next/prev links."""
    return {"items": items, "numberMatched": matched, "numberReturned": len(items),
            "links": page_links(str(request.url).split("?")[0], dict(request.query_params),
                                page, matched, len(items))}
