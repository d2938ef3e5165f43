"""Reading a SQLite ledger without SQLAlchemy (``ledger.lite``): which ledgers get the
light path, that it only reads, and that the read commands then never import SQLAlchemy."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slactl.errors import SlactlError
from slactl.ledger import queries
from slactl.ledger.engine import make_engine, open_ledger, upgrade
from slactl.ledger.ingest.pipeline import import_csv
from slactl.ledger.lite import LiteEngine, sqlite_path
from slactl.ledger.opening import open_for_reading

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    db = tmp_path / "l.db"
    engine = open_ledger(str(db))
    import_csv(engine, ROOT / "examples" / "leads.csv", now=datetime(2024, 6, 1, tzinfo=UTC))
    engine.dispose()
    return db


def test_a_current_sqlite_ledger_is_read_without_sqlalchemy(ledger: Path) -> None:
    for db in (str(ledger), f"sqlite:///{ledger}"):
        engine = open_for_reading(db)
        assert isinstance(engine, LiteEngine)
        with engine.connect() as conn:
            assert queries.rep_exists(conn=conn, name="alice") is True
            n = conn.exec_driver_sql("SELECT COUNT(*) FROM lead").scalar()
            with engine.connect() as inner:  # the same snapshot
                assert inner.exec_driver_sql("SELECT COUNT(*) FROM lead").scalar() == n == 172
        engine.dispose()


def test_it_refuses_to_write(ledger: Path) -> None:
    engine = open_for_reading(str(ledger))
    with engine.connect() as conn, pytest.raises(SlactlError, match="readonly database"):
        conn.exec_driver_sql("DELETE FROM lead")
    engine.dispose()
    with sqlite3.connect(ledger) as raw:
        assert raw.execute("SELECT COUNT(*) FROM lead").fetchone() == (172,)


def test_other_ledgers_go_through_sqlalchemy_and_its_messages(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    engine = make_engine(str(old))
    upgrade(engine, "0001")
    engine.dispose()
    with pytest.raises(SlactlError, match="older schema"):
        open_for_reading(str(old))
    junk = tmp_path / "junk.db"
    junk.write_text("not a database\n" * 100)
    with pytest.raises(SlactlError, match="is not a slactl ledger"):
        open_for_reading(str(junk))
    with pytest.raises(SlactlError, match="not a slactl ledger yet"):
        open_for_reading(str(tmp_path / "none.db"))
    assert not (tmp_path / "none.db").exists()  # and no empty file is left behind
    assert sqlite_path("postgresql+psycopg://u@h/db") is None
    assert sqlite_path("sqlite:///:memory:") is None


def test_the_read_commands_import_no_sqlalchemy(ledger: Path) -> None:
    for args in (
        ["status", "--rep", "alice", "--as-of", "2024-05-20T12:00"],
        ["report", "--month", "2024-05", "--as-of", "2024-06-03T09:00", "--format", "json"],
        ["explain", "L-0001", "--as-of", "2024-06-03T09:00"],
    ):
        code = (
            "import sys\nfrom slactl.cli import main\n"
            f"sys.argv = ['slactl', '--db', {str(ledger)!r}, '--agreements',"
            f" {str(ROOT / 'agreements')!r}, *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "print('sqlalchemy' in sys.modules, file=sys.stderr)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        assert proc.stderr.strip().splitlines()[-1] == "False", (args, proc.stderr)
        assert proc.stdout, args
