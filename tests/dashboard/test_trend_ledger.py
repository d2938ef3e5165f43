"""The dashboard's trend on a real ledger with recycles, reassignments, pauses, accepts and
owner calendars: each week's figures are that week's report (`report --week`) made on its
own, read alone and evaluated lead by lead, though the dashboard reads the thirteen weeks
once and evaluates them column-wise in one pass (``engine.Evaluated``)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slactl.agreement.directory import AgreementSet, load_agreements
from slactl.compliance import engine
from slactl.ledger.opening import open_for_reading
from slactl.periods import month
from slactl.usecases.dashboard import build_dashboard
from slactl.usecases.reading import make_report
from tests.compliance.test_columns import AGREEMENT, TEAM, histories, key

SLACTL = Path(sys.executable).parent / "slactl"
AS_OF = datetime(2024, 6, 3, 13, tzinfo=UTC)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, AgreementSet]:
    d: Path = tmp_path_factory.mktemp("trend")
    db = build_ledger(d)
    return db, load_agreements(d / "agreements")


def build_ledger(d: Path) -> str:
    """A ledger under ``d`` (``l.db``, agreements in ``d/agreements``): three batches of
    leads over the trend's thirteen weeks (March 4 to June 2) and the week before it; each
    lead with touches, dispositions, hand-backs (a second or third cycle), reassignments,
    pauses (some never resumed) and accepts."""
    agreements = d / "agreements"
    agreements.mkdir()
    (agreements / "cols.yaml").write_text(AGREEMENT)
    (agreements / "team.yaml").write_text(TEAM)
    leads, events = [], []
    for batch, first in enumerate(
        (datetime(2024, 2, 26), datetime(2024, 4, 1), datetime(2024, 5, 6))
    ):
        for h in histories(batch + 11, 300, first.replace(tzinfo=UTC)):
            lead = h.lead
            ext = f"B{batch}-{lead.external_id}"
            email = lead.email if lead.email and "@" in lead.email else None
            leads.append(
                [ext, email or "", lead.first_name or "", lead.company or "", lead.phone or ""]
                + [lead.segment, lead.owner, lead.score, lead.created_at.isoformat()]
                + [lead.handed_off_at.isoformat() if lead.handed_off_at else ""]
            )
            for e in h.events:
                events.append(
                    [ext, e.kind, e.rep or "", e.at.isoformat(), e.outcome or "", e.reason or ""]
                    + ["" if e.duration is None else e.duration, e.from_rep or ""]
                )
    write_csv(d / "leads.csv", LEAD_COLUMNS, leads)
    write_csv(d / "events.csv", EVENT_COLUMNS, events)
    db = str(d / "l.db")
    run_import(db, agreements, d / "leads.csv", "leads")
    run_import(db, agreements, d / "events.csv", "activities")
    return db


LEAD_COLUMNS = ["external_id", "email", "first_name", "company", "phone", "segment", "owner"]
LEAD_COLUMNS += ["score", "created_at", "handed_off_at"]
EVENT_COLUMNS = ["lead", "kind", "rep", "at", "outcome", "reason", "duration", "from_rep"]


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def run_import(db: str, agreements: Path, path: Path, kind: str) -> None:
    """``slactl import --kind KIND PATH`` into ``db``, the installed command."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACTL_DB": db,
        "SLACTL_AGREEMENTS": str(agreements),
    }
    r = subprocess.run(
        [str(SLACTL), "import", "--kind", kind, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr


def figures(report: Any) -> dict[str, Any]:
    """What the trend shows of a week (per commitment and per rep) and the funnel; the
    dashboard's weeks carry no quality section."""
    out = report.to_json()
    del out["quality"]
    return out


@pytest.mark.slow  # thirteen weeks, each checked against its own report lead by lead
@pytest.mark.parametrize("rep", [None, "bob"])
def test_each_trend_week_is_that_weeks_report(
    ledger: tuple[str, AgreementSet], rep: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, agreements = ledger
    monkeypatch.setattr(engine, "COLUMNS", 1)  # the span column-wise, as on a big ledger
    ledgers = open_for_reading(db)
    d = build_dashboard(ledgers, agreements, month("2024-05"), as_of=AS_OF, rep=rep)
    assert [p.period.label for p in d.trend][::6] == ["2024-W10", "2024-W16", "2024-W22"]
    decided = 0
    for point in d.trend:
        assert point.report is not None
        # `report --week`: its own read, every pair evaluated lead by lead, with reasons
        alone = make_report(ledgers, agreements, point.period, as_of=AS_OF, rep=rep)
        assert figures(point.report) == figures(alone), point.period.label
        assert sorted(key(o)[:-1] for o in point.report.outcomes) == sorted(
            key(o)[:-1] for o in alone.outcomes
        )
        decided += sum(c.met + c.breached for c in alone.commitments)
    # the weeks hold the lifecycle's cases, not empty reports
    outcomes = [o for p in d.trend if p.report for o in p.report.outcomes]
    assert decided > (300 if rep else 1000)
    assert any(o.cycle > 1 for o in outcomes)
    assert any(o.paused for o in outcomes if o.lead_id)
