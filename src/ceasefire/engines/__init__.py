"""Batch engines: where fusion and assessment run.

``local`` is the reference (numpy in process, :mod:`ceasefire.services.fusion` and
:mod:`ceasefire.services.assess`). Importing this package registers ``dask``
(:mod:`ceasefire.engines.dask`) with both services; dask itself is imported only when that
engine runs, so the ``[dask]`` extra stays optional.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ceasefire.engines import dask as dask_engine
from ceasefire.workspace import Workspace


@contextmanager
def engine_session(ws: Workspace, engine: str) -> Iterator[None]:
    """Set up what ``engine`` needs for the calls inside the block, from ``[engine]``.

    Dask: one client (a scheduler from ``ceasefire.toml``, or a LocalCluster) shared by
    every engine call of one command. Local: nothing.
    """
    if engine != "dask":
        yield
        return
    with dask_engine.session(ws.settings.engine, file=ws.path("ceasefire.toml")):
        yield


__all__ = ["engine_session"]
