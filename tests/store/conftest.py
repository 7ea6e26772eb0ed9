"""PostgreSQL fixtures for the store tests.

``postgres_url`` gives each test a fresh, empty schema in the server named by
``CEASEFIRE_TEST_POSTGRES_URL`` (``.ci/postgres.sh`` starts one and prints the URL): the URL
it yields puts that schema first on the ``search_path`` (PostGIS stays reachable in
``public``), and the schema is dropped afterwards. Without the variable the test skips
locally and FAILS under ``CI=true``: CI must never pass the PostgreSQL contract by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

URL_VARIABLE = "CEASEFIRE_TEST_POSTGRES_URL"


def server_url() -> str:
    """The test server's URL; skip if unset, fail if unset under CI."""
    url = os.environ.get(URL_VARIABLE, "")
    if not url:
        message = f"{URL_VARIABLE} is not set (run: export {URL_VARIABLE}=$(bash .ci/postgres.sh))"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: the PostgreSQL tests must not skip)")
        pytest.skip(message)
    return url


def with_search_path(url: str, schema: str) -> str:
    """``url`` with ``options=-c search_path=<schema>,public`` added."""
    option = quote(f"-c search_path={schema},public", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={option}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    base = server_url()
    import psycopg  # the [postgres] extra: needed once a server is configured

    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
