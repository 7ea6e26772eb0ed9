"""Fixtures shared by the web security tests (tests/security/test_web_*.py): the small
operation of tests/web (users of every role, reports, incidents, findings, an agreement),
served by the real app in-process. Nothing here opens a socket except on loopback.

A test module imports ``world_fixture`` / ``client_fixture``; pytest knows them as
``world`` and ``client``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ceasefire.web.app import create_app
from ceasefire.workspace import Workspace
from tests.web.conftest import World, build_world


@pytest.fixture(name="world")
def world_fixture(workspace: Workspace) -> World:
    return build_world(workspace)


@pytest.fixture(name="client")
def client_fixture(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.ws, watch=False)) as c:
        yield c
