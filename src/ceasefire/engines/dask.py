"""The Dask engine: fusion and assessment on ``dask.distributed``, identical to the local one.

``ceasefire fuse --engine dask`` cuts the reports into space-time blocks with overlap
(:mod:`ceasefire.engines.blocks`), fuses each block on a worker and keeps every connected
component of the compatibility graph from the one block that holds it whole and owns its
anchor; components longer than the overlap are fused at the end in one piece. Incidents,
their ids and the pair count are those of ``--engine local``.

``ceasefire assess --engine dask`` cuts the window's incidents into time blocks and judges
each block against the agreement on a worker: a finding depends on its own incident alone,
so the union, put back in the local engine's order, is the local result.

Where the work runs comes from the ``[engine]`` table of ``ceasefire.toml``::

    [engine]
    scheduler = "tcp://10.0.0.5:8786"   # a running dask scheduler; unset: a LocalCluster
    n_workers = 2                       # LocalCluster only
    threads_per_worker = 1              # LocalCluster only
    time_blocks = 16                    # default: max(2 x workers, reports / 250,000)
    lat_blocks = 1                      # latitude bands per time block
    halo = 4.0                          # overlap, in multiples of twice the p99 reach

Workers import ``ceasefire``: install the package (``pip install ceasefire[dask]``) on every
worker machine. The code runs inside :func:`session` (the CLI opens one per command); an
engine call outside a session opens a LocalCluster for that call only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely.geometry.base import BaseGeometry

from ceasefire.core.agreement import Agreement, Commitment, NoAdvance
from ceasefire.core.compliance import ComplianceParams, Finding, IncidentFacts, assess_incidents
from ceasefire.core.fusion import FusionResult, ReportArrays, _result
from ceasefire.core.linkage import LinkageModel
from ceasefire.engines.blocks import BlockResult, fuse_block, fuse_rest, plan, stitch
from ceasefire.errors import CeasefireError, InputError
from ceasefire.services import assess as assess_service
from ceasefire.services import fusion as fusion_service
from ceasefire.services.fusion import Progress

REPORTS_PER_BLOCK = 250_000


class DaskOptions(BaseModel):
    """The ``[engine]`` table, as the Dask engine reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scheduler: str | None = Field(None, description="Address of a running dask scheduler, "
                                  "e.g. tcp://host:8786. Unset: a LocalCluster.")
    n_workers: int = Field(2, ge=1, description="LocalCluster worker processes.")
    threads_per_worker: int = Field(1, ge=1, description="LocalCluster threads per worker.")
    time_blocks: int | None = Field(None, ge=1, description="Time blocks (default: automatic).")
    lat_blocks: int = Field(1, ge=1, description="Latitude bands per time block.")
    halo: float = Field(4.0, gt=0, description="Overlap in multiples of twice the p99 reach.")
    connect_timeout_s: float = Field(20.0, gt=0, description="Wait for the scheduler (s).")


@dataclass(frozen=True)
class RunStats:
    """What the last engine call did (for the CLI's JSON and for tests)."""

    task: str
    scheduler: str
    workers: int
    blocks: int
    block_reports: int      # reports summed over blocks (overlap counts twice)
    reports: int
    rest: int = 0           # reports fused in one piece after the blocks
    worker_cpu_s: float = 0.0  # CPU seconds spent in the blocks, summed over workers
    seconds: tuple[tuple[str, float], ...] = ()  # wall time of each phase


class DaskSession:
    """A connected client and the options it was made with."""

    def __init__(self, options: DaskOptions) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # the [dask] extra is optional
            raise CeasefireError("the dask engine needs dask.distributed: "
                                 "pip install 'ceasefire[dask]'") from exc
        self.options = options
        self.cluster: Any = None
        if options.scheduler:
            self.client = Client(options.scheduler, timeout=options.connect_timeout_s,
                                 set_as_default=False)
        else:
            import logging

            self.cluster = LocalCluster(
                n_workers=options.n_workers, threads_per_worker=options.threads_per_worker,
                processes=True, dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self.cluster, set_as_default=False)

    @property
    def address(self) -> str:
        return str(self.client.scheduler.address)

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


_active: DaskSession | None = None
last_run: RunStats | None = None


def options_from(settings: Mapping[str, Any] | None, file: str | Path = "ceasefire.toml"
                 ) -> DaskOptions:
    """Validate the ``[engine]`` table; a bad value is an :class:`InputError` naming it."""
    try:
        return DaskOptions.model_validate(dict(settings or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "engine." + ".".join(str(p) for p in err["loc"])
        raise InputError(err["msg"], file=file, field=field) from exc


@contextmanager
def session(settings: Mapping[str, Any] | DaskOptions | None = None,
            file: str | Path = "ceasefire.toml") -> Iterator[DaskSession]:
    """Connect (or start a LocalCluster) for the engine calls made inside the block."""
    global _active
    options = settings if isinstance(settings, DaskOptions) else options_from(settings, file)
    try:
        opened = DaskSession(options)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the dask scheduler {options.scheduler}: {exc}",
                         file=file, field="engine.scheduler") from exc
    previous, _active = _active, opened
    try:
        yield opened
    finally:
        _active = previous
        opened.close()


@contextmanager
def _current() -> Iterator[DaskSession]:
    if _active is not None:
        yield _active
        return
    with session() as opened:
        yield opened


# -- fusion -----------------------------------------------------------------------------------
def _run_block(payload: tuple[ReportArrays, np.ndarray | None, np.ndarray, np.ndarray],
               model: LinkageModel) -> tuple[BlockResult, float]:
    """On a worker: one block, and the CPU seconds it took."""
    block, previous, safe, core = payload
    cpu = time.process_time()
    return fuse_block(block, previous, model, safe, core), time.process_time() - cpu


def fuse_distributed(on: DaskSession, arrays: ReportArrays, previous: np.ndarray | None,
                     model: LinkageModel, progress: Progress | None = None
                     ) -> FusionResult:
    """Fuse (``previous`` None) or attach, on the session's workers."""
    global last_run
    from dask.distributed import as_completed

    n = len(arrays)
    clock = [("start", time.perf_counter())]
    workers = on.workers()
    time_blocks = on.options.time_blocks or max(2 * workers,
                                                  math.ceil(n / REPORTS_PER_BLOCK))
    cut = plan(arrays, model, time_blocks=time_blocks, lat_blocks=on.options.lat_blocks,
               halo=on.options.halo)
    prev = None if previous is None else np.asarray(previous, dtype=np.int64)[cut.order]
    clock.append(("plan", time.perf_counter()))
    payloads = [(cut.arrays.take(members), None if prev is None else prev[members], safe, core)
                for members, safe, core in zip(cut.blocks, cut.safe, cut.core, strict=True)]
    scattered = on.client.scatter(payloads, hash=False)
    model_f = on.client.scatter(model, broadcast=True, hash=False)
    futures = [on.client.submit(_run_block, p, model_f, pure=False) for p in scattered]
    clock.append(("ship", time.perf_counter()))
    results: list[BlockResult] = []
    worker_cpu = 0.0
    for done, future in enumerate(as_completed(futures, loop=on.client.loop), start=1):
        result, cpu = future.result()
        results.append(result)
        worker_cpu += cpu
        if progress:
            progress("dask: fusing blocks", done, len(futures))
    clock.append(("blocks", time.perf_counter()))
    anchor_pos, pairs = stitch(n, results)
    rest, rest_pairs = fuse_rest(cut.arrays, prev, anchor_pos, model)
    clock.append(("stitch", time.perf_counter()))
    last_run = RunStats("fuse", on.address, workers, len(cut.blocks),
                        sum(len(b) for b in cut.blocks), n, rest, worker_cpu,
                        tuple((name, t - clock[i][1]) for i, (name, t) in enumerate(clock[1:])))
    return _result(cut.order, anchor_pos, pairs + rest_pairs)


def fusion_engine(arrays: ReportArrays, previous: np.ndarray | None, model: LinkageModel,
                  progress: Progress | None) -> FusionResult:
    """The ``dask`` entry of :data:`ceasefire.services.fusion.ENGINES`."""
    with _current() as on:
        return fuse_distributed(on, arrays, previous, model, progress)


# -- assessment -------------------------------------------------------------------------------
def assess_distributed(on: DaskSession, agreement: Agreement,
                       incidents: Sequence[IncidentFacts],
                       zones: Mapping[str, BaseGeometry | None],
                       params: ComplianceParams) -> list[Finding]:
    """Findings of every incident x provision, computed per time block on the workers."""
    global last_run
    workers = on.workers()
    facts = list(incidents)
    mid = np.array([(f.t_start + f.t_end) / 2.0 for f in facts])
    count = on.options.time_blocks or 2 * workers
    edges = np.unique(np.quantile(mid, np.arange(1, count) / count)) if len(facts) \
        else np.zeros(0)
    block_of = np.searchsorted(edges, mid, side="right") if len(facts) else np.zeros(0, int)
    chunks = [[facts[i] for i in np.flatnonzero(block_of == b)]
              for b in range(len(edges) + 1)]
    chunks = [c for c in chunks if c]
    shared = on.client.scatter([agreement, dict(zones), params], broadcast=True, hash=False)
    scattered = on.client.scatter(chunks, hash=False) if chunks else []
    futures = [on.client.submit(assess_incidents, shared[0], c, shared[1], shared[2],
                                  pure=False) for c in scattered]
    findings = [f for part in on.client.gather(futures) for f in part]
    # the local engine's order: provisions as declared, then incidents as given
    provision_rank = {p.id: i for i, p in enumerate(agreement.provisions)
                      if not isinstance(p, (NoAdvance, Commitment))}
    incident_rank = {f.incident_id: i for i, f in enumerate(facts)}
    findings.sort(key=lambda f: (provision_rank[f.provision_id], incident_rank[f.incident_id]))
    last_run = RunStats("assess", on.address, workers, len(chunks), len(facts), len(facts))
    return findings


def assess_engine(agreement: Agreement, incidents: Sequence[IncidentFacts],
                  zones: Mapping[str, BaseGeometry | None],
                  params: ComplianceParams) -> list[Finding]:
    """The ``dask`` entry of :data:`ceasefire.services.assess.ENGINES`."""
    with _current() as on:
        return assess_distributed(on, agreement, incidents, zones, params)


fusion_service.register_engine("dask", fusion_engine)
assess_service.register_engine("dask", assess_engine)
