"""record_event, the core of log / disposition / handoff / review, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from slactl.errors import UnknownLead
from slactl.ledger.engine import open_ledger
from slactl.ledger.ingest.pipeline import import_csv
from slactl.ledger.models import Lead
from slactl.ledger.record import record_event

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def test_events_are_appended_once_and_handoffs_start_the_clock(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    try:
        import_csv(engine, ROOT / "examples" / "leads.csv", now=NOW)
        t = datetime(2024, 5, 3, 14, 0, tzinfo=UTC)
        first = record_event(engine, lead="L-0003", kind="call", at=t, now=NOW, rep="alice")
        again = record_event(engine, lead="L-0003", kind="call", at=t, now=NOW, rep="alice")
        assert (first.lead, first.added, again.added) == ("L-0003", True, False)
        by_email = record_event(
            engine,
            lead="GUS.1@HOOLI.EXAMPLE",
            kind="handoff",
            at=t,
            now=NOW,
            rep="dana",
            new_rep=True,  # marketing's, not an owner of any lead
        )
        assert (by_email.lead, by_email.added) == ("L-0001", True)
        review = record_event(engine, lead=None, kind="review", at=t, now=NOW, note="weekly")
        record_event(engine, lead="L-0003", kind="email", at=t, now=NOW, rep="bob", note="deck")
        record_event(
            engine,
            lead="L-0003",
            kind="disposition",
            at=t,
            now=NOW,
            rep="bob",
            outcome="nurture",
            note="later",
        )
        assert (review.lead, review.added) == (None, True)
        with pytest.raises(UnknownLead) as err:
            record_event(engine, lead="L-0999", kind="call", at=t, now=NOW, rep="alice")
        assert str(err.value) == "no lead 'L-0999' in the ledger; did you mean 'L-0099'?"
        lead = Lead.__table__.c  # type: ignore[attr-defined]
        with engine.connect() as conn:
            start = conn.execute(
                select(lead.clock_start_at).where(lead.external_id == "L-0001")
            ).scalar()
            events = conn.execute(
                text("SELECT kind, rep, note, origin FROM event ORDER BY id")
            ).all()
            reps = conn.execute(text("SELECT name FROM rep WHERE name IN ('alice', 'dana')")).all()
        assert start == t  # L-0001 has no handed_off_at: its handoff starts the clock
        assert [tuple(e) for e in events] == [
            ("call", "alice", None, "cli"),
            ("handoff", "dana", None, "cli"),
            ("review", None, "weekly", "cli"),
            ("email", "bob", "deck", "cli"),
            ("disposition", "bob", "later", "cli"),
        ]
        assert sorted(r[0] for r in reps) == ["alice", "dana"]
        with engine.connect() as conn:
            outcome = conn.execute(
                text("SELECT outcome FROM event WHERE kind = 'disposition'")
            ).scalar()
        assert outcome == "nurture"
    finally:
        engine.dispose()


def test_logged_and_imported_fact_is_one_event(sqlite_url: str, tmp_path: Path) -> None:
    engine = open_ledger(sqlite_url)
    try:
        import_csv(engine, ROOT / "examples" / "leads.csv", now=NOW)
        record_event(
            engine,
            lead="L-0002",
            kind="call",
            at=datetime(2024, 5, 3, 14, 0, tzinfo=UTC),
            now=NOW,
            rep="bob",
        )
        f = tmp_path / "a.csv"
        f.write_text("lead,kind,rep,at,outcome,note\nL-0002,call,bob,2024-05-03T10:00-04:00,,\n")
        s = import_csv(engine, f, now=NOW)
        assert (s.inserted, s.unchanged) == (0, 1)
    finally:
        engine.dispose()
