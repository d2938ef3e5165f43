"""Imports on both engines: idempotent, atomic, append-only, with rejects named by line."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from slactl.errors import ImportError_
from slactl.ledger.engine import open_ledger
from slactl.ledger.ingest.pipeline import import_csv

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SLACTL = Path(sys.executable).parent / "slactl"


def run_import(url: str, path: Path, **kw):  # type: ignore[no-untyped-def]
    engine = open_ledger(url)
    try:
        return import_csv(engine, path, default_tz=NY, now=NOW, **kw)
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple]]:
    engine = open_ledger(url)
    try:
        with engine.connect() as conn:
            return {
                t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
                for t in ("lead", "event", "lead_change", "import_run", "rep")
            }
    finally:
        engine.dispose()


def write(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_examples_import_and_reimport_changes_nothing(ledger_url: str) -> None:
    leads = run_import(ledger_url, ROOT / "examples" / "leads.csv")
    assert (leads.kind, leads.preset, leads.read, leads.inserted, leads.rejected) == (
        "leads",
        "generic",
        172,
        172,
        0,
    )
    acts = run_import(ledger_url, ROOT / "examples" / "activities.csv")
    assert (acts.kind, acts.read, acts.inserted, acts.rejected) == ("activities", 687, 687, 0)
    before = snapshot(ledger_url)
    again = run_import(ledger_url, ROOT / "examples" / "leads.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 172)
    again = run_import(ledger_url, ROOT / "examples" / "activities.csv")
    assert (again.inserted, again.unchanged) == (0, 687)
    assert snapshot(ledger_url) == before


def test_changed_row_updates_and_records_the_change(ledger_url: str, tmp_path: Path) -> None:
    header = ["external_id", "email", "owner", "score", "created_at", "industry"]
    f = write(
        tmp_path / "a.csv",
        header,
        [["L-1", "A@X.COM", "alice", "50", "2024-05-03T10:00", "retail"]],
    )
    run_import(ledger_url, f)
    write(
        tmp_path / "a.csv", header, [["L-1", "a@x.com", "bob", "65", "2024-05-03T10:00", "health"]]
    )
    s = run_import(ledger_url, f)
    assert (s.inserted, s.updated) == (0, 1)
    snap = snapshot(ledger_url)
    changes = sorted((r[3], r[4], r[5]) for r in snap["lead_change"])
    assert changes == [
        ("extra", '{"industry": "retail"}', '{"industry": "health"}'),
        ("owner", "alice", "bob"),
        ("score", "50.0", "65.0"),
    ]


def test_semicolons_bom_and_us_dates(sqlite_url: str, tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        ["External_ID", "Created_At", "Owner"],
        [["L-1", "05/03/2024 2:22 PM", "alice"]],
        delimiter=";",
    )
    s = run_import(sqlite_url, f)
    assert (s.inserted, s.rejected) == (1, 0)
    engine = open_ledger(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT created_at FROM lead")).scalar() == "2024-05-03 18:22:00"
    engine.dispose()


def test_hubspot_preset_is_detected(sqlite_url: str, tmp_path: Path) -> None:
    f = write(
        tmp_path / "hs.csv",
        [
            "Record ID",
            "First Name",
            "Last Name",
            "Email",
            "Phone Number",
            "Company Name",
            "Contact owner",
            "Create Date",
            "Lead Status",
            "Lifecycle Stage",
            "HubSpot Score",
            "Original Source",
            "Became a Marketing Qualified Lead Date",
        ],
        [
            [
                "101",
                "Ana",
                "Ng",
                "ana@x.com",
                "+1 212 555 0100",
                "Acme",
                "alice",
                "2024-05-03 14:22",
                "NEW",
                "marketingqualifiedlead",
                "72",
                "ORGANIC_SEARCH",
                "2024-05-03 15:00",
            ]
        ],
    )
    s = run_import(sqlite_url, f)
    assert (s.kind, s.preset, s.inserted) == ("leads", "hubspot", 1)
    engine = open_ledger(sqlite_url)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT external_id, owner, score, handed_off_at, clock_start_at, extra FROM lead")
        ).one()
    engine.dispose()
    assert tuple(row) == (
        "101",
        "alice",
        72.0,
        "2024-05-03 19:00:00",
        "2024-05-03 19:00:00",
        '{"Lifecycle Stage": "marketingqualifiedlead"}',
    )


def test_salesforce_preset_is_detected(sqlite_url: str, tmp_path: Path) -> None:
    f = write(
        tmp_path / "sf.csv",
        [
            "Id",
            "FirstName",
            "LastName",
            "Company",
            "Email",
            "Phone",
            "LeadSource",
            "Status",
            "OwnerId",
            "CreatedDate",
        ],
        [
            [
                "00Q5g00000AbCdE",
                "Ana",
                "Ng",
                "Acme",
                "ana@x.com",
                "555 0100 123",
                "Web",
                "Open",
                "005xx",
                "2024-05-03T14:22:00.000+0000",
            ]
        ],
    )
    s = run_import(sqlite_url, f)
    assert (s.kind, s.preset, s.inserted) == ("leads", "salesforce", 1)
    engine = open_ledger(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT created_at, source FROM lead")).one() == (
            "2024-05-03 14:22:00",
            "Web",
        )
    engine.dispose()


def test_rejects_are_named_and_the_rest_lands(sqlite_url: str, tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        ["external_id", "created_at", "score"],
        [
            ["L-1", "2024-05-03T10:00", "5"],
            ["", "2024-05-03T10:00", "5"],
            ["L-3", "yesterday", "5"],
            ["L-4", "2024-05-03T10:00", "high"],
        ],
    )
    s = run_import(sqlite_url, f)
    assert (s.read, s.inserted, s.rejected) == (4, 1, 3)
    assert [(line, reason) for line, _, reason in s.rejects] == [
        (3, "no external_id: every lead needs its CRM id"),
        (
            4,
            "column created_at: cannot read time 'yesterday': use ISO 8601 such as"
            " 2024-05-03T14:22 or 2024-05-03T14:22-04:00",
        ),
        (5, "column score: 'high' is not a number"),
    ]


def test_strict_fails_whole_import_and_leaves_ledger(sqlite_url: str, tmp_path: Path) -> None:
    run_import(sqlite_url, ROOT / "examples" / "leads.csv")
    before = snapshot(sqlite_url)
    f = write(
        tmp_path / "a.csv",
        ["external_id", "created_at"],
        [["N-1", "2024-05-03T10:00"], ["N-2", "soon"]],
    )
    with pytest.raises(ImportError_) as err:
        run_import(sqlite_url, f, strict=True)
    assert str(err.value) == (
        f"{f}:3: column created_at: cannot read time 'soon': use ISO 8601 such as"
        " 2024-05-03T14:22 or 2024-05-03T14:22-04:00"
    )
    assert snapshot(sqlite_url) == before


def test_dry_run_counts_but_writes_nothing(sqlite_url: str) -> None:
    open_ledger(sqlite_url).dispose()
    before = snapshot(sqlite_url)
    s = run_import(sqlite_url, ROOT / "examples" / "leads.csv", dry_run=True)
    assert (s.inserted, s.dry_run) == (172, True)
    assert snapshot(sqlite_url) == before


def test_activity_for_unknown_lead_is_rejected(sqlite_url: str, tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        ["lead", "kind", "rep", "at", "outcome", "note"],
        [
            ["L-404", "call", "alice", "2024-05-03T10:00", "", ""],
            ["", "review", "", "2024-05-06T10:00", "", "weekly"],
        ],
    )
    s = run_import(sqlite_url, f)
    assert (s.inserted, s.rejected) == (1, 1)
    assert s.rejects[0][0] == 2
    assert s.rejects[0][2] == "no lead 'L-404' in the ledger: import the leads first"


def test_an_activity_without_rep_outcome_or_note_stores_nulls(
    ledger_url: str, tmp_path: Path
) -> None:
    """Cells left empty are NULL on both engines (SQLite is handed "" and turns it into
    NULL itself), and the same rows again are the same events."""
    leads = write(
        tmp_path / "l.csv",
        ["external_id", "email", "created_at"],
        [["L1", "a@x.example", "2024-05-01T09:00"]],
    )
    run_import(ledger_url, leads)
    acts = write(
        tmp_path / "a.csv",
        ["lead", "kind", "rep", "at", "outcome", "note"],
        [
            ["L1", "call", "", "2024-05-03T10:00", "", ""],
            ["L1", "disposition", "alice", "2024-05-03T11:00", "qualified", "good fit"],
            ["", "review", "", "2024-05-06T10:00", "", ""],
        ],
    )
    s = run_import(ledger_url, acts)
    assert (s.inserted, s.rejected) == (3, 0)
    engine = open_ledger(ledger_url)
    try:
        with engine.connect() as conn:
            got = conn.execute(
                text("SELECT lead_id IS NULL, kind, rep, outcome, note FROM event ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in got] == [
        (False, "call", None, None, None),
        (False, "disposition", "alice", "qualified", "good fit"),
        (True, "review", None, None, None),
    ]
    again = run_import(ledger_url, acts)
    assert (again.inserted, again.unchanged) == (0, 3)


def test_cli_bad_header_one_line_exit_2(tmp_path: Path) -> None:
    f = write(tmp_path / "x.csv", ["foo", "bar"], [["1", "2"]])
    env = {
        **os.environ,
        "SLACTL_DB": str(tmp_path / "l.db"),
        "SLACTL_AGREEMENTS": str(ROOT / "agreements"),
    }
    proc = subprocess.run(
        [str(SLACTL), "import", str(f)], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        f"Error: {f}: cannot tell leads from activities by the header (foo, bar): pass --kind"
        " and --preset, or --map 'Column=field'\n"
    )


def test_cli_rejects_file_and_summary(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        ["external_id", "created_at"],
        [["A", "2024-05-03T10:00"], ["B", "never"]],
    )
    env = {
        **os.environ,
        "SLACTL_DB": str(tmp_path / "l.db"),
        "SLACTL_AGREEMENTS": str(ROOT / "agreements"),
    }
    proc = subprocess.run(
        [str(SLACTL), "import", str(f), "--rejects", str(tmp_path / "rej.csv")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stderr.splitlines()[0] == (
        "imported a.csv (leads, generic): 2 read, 1 inserted, 0 updated, 0 unchanged, 1 rejected"
    )
    rows = list(csv.reader((tmp_path / "rej.csv").read_text().splitlines()))
    assert rows[0] == ["line", "reason", "external_id", "created_at"]
    assert rows[1][:3] == ["3", rows[1][1], "B"] and rows[1][1].startswith("column created_at")


def start_and_kill(db: Path, big: Path) -> None:
    """Run ``slactl import big`` and kill it with SIGKILL once its transaction has
    written 2 MB to the WAL."""
    env = {**os.environ, "SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    wal = Path(f"{db}-wal")
    start = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen(
        [str(SLACTL), "import", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > start + 2_000_000:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def indexes_of(url: str) -> set[str]:
    engine = open_ledger(url)
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    engine.dispose()
    return names


@pytest.mark.slow  # processes killed at random points, as tests/robustness/test_crash.py
@pytest.mark.parametrize("ledger", ["new", "with leads"])
def test_killed_import_leaves_the_ledger_as_it_was(tmp_path: Path, ledger: str) -> None:
    """Killed mid-transaction, a first load (secondary indexes dropped inside it) and a
    load into a ledger with leads both leave the ledger as it was, in WAL mode."""
    db = tmp_path / "l.db"
    url = f"sqlite:///{db}"
    if ledger == "new":
        open_ledger(url).dispose()
    else:
        run_import(url, ROOT / "examples" / "leads.csv")
    before = snapshot(url)
    big = tmp_path / "big.csv"
    with open(big, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "email", "owner", "score", "created_at"])
        for i in range(400_000):
            w.writerow([f"B-{i}", f"b{i}@x.com", "alice", "70", "2024-05-03T10:00Z"])
    start_and_kill(db, big)
    assert snapshot(url) == before
    assert {
        "ix_lead_email",
        "ix_lead_owner_clock_start_at",
        "ix_lead_clock_start_at",
    } <= indexes_of(url)
    assert journal_mode(db) == "wal"
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".slactl-import-")] == []


@pytest.mark.slow  # a process killed at random points
def test_killed_activity_import_into_no_events_leaves_the_ledger_as_it_was(
    tmp_path: Path,
) -> None:
    db = tmp_path / "l.db"
    url = f"sqlite:///{db}"
    run_import(url, ROOT / "examples" / "leads.csv")
    before = snapshot(url)
    with open(ROOT / "examples" / "leads.csv", newline="") as fh:
        lead = next(csv.DictReader(fh))["external_id"]
    big = tmp_path / "acts.csv"
    with open(big, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["lead", "kind", "rep", "at", "outcome", "note"])
        for i in range(600_000):
            day, hour, minute, second = 1 + i // 86400 % 28, i // 3600 % 24, i // 60 % 60, i % 60
            at = f"2024-05-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"
            w.writerow([lead, "call", f"rep{i % 7}", at, "", f"n{i}"])
    start_and_kill(db, big)
    assert snapshot(url) == before
    assert {"ix_event_lead_at_kind", "ix_event_kind_at"} <= indexes_of(url)
    assert journal_mode(db) == "wal"


def test_leftover_part_directories_of_an_old_import_are_removed(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    url = f"sqlite:///{db}"
    (tmp_path / ".slactl-import-1234").mkdir()
    (tmp_path / ".slactl-import-1234" / "part.db").write_bytes(b"x" * 1000)
    run_import(url, ROOT / "examples" / "leads.csv")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".slactl")] == []


def journal_mode(db: Path) -> str:
    raw = sqlite3.connect(db)
    try:
        return str(raw.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        raw.close()


def test_a_new_ledger_is_back_in_wal_mode_after_its_first_import(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    url = f"sqlite:///{db}"
    engine = open_ledger(url)
    try:
        s = import_csv(engine, ROOT / "examples" / "leads.csv", default_tz=NY, now=NOW)
        assert (s.inserted, s.rejected) == (172, 0)
        # the engine's pooled connection too, not only the file's header
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        s = import_csv(engine, ROOT / "examples" / "leads.csv", default_tz=NY, now=NOW)
        assert (s.inserted, s.unchanged) == (0, 172)
    finally:
        engine.dispose()
    assert journal_mode(db) == "wal"
    assert not Path(f"{db}-journal").exists()


def test_another_connection_keeps_the_first_import_in_wal_mode(tmp_path: Path) -> None:
    """A reader in another process reads on while a first load runs, and sees it once it
    is committed: the ledger never leaves WAL mode."""
    db = tmp_path / "l.db"
    url = f"sqlite:///{db}"
    open_ledger(url).dispose()
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(db)!r})\n"
            "for line in sys.stdin:\n"
            "    print(c.execute('SELECT COUNT(*) FROM lead').fetchone()[0], flush=True)\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdin is not None and reader.stdout is not None
        reader.stdin.write("count\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "0"
        s = run_import(url, ROOT / "examples" / "leads.csv")
        assert s.inserted == 172
        assert Path(f"{db}-wal").exists()  # the other connection is still open
        reader.stdin.write("count\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "172"
    finally:
        reader.communicate()
    assert journal_mode(db) == "wal"
