"""Imports: time forms, duplicates inside a file, handoffs and clock starts, the CLI options."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from typer.testing import CliRunner

from slactl.cli import app
from slactl.ledger.engine import open_ledger
from slactl.ledger.ingest.pipeline import import_csv
from slactl.ledger.models import Lead

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
AGREEMENTS = str(ROOT / "agreements")


def run_import(url: str, path: Path, **kw):  # type: ignore[no-untyped-def]
    engine = open_ledger(url)
    try:
        return import_csv(engine, path, default_tz=NY, now=NOW, **kw)
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list[tuple]:
    engine = open_ledger(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


TIMES = [
    ("2024-05-03T14:22Z", datetime(2024, 5, 3, 14, 22, tzinfo=UTC)),
    ("2024-05-03T14:22:05-04:00", datetime(2024, 5, 3, 18, 22, 5, tzinfo=UTC)),
    ("2024-05-03 14:22+05:30", datetime(2024, 5, 3, 8, 52, tzinfo=UTC)),
    ("2024-05-03T14:22:00.250-04:00", datetime(2024, 5, 3, 18, 22, 0, 250000, tzinfo=UTC)),
    ("2024-05-03T14:22:00.000+0000", datetime(2024, 5, 3, 14, 22, tzinfo=UTC)),
    ("2024-05-03 14:22", datetime(2024, 5, 3, 18, 22, tzinfo=UTC)),
    ("05/03/2024 2:22 PM", datetime(2024, 5, 3, 18, 22, tzinfo=UTC)),
    ("2024-01-15T09:00", datetime(2024, 1, 15, 14, 0, tzinfo=UTC)),
    # forms Python reads and SQLite's datetime() does not (they were a NOT NULL traceback)
    ("2024-05-03T14:22+05:75", datetime(2024, 5, 3, 8, 7, tzinfo=UTC)),  # i.e. +06:15
    ("2024-05-03T14:22+23:59", datetime(2024, 5, 2, 14, 23, tzinfo=UTC)),
    ("2024-W18-5T14:22Z", datetime(2024, 5, 3, 14, 22, tzinfo=UTC)),  # ISO week date
]


def test_every_time_form_is_stored_as_the_same_instant(ledger_url: str, tmp_path: Path) -> None:
    f = write(
        tmp_path / "t.csv",
        ["external_id", "created_at", "handed_off_at"],
        [[f"T-{i}", t, t] for i, (t, _) in enumerate(TIMES)],
    )
    s = run_import(ledger_url, f)
    assert (s.inserted, s.rejected) == (len(TIMES), 0)
    engine = open_ledger(ledger_url)
    lead = Lead.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            select(lead.external_id, lead.created_at, lead.handed_off_at, lead.clock_start_at)
        ).all()
    engine.dispose()
    got = {r[0]: r[1:] for r in rows}
    for i, (_, expected) in enumerate(TIMES):
        assert got[f"T-{i}"] == (expected, expected, expected)


def test_sqlite_text_form_of_instants(sqlite_url: str, tmp_path: Path) -> None:
    f = write(
        tmp_path / "t.csv",
        ["external_id", "created_at"],
        [["A", "2024-05-03T14:22-04:00"], ["B", "2024-05-03T14:22:00.250Z"]],
    )
    run_import(sqlite_url, f)
    assert query(sqlite_url, "SELECT created_at, clock_start_at FROM lead ORDER BY id") == [
        ("2024-05-03 18:22:00", "2024-05-03 18:22:00"),
        ("2024-05-03 14:22:00.250000", "2024-05-03 14:22:00.250000"),
    ]


def test_same_instant_written_differently_is_unchanged(ledger_url: str, tmp_path: Path) -> None:
    header = ["external_id", "email", "created_at", "score"]
    f = write(tmp_path / "a.csv", header, [["L-1", "a@x.com", "2024-05-03T14:22-04:00", "60"]])
    run_import(ledger_url, f)
    write(tmp_path / "a.csv", header, [["L-1", "A@X.com", "2024-05-03T18:22:00Z", "60.0"]])
    s = run_import(ledger_url, f)
    assert (s.inserted, s.updated, s.unchanged) == (0, 0, 1)
    assert query(ledger_url, "SELECT COUNT(*) FROM lead_change") == [(0,)]


def test_a_lead_twice_in_one_file_is_an_update(ledger_url: str, tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        ["external_id", "owner", "created_at"],
        [
            ["L-1", "alice", "2024-05-03T10:00"],
            ["L-2", "bob", "2024-05-03T11:00"],
            ["L-1", "carol", "2024-05-03T10:00"],
        ],
    )
    s = run_import(ledger_url, f)
    assert (s.read, s.inserted, s.updated, s.unchanged) == (3, 2, 1, 0)
    assert query(ledger_url, "SELECT external_id, owner FROM lead ORDER BY external_id") == [
        ("L-1", "carol"),
        ("L-2", "bob"),
    ]
    run_id = query(ledger_url, "SELECT id FROM import_run")[0][0]
    assert query(ledger_url, "SELECT field, old_value, new_value, import_id FROM lead_change") == [
        ("owner", "alice", "carol", run_id)
    ]
    assert query(ledger_url, "SELECT name FROM rep ORDER BY name") == [
        ("alice",),
        ("bob",),
        ("carol",),
    ]


def test_handoff_events_start_the_clock(ledger_url: str, tmp_path: Path) -> None:
    leads = write(
        tmp_path / "l.csv",
        ["external_id", "email", "owner", "created_at", "handed_off_at"],
        [
            ["L-1", "one@x.com", "alice", "2024-05-03T10:00", ""],
            ["L-2", "two@x.com", "alice", "2024-05-03T10:00", "2024-05-03T12:00"],
            ["L-3", "three@x.com", "alice", "2024-05-03T10:00", ""],
        ],
    )
    run_import(ledger_url, leads)
    acts = write(
        tmp_path / "a.csv",
        ["lead", "kind", "rep", "at", "outcome", "note"],
        [
            ["L-1", "handoff", "dana", "2024-05-04T09:00", "", ""],
            ["ONE@X.COM", "handoff", "dana", "2024-05-03T15:00", "", ""],
            ["L-2", "handoff", "dana", "2024-05-04T09:00", "", ""],
            ["L-1", "call", "alice", "2024-05-04T10:00", "", ""],
            ["L-1", "call", "alice", "2024-05-04T10:00", "", ""],
        ],
    )
    s = run_import(ledger_url, acts)
    assert (s.read, s.inserted, s.unchanged, s.rejected) == (5, 4, 1, 0)
    starts = "SELECT external_id, clock_start_at FROM lead ORDER BY external_id"
    engine = open_ledger(ledger_url)
    lead = Lead.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        got = dict(conn.execute(select(lead.external_id, lead.clock_start_at)).all())
    engine.dispose()
    assert got == {
        "L-1": datetime(2024, 5, 3, 19, 0, tzinfo=UTC),  # its earliest handoff event
        "L-2": datetime(2024, 5, 3, 16, 0, tzinfo=UTC),  # its handed_off_at column
        "L-3": datetime(2024, 5, 3, 14, 0, tzinfo=UTC),  # no handoff: created_at
    }
    # a changed lead row keeps the clock start its handoff events give it
    write(
        tmp_path / "l.csv",
        ["external_id", "email", "owner", "created_at", "handed_off_at"],
        [["L-1", "one@x.com", "bob", "2024-05-03T10:00", ""]],
    )
    assert run_import(ledger_url, leads).updated == 1
    assert len(query(ledger_url, starts)) == 3
    engine = open_ledger(ledger_url)
    with engine.connect() as conn:
        again = dict(conn.execute(select(lead.external_id, lead.clock_start_at)).all())
    engine.dispose()
    assert again == got


def test_hubspot_activities_and_map_override(sqlite_url: str, tmp_path: Path) -> None:
    run_import(sqlite_url, ROOT / "examples" / "leads.csv")
    f = write(
        tmp_path / "hs.csv",
        ["Associated Contact", "Activity Type", "Activity assigned to", "Activity date", "Notes"],
        [["L-0001", "CALL", "alice", "2024-05-03 14:22", "left a voicemail"]],
    )
    s = run_import(sqlite_url, f)
    assert (s.kind, s.preset, s.inserted) == ("activities", "hubspot", 1)
    assert query(sqlite_url, "SELECT kind, rep, at, note FROM event") == [
        ("call", "alice", "2024-05-03 18:22:00", "left a voicemail")
    ]
    g = write(
        tmp_path / "crm.csv",
        ["Lead Ref", "Opened", "Deal Owner", "Tier"],
        [["X-1", "2024-05-03T10:00Z", "erin", "gold"]],
    )
    s = run_import(
        sqlite_url,
        g,
        kind="leads",
        mapping=[
            "Lead Ref=external_id",
            "Opened=created_at",
            "Deal Owner=owner",
            "Tier=extra.tier",
        ],
    )
    assert (s.kind, s.preset, s.inserted) == ("leads", "generic", 1)
    assert query(sqlite_url, "SELECT owner, extra FROM lead WHERE external_id = 'X-1'") == [
        ("erin", '{"tier": "gold"}')
    ]


def cli(db: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", str(db), "--agreements", AGREEMENTS, *args])


def test_cli_rejects_keep_the_original_row(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    assert cli(db, "import", str(ROOT / "examples" / "leads.csv")).exit_code == 0
    f = write(
        tmp_path / "a.csv",
        ["lead", "kind", "rep", "at", "outcome", "note"],
        [
            ["L-0001", "call", "alice", "2024-05-03T10:00", "", "hi"],
            ["L-9999", "Call", "bob", "2024-05-03T10:00", "", "who?"],
            ["L-0001", "disposition", "alice", "2024-05-03T11:00", "won", ""],
        ],
    )
    r = cli(db, "import", str(f), "--rejects", str(tmp_path / "rej.csv"))
    assert r.exit_code == 0, r.output
    assert r.stderr == (
        "imported a.csv (activities, generic): 3 read, 1 inserted, 0 updated, 0 unchanged,"
        " 2 rejected\n"
        f"  {f}:3: no lead 'L-9999' in the ledger: import the leads first\n"
        f"  {f}:4: outcome 'won' is not one of the agreement's: qualified, disqualified,"
        " nurture\n"
    )
    rows = list(csv.reader((tmp_path / "rej.csv").read_text(encoding="utf-8").splitlines()))
    assert rows == [
        ["line", "reason", "lead", "kind", "rep", "at", "outcome", "note"],
        [
            "3",
            "no lead 'L-9999' in the ledger: import the leads first",
            "L-9999",
            "Call",
            "bob",
            "2024-05-03T10:00",
            "",
            "who?",
        ],
        [
            "4",
            "outcome 'won' is not one of the agreement's: qualified, disqualified, nurture",
            "L-0001",
            "disposition",
            "alice",
            "2024-05-03T11:00",
            "won",
            "",
        ],
    ]


def test_cli_strict_dry_run_and_bad_options(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    leads = str(ROOT / "examples" / "leads.csv")
    r = cli(db, "import", leads, "--dry-run")
    assert r.exit_code == 0
    assert r.stderr == (
        "would import leads.csv (leads, generic): 172 read, 172 inserted, 0 updated,"
        " 0 unchanged, 0 rejected\n"
    )
    r = cli(db, "import", leads)
    assert r.stderr.startswith("imported leads.csv (leads, generic): 172 read, 172 inserted")
    f = write(
        tmp_path / "a.csv",
        ["lead", "kind", "rep", "at", "outcome", "note"],
        [["L-0001", "call", "a", "2024-05-03T10:00", "", ""], ["L-0404", "call", "a", "", "", ""]],
    )
    r = cli(db, "import", str(f), "--strict")
    assert (r.exit_code, r.stderr) == (2, f"Error: {f}:3: no time in column at\n")
    assert query(f"sqlite:///{db}", "SELECT COUNT(*) FROM event") == [(0,)]
    r = cli(db, "import", str(f), "--map", "when")
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: --map 'when': write it as 'Column=field', e.g. 'Deal Owner=owner'\n",
    )
    r = cli(db, "import", str(f), "--map", "Memo=notes")
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: --map 'Memo=notes': unknown field 'notes'; did you mean 'note'?\n",
    )
    r = cli(db, "import", str(tmp_path / "missing.csv"))
    assert (r.exit_code, r.stderr) == (2, f"Error: {tmp_path / 'missing.csv'}: no such file\n")
    (tmp_path / "latin1.csv").write_bytes(
        "external_id,created_at\nJos\xe9,2024-05-03\n".encode("latin-1")
    )
    r = cli(db, "import", str(tmp_path / "latin1.csv"))
    assert (r.exit_code, r.stderr) == (
        2,
        f"Error: {tmp_path / 'latin1.csv'}:2: not UTF-8 text; save the export as CSV UTF-8"
        " or pass --encoding (e.g. cp1252)\n",
    )
    r = cli(db, "import", str(f), "--rejects", str(f))
    assert (r.exit_code, r.stderr) == (
        2,
        f"Error: --rejects {f}: that is the file being imported; name another\n",
    )
    assert f.read_text().startswith("lead,kind,rep,at,outcome,note")
    r = cli(db, "import", leads, "--preset", "pipedrive")
    assert r.exit_code == 2
