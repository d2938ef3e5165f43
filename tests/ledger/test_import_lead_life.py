"""The activities CSV's SPEC 7 columns (reason, duration, from_rep) and kinds (pause,
resume, accept, reassign): kept, checked against the agreement in effect at each row's
time, rejected one line a row; and migration 0006, after which a ledger's old events keep
their identity, so a re-import adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from slactl.agreement.loader import load_agreement_text
from slactl.errors import ImportError_
from slactl.ledger.engine import make_engine, open_ledger, upgrade
from slactl.ledger.ingest.pipeline import import_csv
from slactl.ledger.queries import load_histories
from slactl.ledger.record import event_key
from slactl.ledger.rules import event_rules
from tests.ledger.test_import import NOW, NY, write

ROOT = Path(__file__).resolve().parents[2]
RULES = (
    (ROOT / "agreements" / "acme-2024.yaml")
    .read_text()
    .replace(
        "  outcomes: [qualified, disqualified, nurture]\n",
        "  outcomes: [qualified, disqualified, nurture]\n"
        "  reasons: {disqualified: [no-budget, wrong-persona, student]}\n"
        "  pauses: {reasons: [callback-requested, out-of-office], max: 10 business days}\n",
    )
)
LEADS = (
    "external_id,owner,created_at\n"
    "L-1,alice,2024-05-01T09:00-04:00\n"
    "L-2,bob,2024-05-01T09:00-04:00\n"
)
HEADER = ["lead", "kind", "rep", "at", "outcome", "note", "reason", "duration", "from_rep"]


def events(url: str) -> list[tuple[object, ...]]:
    engine = open_ledger(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT l.external_id, e.kind, e.rep, e.outcome, e.reason, e.duration,"
                        " e.from_rep FROM event e JOIN lead l ON l.id = e.lead_id ORDER BY e.id"
                    )
                )
            ]
    finally:
        engine.dispose()


def imported(url: str, path: Path, rules: bool = True):  # type: ignore[no-untyped-def]
    engine = open_ledger(url)
    try:
        agreement = load_agreement_text(RULES)
        return import_csv(
            engine,
            path,
            default_tz=NY,
            now=NOW,
            outcomes=agreement.definitions.outcomes,
            rules=event_rules([agreement]) if rules else (),
        )
    finally:
        engine.dispose()


def test_new_columns_and_kinds_are_kept_and_checked(ledger_url: str, tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_text(LEADS)
    assert imported(ledger_url, tmp_path / "leads.csv").inserted == 2
    rows = [
        ["L-1", "call", "alice", "2024-05-02T10:00", "", "", "", "12.5", ""],  # line 2
        ["L-1", "pause", "alice", "2024-05-02T11:00", "", "", "Callback-Requested", "", ""],
        ["L-1", "resume", "", "2024-05-06T09:00", "", "", "", "", ""],
        ["L-1", "accept", "alice", "2024-05-06T09:30", "", "", "", "", ""],
        ["L-1", "reassign", "bob", "2024-05-06T10:00", "", "", "", "", "alice"],
        ["L-1", "disposition", "bob", "2024-05-07T10:00", "disqualified", "", "student", "0", ""],
        ["L-2", "email", "bob", "2024-05-02T10:00", "", "", "", "-3", ""],  # line 8: rejected
        ["L-2", "call", "bob", "2024-05-02T10:05", "", "", "", "12 min", ""],
        ["L-2", "pause", "bob", "2024-05-02T11:00", "", "", "callback-requsted", "", ""],
        ["L-2", "pause", "bob", "2024-05-02T11:05", "", "", "", "", ""],
        ["L-2", "pause", "bob", "2025-01-02T11:05", "", "", "out-of-office", "", ""],
        ["L-2", "reassign", "", "2024-05-03T10:00", "", "", "", "", "bob"],
        ["L-2", "disposition", "bob", "2024-05-07T10:00", "disqualified", "", "", "", ""],
        ["L-2", "disposition", "bob", "2024-05-07T10:05", "disqualified", "", "no-budgt", "", ""],
        ["L-2", "disposition", "bob", "2024-05-07T10:10", "nurture", "", "Not ready", "", ""],
    ]
    f = write(tmp_path / "acts.csv", HEADER, rows)
    s = imported(ledger_url, f)
    assert (s.read, s.inserted, s.updated, s.rejected) == (15, 7, 0, 8)
    assert [(line, reason) for line, _, reason in s.rejects] == [
        (8, "column duration: '-3' is negative: minutes spent are 0 or more"),
        (
            9,
            "column duration: '12 min' is not a number of minutes: write e.g. 12 or 12.5"
            " (or 0:12:30)",
        ),
        (
            10,
            "reason 'callback-requsted' is not in definitions.pauses.reasons:"
            " did you mean 'callback-requested'?",
        ),
        (
            11,
            "a pause needs a reason: one of callback-requested, out-of-office"
            " (definitions.pauses.reasons)",
        ),
        (
            12,
            "no agreement is in effect on 2025-01-02 to allow a pause: pauses need"
            " definitions.pauses in the agreement of their date",
        ),
        (13, "a reassign needs rep: the lead's new owner"),
        (
            14,
            "a disposition 'disqualified' needs a reason: one of no-budget, wrong-persona,"
            " student (definitions.reasons.disqualified)",
        ),
        (
            15,
            "reason 'no-budgt' is not in definitions.reasons.disqualified:"
            " did you mean 'no-budget'?",
        ),
    ]
    assert events(ledger_url) == [
        ("L-1", "call", "alice", None, None, 12.5, None),
        ("L-1", "pause", "alice", None, "callback-requested", None, None),
        ("L-1", "resume", None, None, None, None, None),
        ("L-1", "accept", "alice", None, None, None, None),
        ("L-1", "reassign", "bob", None, None, None, "alice"),
        ("L-1", "disposition", "bob", "disqualified", "student", 0.0, None),
        ("L-2", "disposition", "bob", "nurture", "not ready", None, None),
    ]
    engine = open_ledger(ledger_url)
    try:
        with engine.connect() as conn:
            histories = load_histories(
                conn=conn,
                start=datetime(2024, 5, 1, tzinfo=UTC),
                end=datetime(2024, 6, 1, tzinfo=UTC),
                as_of=NOW,
            )
    finally:
        engine.dispose()
    told = {h.lead.external_id: [e[2:] for e in h.events] for h in histories}
    assert told["L-1"] == [  # (rep, outcome, note, reason, duration, from_rep)
        ("alice", None, None, None, 12.5, None),
        ("alice", None, None, "callback-requested", None, None),
        (None, None, None, None, None, None),
        ("alice", None, None, None, None, None),
        ("bob", None, None, None, None, "alice"),
        ("bob", "disqualified", None, "student", 0.0, None),
    ]
    again = imported(ledger_url, f)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 7, 8)
    # what an event says is not which event it is: a corrected duration updates the call
    rows[0][7] = "14"
    s = imported(ledger_url, write(tmp_path / "fixed.csv", HEADER, rows))
    assert (s.inserted, s.updated, s.unchanged) == (0, 1, 6)
    assert events(ledger_url)[0] == ("L-1", "call", "alice", None, None, 14.0, None)


def test_a_header_with_a_column_twice_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    # a --rejects file has its own 'reason' column (why the row was refused) before the
    # row's: imported as it is, the first 'reason' was read, and a call fixed in it was
    # stored with the refusal's text as its reason
    (tmp_path / "leads.csv").write_text(LEADS)
    imported(sqlite_url, tmp_path / "leads.csv")
    rows = [["L-1", "call", "alice", "2024-05-02T10:00", "", "", "", "-3", ""]]
    engine = open_ledger(sqlite_url)
    try:
        s = import_csv(
            engine,
            write(tmp_path / "acts.csv", HEADER, rows),
            default_tz=NY,
            now=NOW,
            rejects=tmp_path / "rejects.csv",
        )
    finally:
        engine.dispose()
    assert s.rejected == 1
    fixed = (tmp_path / "rejects.csv").read_text().replace(",-3,", ",3,")
    assert fixed.splitlines()[0] == "line,reason," + ",".join(HEADER)
    (tmp_path / "fixed.csv").write_text(fixed)
    with pytest.raises(ImportError_) as err:
        imported(sqlite_url, tmp_path / "fixed.csv")
    assert str(err.value) == (
        f"{tmp_path / 'fixed.csv'}: the header has 'reason' twice (columns 2 and 9): rename or"
        " remove one (a --rejects file: delete its first two columns, line and reason, first)"
    )
    assert events(sqlite_url) == []
    write(tmp_path / "twice.csv", [*HEADER, "note"], [[*rows[0], "x"]])
    with pytest.raises(ImportError_) as err:
        imported(sqlite_url, tmp_path / "twice.csv")
    assert str(err.value) == (
        f"{tmp_path / 'twice.csv'}: the header has 'note' twice (columns 6 and 10):"
        " rename or remove one"
    )
    # without its first two columns the file is the row, fixed
    (tmp_path / "again.csv").write_text(
        "".join(line.split(",", 2)[2] + "\n" for line in fixed.splitlines())
    )
    assert imported(sqlite_url, tmp_path / "again.csv").inserted == 1
    assert events(sqlite_url) == [("L-1", "call", "alice", None, None, 3.0, None)]


def test_without_agreements_reasons_and_pauses_are_not_checked(
    sqlite_url: str, tmp_path: Path
) -> None:
    (tmp_path / "leads.csv").write_text(LEADS)
    imported(sqlite_url, tmp_path / "leads.csv")
    f = write(
        tmp_path / "acts.csv",
        HEADER,
        [["L-1", "pause", "alice", "2024-05-02T11:00", "", "", "", "", ""]],
    )
    s = imported(sqlite_url, f, rules=False)
    assert (s.inserted, s.rejected) == (1, 0)


def _at(engine, iso: str):  # type: ignore[no-untyped-def]
    value = datetime.fromisoformat(iso).replace(tzinfo=UTC)
    return value if engine.dialect.name == "postgresql" else value.strftime("%Y-%m-%d %H:%M:%S")


def test_a_0005_ledger_upgraded_takes_its_old_file_again_unchanged(
    ledger_url: str, tmp_path: Path
) -> None:
    """Events stored at 0005 (keys as the 0005 import made them) keep them: the same file
    again inserts nothing, and the same file with a duration column updates in place."""
    engine = make_engine(ledger_url)
    upgrade(engine, "0005")
    acts = [
        ("L-1", "call", "Alice", "2024-05-02 14:00:00", None),
        ("L-1", "email", "alice", "2024-05-02 15:00:00", None),
        ("L-1", "disposition", "bob", "2024-05-03 14:00:00", "nurture"),
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO lead (external_id, owner, created_at, clock_start_at, recorded_at)"
                " VALUES ('L-1', 'alice', :t, :t, :t)"
            ),
            {"t": _at(engine, "2024-05-01 13:00:00")},
        )
        lead_id = conn.execute(text("SELECT id FROM lead")).scalar()
        for _, kind, rep, when, outcome in acts:
            conn.execute(
                text(
                    "INSERT INTO event (lead_id, kind, at, rep, outcome, origin, dedupe_key,"
                    " recorded_at) VALUES (:l, :k, :t, :r, :o, 'import', :d, :t)"
                ),
                {
                    "l": lead_id,
                    "k": kind,
                    "t": _at(engine, when),
                    "r": rep,
                    "o": outcome,
                    "d": event_key(lead_id, kind, rep, when),
                },
            )
    with engine.connect() as conn:
        assert "reason" not in {c["name"] for c in inspect(conn).get_columns("event")}
    upgrade(engine)
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT dedupe_key FROM event ORDER BY id")).scalars().all()
    engine.dispose()
    assert keys == [event_key(lead_id, k, r, t) for _, k, r, t, _ in acts]
    old = ["lead", "kind", "rep", "at", "outcome"]
    rows = [[lead, k, r, t.replace(" ", "T") + "Z", o or ""] for lead, k, r, t, o in acts]
    s = imported(ledger_url, write(tmp_path / "old.csv", old, rows))
    assert (s.inserted, s.updated, s.unchanged, s.rejected) == (0, 0, 3, 0)
    timed = [[*row, "7" if row[1] == "call" else ""] for row in rows]
    s = imported(ledger_url, write(tmp_path / "timed.csv", [*old, "duration"], timed))
    assert (s.inserted, s.updated, s.unchanged) == (0, 1, 2)
    assert [e[5] for e in events(ledger_url)] == [7.0, None, None]


def test_0006_downgrades_and_upgrades_again(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    upgrade(engine)
    from alembic import command

    from slactl.ledger.engine import _alembic_config

    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0005")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("event")}
    assert not columns & {"reason", "duration", "from_rep"}
    upgrade(engine)
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("event")}
    engine.dispose()
    assert {"reason", "duration", "from_rep"} <= columns
