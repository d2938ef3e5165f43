"""The ledger: migrations from empty and from the first schema, refusals, logging commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from slactl.cli import app
from slactl.errors import LedgerError
from slactl.ledger.engine import (
    current_revision,
    head_revision,
    make_engine,
    open_ledger,
    script_head,
    upgrade,
)

ROOT = Path(__file__).resolve().parents[2]
AGREEMENTS = str(ROOT / "agreements")


def test_new_ledger_is_created_at_head(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with engine.connect() as conn:
        rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert rev == head_revision() == "0013"


def test_the_head_constant_is_the_newest_migration_script() -> None:
    # HEAD_REVISION spares every command an Alembic import; a new migration must move it
    assert head_revision() == script_head()


def test_current_revision_is_read_without_alembic(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) is None  # no alembic_version table yet
        upgrade(engine, "0001")
        with engine.connect() as conn:
            assert current_revision(conn) == "0001"
        upgrade(engine)
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
    finally:
        engine.dispose()


def test_upgrade_from_the_first_schema_keeps_data(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    upgrade(engine, "0001")
    pg = engine.dialect.name == "postgresql"
    t = datetime(2024, 5, 3, 14, 0, tzinfo=UTC) if pg else "2024-05-03 14:00:00"
    h = datetime(2024, 5, 3, 15, 0, tzinfo=UTC) if pg else "2024-05-03 15:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO lead (external_id, owner, created_at, handed_off_at, recorded_at)"
                " VALUES ('L-1', 'alice', :t, :h, :t), ('L-2', 'bob', :t, NULL, :t)"
            ),
            {"t": t, "h": h},
        )
    engine.dispose()
    with pytest.raises(LedgerError) as err:
        open_ledger(ledger_url)
    assert "is at an older schema (0001, current 0013): run 'slactl db upgrade'" in str(err.value)
    engine = make_engine(ledger_url)
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT external_id, clock_start_at FROM lead ORDER BY external_id")
        ).all()
        reps = conn.execute(text("SELECT name FROM rep ORDER BY name")).scalars().all()
    engine.dispose()
    starts = [r[1] if isinstance(r[1], str) else r[1].strftime("%Y-%m-%d %H:%M:%S") for r in rows]
    assert starts == ["2024-05-03 15:00:00", "2024-05-03 14:00:00"]
    assert reps == ["alice", "bob"]
    open_ledger(ledger_url).dispose()


def test_a_newer_ledger_is_refused(sqlite_url: str) -> None:
    engine = open_ledger(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(LedgerError) as err:
        open_ledger(sqlite_url)
    assert str(err.value).endswith(
        "was written by a newer slactl (schema 0099): upgrade slactl to use it"
    )


def test_db_upgrade_backs_up_the_file(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    engine = make_engine(str(db))
    upgrade(engine, "0001")
    engine.dispose()
    result = CliRunner().invoke(app, ["--db", str(db), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "l.db.0001.bak").is_file()
    assert "upgraded the ledger from 0001 to 0013" in result.stderr
    status = CliRunner().invoke(app, ["--db", str(db), "db", "status"])
    assert "schema: 0013 (current 0013)" in status.stdout


def cli(db: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", str(db), "--agreements", AGREEMENTS, *args])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "l.db"
    assert cli(path, "import", str(ROOT / "examples" / "leads.csv")).exit_code == 0
    return path


def test_log_disposition_handoff_review(db: Path) -> None:
    r = cli(db, "log", "L-0001", "call", "--rep", "alice", "--at", "2024-05-03T10:00")
    assert r.exit_code == 0 and r.stderr == "logged call on L-0001 at 2024-05-03T10:00-04:00\n"
    again = cli(db, "log", "L-0001", "call", "--rep", "alice", "--at", "2024-05-03T10:00")
    assert again.stderr.startswith("already in the ledger: call on L-0001")
    by_email = cli(db, "log", "GUS.1@hooli.example", "email", "--rep", "bob", "--at", "2024-05-03")
    assert by_email.exit_code == 0, by_email.output
    r = cli(db, "disposition", "L-0001", "qualified", "--rep", "alice", "--at", "2024-05-04T10:00")
    assert r.exit_code == 0
    r = cli(db, "handoff", "L-0001", "--rep", "dana", "--new-rep", "--at", "2024-05-02T09:00")
    assert r.exit_code == 0
    r = cli(db, "review", "--at", "2024-05-06T10:00", "--note", "weekly")
    assert r.exit_code == 0
    engine = open_ledger(str(db))
    with engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind FROM event ORDER BY id")).scalars().all()
        start = conn.execute(
            text("SELECT clock_start_at FROM lead WHERE external_id = 'L-0001'")
        ).scalar()
    engine.dispose()
    assert kinds == ["call", "email", "disposition", "handoff", "review"]
    assert start == "2024-05-02 13:00:00"  # the handoff, 09:00 New York time


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["log", "L-9999", "call", "--rep", "a"],
            "Error: no lead 'L-9999' in the ledger; did you mean 'L-0099'?\n",
        ),
        (
            ["disposition", "L-0001", "qualifed", "--rep", "a"],
            "Error: outcome 'qualifed' is not in the agreement: did you mean 'qualified'?\n",
        ),
        (
            ["log", "L-0001", "call", "--rep", "a", "--at", "lunchtime"],
            "Error: --at: cannot read"
            " time 'lunchtime': use ISO 8601 such as 2024-05-03T14:22 or 2024-05-03T14:22-04:00\n",
        ),
        (
            ["log", "L-0001", "disposition", "--rep", "a"],
            "Error: 'disposition' has its own command: slactl disposition …\n",
        ),
    ],
)
def test_bad_input_one_line_and_ledger_unchanged(db: Path, args: list[str], message: str) -> None:
    engine = open_ledger(str(db))
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM event")).scalar()
    engine.dispose()
    r = cli(db, *args)
    assert r.exit_code == 2
    assert r.stderr == message
    engine = open_ledger(str(db))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM event")).scalar() == n
    engine.dispose()


def test_a_file_that_is_not_a_ledger_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("garbage, not SQLite\n")
    r = CliRunner().invoke(
        app, ["--db", str(bogus), "--agreements", AGREEMENTS, "report", "--month", "2024-05"]
    )
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: sqlite:///{bogus} is not a slactl ledger (file is not a database):"
        " point --db at a ledger file or a new path\n"
    )
    assert bogus.read_text() == "garbage, not SQLite\n"
