"""``ledger.trend_store`` on a real SQLite ledger: a stored period holds until something
recorded since concerns it — by its leads' instants, a review meeting around it, an
opportunity created or closed in it (or its old value before a change), or something
happening between the row's ``as_of`` and the reader's — and only then."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from slactl.ledger import trend_store
from slactl.ledger.opening import open_for_reading, open_for_writing

SLACTL = Path(sys.executable).parent / "slactl"
AS_OF = datetime(2024, 6, 3, 13, tzinfo=UTC)
KINDS = {"call", "email", "disposition", "handoff"}

# weeks (Monday..Sunday) and the instants their cycles are selected between (UTC days)
W10 = (date(2024, 3, 4), date(2024, 3, 10))
W12 = (date(2024, 3, 18), date(2024, 3, 24))
W20 = (date(2024, 5, 13), date(2024, 5, 19))
BOUNDS = {
    w: (
        datetime.combine(w[0], datetime.min.time(), UTC),
        datetime.combine(w[1] + timedelta(days=1), datetime.min.time(), UTC),
    )
    for w in (W10, W12, W20)
}

AGREEMENT = """\
slactl: 1
name: s
period: {start: 2024-01-01, end: 2024-12-31}
calendar: {timezone: UTC, hours: {mon-fri: "09:00-17:00"}}
definitions: {mql: {score: ">= 0"}, touch_kinds: [call, email]}
commitments:
  sales:
    - {id: ft, measure: first_touch, within: 4 business hours, target: 90%}
"""


def slactl(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    r = subprocess.run(
        [str(SLACTL), *args], env=env, capture_output=True, text=True, timeout=60, input=stdin
    )
    assert r.returncode == 0, r.stderr


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[str, dict[str, str], Path]:
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "s.yaml").write_text(AGREEMENT)
    db = str(tmp_path / "l.db")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACTL_DB": db,
        "SLACTL_AGREEMENTS": str(agreements),
    }
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "external_id,email,owner,score,created_at\n"
        "A,a@example.com,alice,70,2024-03-05T10:00:00+00:00\n"
        "B,b@example.com,alice,70,2024-03-19T10:00:00+00:00\n"
        "C,c@example.com,bob,70,2024-05-14T10:00:00+00:00\n"
    )
    slactl(env, "import", "--kind", "leads", str(leads))
    events = tmp_path / "events.csv"
    events.write_text(
        "lead,kind,rep,at,outcome\n"
        "A,call,alice,2024-03-05T11:00:00+00:00,\n"
        "A,disposition,alice,2024-03-06T11:00:00+00:00,nurture\n"
        "B,call,alice,2024-03-19T11:00:00+00:00,\n"
        "C,call,bob,2024-05-14T11:00:00+00:00,\n"
    )
    slactl(env, "import", "--kind", "activities", str(events))
    store_every_week(db)
    return db, env, tmp_path


def store_every_week(db: str) -> None:
    """Every week stored as of AS_OF, with the ledger's marks of now."""
    reading = open_for_reading(db)
    marks = trend_store.high_marks(reading)
    reading.dispose()
    assert marks is not None
    writing = open_for_writing(db, create=False)
    trend_store.save(
        writing,
        scope="",
        fingerprint="fp",
        as_of=AS_OF,
        marks=marks,
        figures=[(a, b, {"week": a.isoformat()}) for a, b in BOUNDS],
    )
    writing.dispose()


def holding(db: str, as_of: datetime = AS_OF) -> set[tuple[date, date]]:
    engine = open_for_reading(db)
    try:
        rows = trend_store.load(engine, scope="", fingerprint="fp", as_of=as_of)
        assert {(r.start, r.end) for r in rows} == set(BOUNDS)
        assert {r.figures["week"] for r in rows} == {a.isoformat() for a, _ in BOUNDS}
        kept = trend_store.still_holding(engine, rows, BOUNDS, as_of=as_of, kinds=KINDS)
        return {(r.start, r.end) for r in kept}
    finally:
        engine.dispose()


def test_nothing_since_holds_everything(ledger: tuple[str, dict[str, str], Path]) -> None:
    db, _, _ = ledger
    assert holding(db) == set(BOUNDS)
    engine = open_for_reading(db)
    try:  # another scope, fingerprint, or an earlier reader: no rows
        assert trend_store.load(engine, scope="bob", fingerprint="fp", as_of=AS_OF) == []
        assert trend_store.load(engine, scope="", fingerprint="other", as_of=AS_OF) == []
        early = AS_OF - timedelta(minutes=1)
        assert trend_store.load(engine, scope="", fingerprint="fp", as_of=early) == []
    finally:
        engine.dispose()


def test_an_event_on_a_lead_touches_the_weeks_of_its_instants(
    ledger: tuple[str, dict[str, str], Path],
) -> None:
    db, env, _ = ledger
    slactl(env, "log", "B", "call", "--rep", "alice", "--at", "2024-05-20T10:00Z")
    assert holding(db) == {W10, W20}


def test_a_hand_back_touches_the_week_it_starts_a_cycle_in(
    ledger: tuple[str, dict[str, str], Path],
) -> None:
    db, env, _ = ledger
    slactl(env, "handoff", "A", "--rep", "alice", "--at", "2024-05-15T10:00Z")
    assert holding(db) == {W12}  # A's first cycle (W10) and its new one (W20)


def test_a_review_meeting_touches_the_weeks_around_it(
    ledger: tuple[str, dict[str, str], Path],
) -> None:
    db, env, _ = ledger
    slactl(env, "review", "--at", "2024-07-10T15:00Z")  # within 62 days of W20 only
    assert holding(db) == {W10, W12}


def test_an_opportunity_touches_its_lead_and_its_weeks(
    ledger: tuple[str, dict[str, str], Path],
) -> None:
    db, env, tmp_path = ledger
    opps = tmp_path / "opps.csv"
    opps.write_text(
        "id,lead,created_at,amount,currency,stage,closed_at,won\n"
        "O1,C,2024-03-20T10:00:00+00:00,1000,USD,open,,\n"
    )
    slactl(env, "import", "--kind", "opportunities", str(opps))
    assert holding(db) == {W10}  # C's week, and W12 where the opportunity was created


def test_something_happening_between_the_as_ofs(
    ledger: tuple[str, dict[str, str], Path],
) -> None:
    """An event already in the ledger but after the row's ``as_of`` counts for a later
    reader: the row's evaluation did not see it."""
    db, env, _ = ledger
    slactl(env, "log", "A", "email", "--rep", "alice", "--at", "2024-06-05T10:00Z")
    store_every_week(db)  # stored again with marks above that event
    assert holding(db) == set(BOUNDS)
    assert holding(db, as_of=datetime(2024, 6, 10, tzinfo=UTC)) == {W12, W20}


def test_a_lead_moved_out_of_a_week_touches_it(
    ledger: tuple[str, dict[str, str], Path],
) -> None:
    """A re-import that moves a lead's creation from week 12 to week 20: both weeks, the
    old one by the change's old value."""
    db, env, tmp_path = ledger
    leads = tmp_path / "moved.csv"
    leads.write_text(
        "external_id,email,owner,score,created_at\n"
        "B,b@example.com,alice,70,2024-05-16T10:00:00+00:00\n"
    )
    slactl(env, "import", "--kind", "leads", str(leads))
    assert holding(db) == {W10}
