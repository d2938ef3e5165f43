"""PostgreSQL first use: eight slactl processes starting together on an empty schema, and
on a database created a moment before, all succeed and every write lands once. Before the
advisory lock in ``ledger.engine.upgrade`` most of them failed with a UniqueViolation or
DuplicateTable on ``alembic_version``.

Each process is the installed slactl (``slactl.cli.main``, what the ``slactl`` script
runs) with its modules imported before it waits for the start signal: started cold, the
processes' half-second start-ups spread them out so far that the race hardly ever shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _pg_available

pytestmark = pytest.mark.postgres

DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
WARM_START = """
import os, sys, time
import alembic.command, psycopg, sqlalchemy, sqlmodel
import slactl.cli, slactl.ledger.engine, slactl.ledger.record
go = sys.argv[1]
open(f"{go}.ready.{os.getpid()}", "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
sys.argv = ["slactl", *sys.argv[2:]]
from slactl.cli import main
main()
"""


def together(tmp_path: Path, commands: list[list[str]]) -> list[tuple[int, str]]:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WARM_START, str(go), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "SLACTL_AGREEMENTS": str(tmp_path / "none")},
        )
        for args in commands
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("go.ready.*"))) < len(procs) and time.monotonic() < deadline:
        time.sleep(0.01)  # until every process has imported and waits
    go.touch()
    out = []
    for p in procs:
        _, err = p.communicate(timeout=120)
        out.append((p.returncode, err))
    return out


def reviews(url: str, n: int) -> list[list[str]]:
    return [["--db", url, "review", "--at", f"2024-05-{i + 1:02d}T10:00Z"] for i in range(n)]


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A PostgreSQL database created for the test and dropped afterwards."""
    if not _pg_available():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not running")
    import psycopg

    name = f"slactl_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def count(url: str, sql: str) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql(sql).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("where", ["schema", "database"])
def test_eight_processes_on_an_empty_ledger_all_succeed(
    tmp_path: Path, request: pytest.FixtureRequest, where: str
) -> None:
    url = request.getfixturevalue("pg_url" if where == "schema" else "fresh_database")
    results = together(tmp_path, reviews(url, 8))
    assert [code for code, _ in results] == [0] * 8, [err for _, err in results]
    assert all("Traceback" not in err for _, err in results)
    assert count(url, "SELECT COUNT(*) FROM event WHERE kind = 'review'") == 8
    assert count(url, "SELECT COUNT(*) FROM alembic_version") == 1


def test_eight_upgrades_at_once_create_the_schema_once(tmp_path: Path, pg_url: str) -> None:
    results = together(tmp_path, [["--db", pg_url, "db", "upgrade"]] * 8)
    assert [code for code, _ in results] == [0] * 8, [err for _, err in results]
    upgraded = [err for _, err in results if err.startswith("upgraded the ledger from empty")]
    assert len(upgraded) >= 1  # the others waited, then found the schema there (or made none)
    assert count(pg_url, "SELECT COUNT(*) FROM alembic_version") == 1


def test_db_status_on_an_empty_database_says_how_to_create_it(pg_url: str) -> None:
    from typer.testing import CliRunner

    from slactl.cli import app

    r = CliRunner().invoke(app, ["--db", pg_url, "db", "status"])
    assert r.exit_code == 0, r.output
    assert "schema: none" in r.stdout
    assert "'slactl db upgrade' creates the schema" in r.stdout
    r = CliRunner().invoke(app, ["--db", pg_url, "db", "upgrade"])
    assert r.exit_code == 0 and r.stderr.startswith("upgraded the ledger from empty")


def test_a_missing_database_is_one_line() -> None:
    from typer.testing import CliRunner

    from slactl.cli import app

    if not _pg_available():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not running")
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/no_such_slactl_db"
    for args in (["db", "status"], ["db", "upgrade"], ["review"]):
        r = CliRunner().invoke(app, ["--db", url, *args])
        assert r.exit_code == 2, r.output  # a wrong name, not a passing condition
        assert r.stderr.count("\n") == 1 and "does not exist" in r.stderr
