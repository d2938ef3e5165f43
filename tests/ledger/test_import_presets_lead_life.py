"""What the CRM presets map of SPEC 7 from real-shaped exports (tests/data/exports/):
HubSpot's call duration (milliseconds), Salesforce's CallDurationInSeconds, and
Salesforce's LeadHistory owner changes as reassignments with their previous owner."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from slactl.ledger.engine import open_ledger
from slactl.ledger.ingest.pipeline import import_csv
from tests.ledger.test_import_exports import EXPORTS, NOW, NY


def imported(url: str, *names: str):  # type: ignore[no-untyped-def]
    engine = open_ledger(url)
    try:
        summaries = [import_csv(engine, EXPORTS / n, default_tz=NY, now=NOW) for n in names]
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT l.external_id, e.kind, e.rep, e.at, e.outcome, e.duration,"
                    " e.from_rep FROM event e JOIN lead l ON l.id = e.lead_id ORDER BY e.id"
                )
            )
            return summaries, [tuple(r) for r in rows]
    finally:
        engine.dispose()


def test_hubspot_call_duration_is_milliseconds_or_a_clock(sqlite_url: str) -> None:
    (_, calls), events = imported(sqlite_url, "hubspot_contacts.csv", "hubspot_calls.csv")
    assert (calls.kind, calls.preset, calls.inserted, calls.rejected) == (
        "activities",
        "hubspot",
        3,
        0,
    )
    assert events == [
        # 330000 ms = 5.5 minutes; 0:01:30 = 1.5 minutes; an email has none
        ("5101", "call", "alice", "2024-05-03 19:05:00", "connected", 5.5, None),
        ("5101", "email", "alice", "2024-05-03 19:30:00", None, None, None),
        ("5102", "call", "bob", "2024-05-06 14:00:00", "no answer", 1.5, None),
    ]


def test_salesforce_tasks_and_lead_history(sqlite_url: str, tmp_path: Path) -> None:
    (_, tasks, history), events = imported(
        sqlite_url, "salesforce_report.csv", "salesforce_tasks.csv", "salesforce_leadhistory.csv"
    )
    assert (tasks.preset, tasks.inserted, tasks.rejected) == ("salesforce", 3, 0)
    # 7 rows: 2 owner changes kept by their names (their id twins and the created, Status
    # and Rating rows skipped)
    assert (history.kind, history.preset, history.read) == ("activities", "salesforce", 7)
    assert (history.inserted, history.rejected, history.skipped) == (2, 0, 5)
    assert history.line().endswith(", 0 rejected, 5 skipped (not owner changes)")
    assert events == [
        # 754 s = 12.5666… minutes; 95 s = 1.5833… minutes
        (
            "00Q5g00000AbC01",
            "call",
            "0055g00000Fox01",
            "2024-05-06 15:10:00",
            "left voicemail",
            754 / 60,
            None,
        ),
        ("00Q5g00000AbC01", "email", "0055g00000Fox01", "2024-05-06 15:20:00", None, None, None),
        (
            "00Q5g00000AbC02",
            "call",
            "0055g00000Dsc01",
            "2024-05-15 13:00:00",
            "connected",
            95 / 60,
            None,
        ),
        (
            "00Q5g00000AbC01",
            "reassign",
            "Fox Mulder",
            "2024-05-06 14:30:00",
            None,
            None,
            "Dana Scully",
        ),
        (
            "00Q5g00000AbC02",
            "reassign",
            "Dana Scully",
            "2024-05-14 16:00:00",
            None,
            None,
            "Fox Mulder",
        ),
    ]
    _, again = imported(sqlite_url, "salesforce_leadhistory.csv")
    assert again == events


def test_a_duration_filled_in_later_updates_the_call(sqlite_url: str, tmp_path: Path) -> None:
    source = (EXPORTS / "salesforce_tasks.csv").read_text()
    (tmp_path / "tasks.csv").write_text(source.replace('"754"', '""'))
    engine = open_ledger(sqlite_url)
    try:
        import_csv(engine, EXPORTS / "salesforce_report.csv", default_tz=NY, now=NOW)
        first = import_csv(engine, tmp_path / "tasks.csv", default_tz=NY, now=NOW)
        later = import_csv(engine, EXPORTS / "salesforce_tasks.csv", default_tz=NY, now=NOW)
        with engine.connect() as conn:
            durations = conn.execute(text("SELECT duration FROM event ORDER BY id")).all()
    finally:
        engine.dispose()
    assert (first.inserted, later.inserted, later.updated, later.unchanged) == (3, 0, 1, 2)
    assert [d for (d,) in durations] == [754 / 60, None, 95 / 60]
