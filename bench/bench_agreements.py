"""Benchmark: reading and checking agreement files.

Compares ``ceasefire.formats.agreement_yaml.loads`` (YAML with line tracking, pydantic schema,
cross-reference checks, core model) against its peer in the same run, a bare ``yaml.load``
of the same text with the same (libyaml) loader, and reports the ratio. Also times a synthetic agreement
with many provisions, valid and with one error per provision (every problem collected).

    .venv/bin/python bench/bench_agreements.py [--repeat 20] [--provisions 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from ceasefire.errors import AgreementError
from ceasefire.formats.agreement_yaml import loads

PEER_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples" / "agreements").glob("*.yaml"))


def timed(func: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``func`` in milliseconds."""
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def synthetic(n: int, broken: bool = False) -> str:
    """An agreement with ``n`` prohibitions; ``broken`` puts an unknown party in each."""
    head = """id: synthetic
title: Synthetic agreement
status: in_force
parties: [{id: UA}, {id: RU}]
window: {start: 2025-04-19T18:00:00+03:00, duration: P30D}
zones: [{id: front, kind: contact_line_buffer, distance_km: 30}]
provisions:
"""
    party = "XX" if broken else "RU"
    body = "".join(
        f"  - id: p{i}\n    kind: prohibition\n    text: clause {i}\n    binds: [UA, {party}]\n"
        f"    zone: front\n    categories: [shelling, mlrs]\n"
        f"    positions: [{{party: UA, stance: accepted, date: 2025-04-19}}]\n"
        for i in range(n))
    return head + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--provisions", type=int, default=2000)
    args = parser.parse_args()

    print(f"{'input':<44} {'yaml.load ms':>12} {'loads ms':>10} {'ratio':>7}")
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        peer = timed(lambda t=text: yaml.load(t, Loader=PEER_LOADER), args.repeat)
        ours = timed(lambda t=text, p=path: loads(t, file=str(p), base_dir=p.parent), args.repeat)
        print(f"{path.name:<44} {peer:>12.2f} {ours:>10.2f} {ours / peer:>7.2f}")

    valid, broken = synthetic(args.provisions), synthetic(args.provisions, broken=True)
    repeat = max(3, args.repeat // 4)
    peer = timed(lambda: yaml.load(valid, Loader=PEER_LOADER), repeat)
    ours = timed(lambda: loads(valid, file="synthetic.yaml"), repeat)
    print(f"{f'synthetic, {args.provisions} provisions':<44} {peer:>12.2f} {ours:>10.2f} "
          f"{ours / peer:>7.2f}")

    def check_broken() -> int:
        try:
            loads(broken, file="broken.yaml")
        except AgreementError as exc:
            return len(exc.problems)
        raise AssertionError("the broken agreement loaded")

    problems = check_broken()
    assert problems == args.provisions, problems
    ours = timed(check_broken, repeat)
    peer = timed(lambda: yaml.load(broken, Loader=PEER_LOADER), repeat)
    print(f"{f'synthetic, {problems} problems reported':<44} {peer:>12.2f} {ours:>10.2f} "
          f"{ours / peer:>7.2f}")


if __name__ == "__main__":
    main()
