"""``ceasefire demo``: the whole job on the bundled 2025 sample, start to finish.

Creates a workspace, imports the DeepState snapshots (first: the headline model at ingest and
attribution at fuse read who held each place), ingests the sample (VIINA reports, the
energy-strike screen, the RU MoD's posts and the UA Air Force's waves: the parties' own
accusations), fuses, adds the 2025 agreements, assesses the energy moratorium,
the Easter and May truces and the 30-day proposal as if in force, checks the March 2025 and
truce claims, and writes a report per agreement (HTML, PDF, Markdown, JSON).

The sample lives in ``examples/demo`` of the source tree (see its SOURCE.md), the
agreements and claims in ``examples/agreements`` and ``examples/claims``; a wheel carries
the same folder as ``ceasefire/examples`` (setup.py copies it in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from ceasefire.core.claims import Claim, Verdict, ViolationCount
from ceasefire.errors import WorkspaceError
from ceasefire.formats.registry import get_reader
from ceasefire.record import keys
from ceasefire.reports.render import write_report
from ceasefire.services.agreements import add_agreement
from ceasefire.services.assess import assess
from ceasefire.services.claims import check_claims, read_claim_files
from ceasefire.services.fusion import fuse_workspace
from ceasefire.services.ingest import ingest_file
from ceasefire.services.reporting import build_report
from ceasefire.services.territory import import_snapshots
from ceasefire.workspace import Workspace


def find_examples() -> Path:
    """The examples folder: the checkout's ``examples/`` when running from the source tree,
    else the copy a wheel carries as package data (``ceasefire/examples``, setup.py)."""
    checkout = Path(__file__).resolve().parents[3] / "examples"
    if (checkout / "demo").is_dir():
        return checkout
    return Path(str(resources.files("ceasefire") / "examples"))


EXAMPLES = find_examples()
Step = Callable[[str], None]


@dataclass(frozen=True)
class DemoRun:
    """One agreement the demo assesses and reports on."""

    agreement_file: str
    agreement_id: str
    day_from: date
    day_to: date
    truce: str | None = None
    as_if_in_force: bool = False


RUNS: tuple[DemoRun, ...] = (
    DemoRun("energy_moratorium_2025.yaml", "energy-moratorium-2025", date(2025, 3, 18),
            date(2025, 4, 17), "energy_moratorium"),
    DemoRun("easter_truce_2025.yaml", "easter-truce-2025", date(2025, 4, 19),
            date(2025, 4, 21), "easter_truce"),
    DemoRun("may_truce_2025.yaml", "may-truce-2025", date(2025, 5, 8), date(2025, 5, 11),
            "may_truce"),
    DemoRun("us_ua_30day_proposal_2025.yaml", "us-ua-30day-2025", date(2025, 3, 12),
            date(2025, 4, 11), None, as_if_in_force=True),
)
CLAIM_FILES = ("march_2025_claims.yaml", "truce_violations_2025.yaml")


@dataclass
class DemoSummary:
    workspace: Path
    reports_read: int = 0
    reports_added: int = 0
    incidents: int = 0
    snapshots: int = 0
    findings: dict[str, dict[str, int]] = field(default_factory=dict)
    claims: list[dict[str, Any]] = field(default_factory=list)
    report_files: list[Path] = field(default_factory=list)


def sample_dir(examples: Path = EXAMPLES) -> Path:
    folder = examples / "demo"
    if not (folder / "viina").is_dir():
        raise WorkspaceError(f"the demo sample is not at {folder}: `ceasefire demo` runs from a "
                             "source checkout (see README), or pass --examples DIR")
    return folder


def relevant_claims(results: Sequence[tuple[Claim, Verdict]], run: DemoRun
                    ) -> list[tuple[Claim, Verdict]]:
    """Count claims about this truce, and other claims dated inside the period."""
    chosen = []
    for claim, verdict in results:
        p = claim.proposition
        if isinstance(p, ViolationCount):
            if run.truce and p.truce == run.truce:
                chosen.append((claim, verdict))
        elif run.day_from <= claim.date <= run.day_to or run.as_if_in_force:
            chosen.append((claim, verdict))
    return chosen


def run_demo(directory: Path, *, examples: Path = EXAMPLES, formats: Sequence[str] = (
        "html", "pdf", "md", "json"), step: Step | None = None) -> DemoSummary:
    """Run the whole job into ``directory`` (a new workspace)."""
    say = step or (lambda _s: None)
    sample = sample_dir(examples)
    with Workspace.init(directory, name="ceasefire demo (2025 truces)") as ws:
        keys.init_key(ws)  # as `ceasefire init` does: an unsigned ledger can be rewritten
        summary = DemoSummary(ws.root)
        say("territory")
        imported = import_snapshots(ws, sorted((sample / "deepstate").glob("*.geojson")),
                                    "deepstate")
        summary.snapshots = len(imported.added)
        say("ingest")
        for fmt, folder in (("viina", "viina"), ("viina-energy", "viina_energy"),
                            ("mod-telegram", "mod_telegram"),
                            ("airforce-waves", "airforce_waves")):
            reader = get_reader(fmt)
            for path in sorted((sample / folder).glob("*.csv")):
                result = ingest_file(ws, path, reader)
                summary.reports_read += result.read
                summary.reports_added += result.added
        say("fuse")
        summary.incidents = fuse_workspace(ws).incidents
        for run in RUNS:
            say(f"assess {run.agreement_id}")
            add_agreement(ws, examples / "agreements" / run.agreement_file)
            assessed = assess(ws, run.agreement_id, as_if_in_force=run.as_if_in_force)
            summary.findings[run.agreement_id] = assessed.by_verdict
        say("claims")
        claims = check_claims(ws, read_claim_files(
            examples / "claims" / name for name in CLAIM_FILES))
        summary.claims = [v.to_dict() for _, v in claims]
        for run in RUNS:
            say(f"report {run.agreement_id}")
            content = build_report(ws, run.agreement_id, run.day_from, run.day_to,
                                   relevant_claims(claims, run))
            summary.report_files += write_report(content, ws.root / "reports" / run.agreement_id,
                                                 list(formats))
    return summary
