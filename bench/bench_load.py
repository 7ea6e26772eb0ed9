"""Load benchmark (issue 11): concurrent clients submitting reports through the API.

``ceasefire serve`` runs as a child process on 127.0.0.1 over a fresh workspace (SQLite,
and PostgreSQL when ``CEASEFIRE_TEST_POSTGRES_URL`` is set, made with
``ceasefire init --database URL``); N asyncio clients each POST single reports to
``/api/v1/reports`` with an Idempotency-Key, some retried after their answer and some after
a client-side timeout (tests/reliability/load.py). Afterwards the store is audited (lost,
unacknowledged, duplicates, ledger entry per report) and ``ceasefire verify`` runs.

Prints one table row per backend and client count; ``--peer`` adds the same case on a server
with one transaction per submission and no token cache (the code before group_commit.py and
TokenCache), in the same run. CPU per report is the server process's and this client's
(PostgreSQL's own backends are not counted):

    CEASEFIRE_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) \\
        .venv/bin/python bench/bench_load.py --clients 8,32 --reports 3000 --peer
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.reliability.load import Plan, audit, init_workspace, prepare, run_load
from tests.store.conftest import fresh_schemas
from tests.web.conftest import ServeProcess

from ceasefire.workspace import Workspace

# The peer: the same server with each submission in its own transaction and every request's
# token looked up in the store (as before group_commit.py and TokenCache), in the same run.
ALONE = """
import sys
from ceasefire.services.sources import stored_sources
from ceasefire.web import group_commit, users

def alone(self, principal, key, digest, reports):
    item = group_commit.Submission(principal, key, digest, reports)
    with self.write_lock, self.ws.store.transaction():
        self._run([item], stored_sources(self.ws.store))
    if item.error is not None:
        raise item.error
    return item

group_commit.GroupCommit.submit = alone
users.TokenCache.authenticate = lambda self, store, token: users.authenticate(store, token)
from ceasefire.cli import main
main()
"""

HEADER = ("| backend | server | clients | reports | seconds | reports/s | p50 ms | p99 ms | retries "
          "| replayed | timed out | lost | duplicates | verify | server CPU ms/report "
          "| client CPU ms/report | load avg |")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_run(backend: str, plan: Plan, server_kind: str) -> str:
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        database = None
        if backend == "postgres":
            database = stack.enter_context(fresh_schemas(
                os.environ["CEASEFIRE_TEST_POSTGRES_URL"], "bench_load"))()
        init_workspace(Path(tmp) / "ws", database)
        with Workspace.open(Path(tmp) / "ws") as ws:
            tokens = prepare(ws, plan.clients)
            serve = ServeProcess(ws)
            if server_kind == "alone":
                serve.args[2] = ALONE
            with serve as server:
                assert server.proc is not None
                server_cpu, client_cpu = _cpu_s(server.proc.pid), _own_cpu_s()
                out = run_load(server.url, tokens, plan)
                server_cpu = _cpu_s(server.proc.pid) - server_cpu
                client_cpu = _own_cpu_s() - client_cpu
            check = audit(ws, out)
    for problem in out.problems[:5]:
        print(f"  problem: {problem}", file=sys.stderr)
    lost = len(check.lost) + len(check.unacknowledged) + len(out.problems) \
        + (plan.reports - len(out.acks))
    verified = "OK" if check.verify.get("ok") else f"FAILED {check.verify.get('error')}"
    return (f"| {backend} | {server_kind} | {plan.clients} | {len(out.acks):,} | {out.seconds:.1f} | "
            f"{out.per_second:,.0f} | {out.percentile(0.5):.1f} | {out.percentile(0.99):.1f} | "
            f"{out.retries} | {out.replayed} | {out.timeouts} | {lost} | "
            f"{check.duplicates + len(check.wrong_entry)} | {verified} | "
            f"{server_cpu * 1000 / len(out.acks):.2f} | {client_cpu * 1000 / len(out.acks):.2f} | "
            f"{os.getloadavg()[0]:.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8,32", help="comma-separated client counts")
    parser.add_argument("--reports", type=int, default=6_000, help="reports per run")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--peer", action="store_true",
                        help="also run each case on the one-transaction-per-request server")
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(",")
                if b != "postgres" or os.environ.get("CEASEFIRE_TEST_POSTGRES_URL")]
    print(HEADER)
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for backend in backends:
        for clients in (int(c) for c in args.clients.split(",")):
            plan = Plan(clients=clients, reports=args.reports, deadline_s=1800.0)
            for kind in ["group", "alone"] if args.peer else ["group"]:
                print(one_run(backend, plan, kind), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
