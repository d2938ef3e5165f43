"""An import that dies in a driver (ADBC, sqlite3, psycopg) or in pyarrow ends as one line,
exit 2 (bad input, a damaged or forbidden ledger) or 75 (locked, server gone: try again),
never a traceback, the ledger unchanged. Real files, the real server, the installed
``slactl`` in a subprocess, as a user sees it."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from slactl.cli.app import SlactlGroup

ROOT = Path(__file__).resolve().parents[2]
SLACTL = Path(sys.executable).parent / "slactl"
LEADS = ROOT / "examples" / "leads.csv"
DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


def slactl(db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {}), "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    return subprocess.run(
        [str(SLACTL), "--db", db, *args], env=env, capture_output=True, text=True, check=False
    )


def one_line(r: subprocess.CompletedProcess, code: int, start: str) -> None:
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stderr.startswith(f"Error: {start}"), r.stderr


def digest(*paths: Path) -> list[str | None]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None for p in paths]


def new_leads(tmp_path: Path, n: int = 3) -> Path:
    f = tmp_path / "new.csv"
    rows = [f"N-{i},n{i}@x.example,2024-05-03T10:00Z" for i in range(n)]
    f.write_text("external_id,email,created_at\n" + "\n".join(rows) + "\n")
    return f


# SQLite


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger holding the example leads, checkpointed into its one file (made once)."""
    db = tmp_path_factory.mktemp("template") / "slactl.db"
    assert slactl(str(db), "import", str(LEADS)).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


@pytest.fixture
def ledger(template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "slactl.db"
    shutil.copyfile(template, db)
    return db


def test_a_damaged_ledger_is_one_line_exit_2_and_left_as_it_was(
    ledger: Path, tmp_path: Path
) -> None:
    with sqlite3.connect(ledger) as conn:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'lead'").fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with open(ledger, "r+b") as f:  # the lead table's first page overwritten
        f.seek((root - 1) * size)
        f.write(b"\xff" * 200)
    before = digest(ledger)
    r = slactl(str(ledger), "import", str(new_leads(tmp_path)))
    one_line(r, 2, f"the ledger sqlite:///{ledger} is damaged (database disk image is malformed)")
    assert r.stderr.rstrip().endswith(
        "restore it from a backup (slactl db upgrade leaves one"
        " beside it) or import into a new ledger"
    )
    assert digest(ledger) == before


def test_a_ledger_that_is_not_a_database_is_one_line_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(os.urandom(20_000))
    before = digest(db)
    r = slactl(str(db), "import", str(new_leads(tmp_path)))
    one_line(r, 2, f"sqlite:///{db} is not a slactl ledger (file is not a database)")
    assert digest(db) == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_an_encoding_whose_bom_is_missing_is_one_line(
    ledger: Path, tmp_path: Path, encoding: str
) -> None:
    before = digest(ledger)
    f = new_leads(tmp_path)  # UTF-8, no BOM
    r = slactl(str(ledger), "import", str(f), "--encoding", encoding)
    one_line(r, 2, f"{f}:1: unreadable header ({encoding.upper()} stream does not start with BOM)")
    assert r.stderr.endswith("; check --encoding\n")
    assert digest(ledger) == before


def test_a_quote_never_closed_says_how_many_lines_it_took_in(ledger: Path, tmp_path: Path) -> None:
    """pyarrow reads the lines after an unclosed quote as one cell: they are one rejected
    row, and the reason says so (the row counted 1 read and said only "2 cells")."""
    f = tmp_path / "open.csv"
    rows = "".join(f"N-{i},n{i}@x.example,2024-05-03T10:00Z\n" for i in range(10))
    f.write_text('external_id,email,created_at\nN-x,"oops,2024-05-03T10:00Z\n' + rows)
    r = slactl(str(ledger), "import", str(f))
    assert r.returncode == 0
    assert r.stderr.splitlines()[1] == (
        f"  {f}:2: 2 cells where the header has 3 columns, over 11 lines: is a quote never closed?"
    )


@pytest.mark.slow
def test_a_line_of_50_mb_is_one_line_and_no_abort(ledger: Path, tmp_path: Path) -> None:
    """Arrow's read-ahead was still reading it when the process exited: "terminate called
    without an active exception", exit 134, now and then."""
    f = tmp_path / "long.csv"
    f.write_text("external_id,email,created_at\n" + "x" * (50 << 20) + "\n")
    before = digest(ledger)
    r = slactl(str(ledger), "import", str(f))
    one_line(r, 2, f"{f}: a row larger than 1 MiB, or a quote never closed")
    assert digest(ledger) == before


# the last resort: an error nobody words


def _app(failure: BaseException) -> typer.Typer:
    app = typer.Typer(cls=SlactlGroup)

    @app.command()
    def boom() -> None:
        raise failure

    @app.command()
    def other() -> None:
        pass

    return app


def test_an_unknown_error_is_one_line_that_says_to_report_it() -> None:
    r = CliRunner().invoke(_app(RuntimeError("something\nwent wrong")), ["boom"])
    assert r.exit_code == 70
    assert r.stderr == (
        "Error: unexpected RuntimeError: something. This is a bug in slactl: please report it"
        " with this line (SLACTL_TRACEBACK=1 shows where it happened)\n"
    )


def test_the_last_resort_hides_neither_the_traceback_asked_for_nor_an_interrupt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    r = CliRunner().invoke(_app(KeyboardInterrupt()), ["boom"])
    assert (r.exit_code, r.stderr) == (130, "Error: interrupted\n")
    r = CliRunner().invoke(_app(typer.Exit(1)), ["boom"])  # (--fail-on-breach's)
    assert (r.exit_code, r.stderr) == (1, "")
    monkeypatch.setenv("SLACTL_TRACEBACK", "1")
    r = CliRunner().invoke(_app(RuntimeError("shown")), ["boom"])
    assert isinstance(r.exception, RuntimeError)


# PostgreSQL


@pytest.fixture
def pg_ledger(tmp_path: Path) -> Iterator[str]:
    """A schema on the local server holding the example leads (see conftest.pg_schema_url)."""
    from tests.conftest import pg_schema_url

    for url in pg_schema_url():
        assert slactl(url, "import", str(LEADS)).returncode == 0
        yield url


def rows(url: str) -> list[tuple]:
    import psycopg

    schema = url.rsplit("%3D", 1)[1]
    with psycopg.connect(DSN, options=f"-csearch_path={schema}") as conn:
        return conn.execute("SELECT * FROM lead ORDER BY id").fetchall()


@pytest.fixture
def role(pg_ledger: str) -> Iterator[str]:
    """A login role that may read the ledger's tables and nothing more."""
    import psycopg

    name = f"slactl_ro_{uuid.uuid4().hex[:8]}"
    schema = pg_ledger.rsplit("%3D", 1)[1]
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN")
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {name}')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {name}')
    try:
        yield name
    finally:
        with psycopg.connect(DSN, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {name}")
            conn.execute(f"DROP ROLE {name}")


def as_role(url: str, name: str) -> str:
    return url.replace("//postgres@", f"//{name}@")


@pytest.mark.postgres
def test_a_role_that_may_only_read_is_permission_denied(
    pg_ledger: str, role: str, tmp_path: Path
) -> None:
    before = rows(pg_ledger)
    url = as_role(pg_ledger, role)
    r = slactl(url, "import", str(new_leads(tmp_path)))
    one_line(r, 2, f"{url}: permission denied (permission denied for table lead)")
    assert r.stderr.endswith("check the permissions of its role, or use another\n")
    assert rows(pg_ledger) == before


@pytest.mark.postgres
def test_a_role_in_read_only_transactions_is_permission_denied(
    pg_ledger: str, role: str, tmp_path: Path
) -> None:
    import psycopg

    schema = pg_ledger.rsplit("%3D", 1)[1]
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
        conn.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}')
        conn.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
    before = rows(pg_ledger)
    url = as_role(pg_ledger, role)
    r = slactl(url, "import", str(new_leads(tmp_path)))
    one_line(r, 2, f"{url}: permission denied (cannot execute ")
    assert "in a read-only transaction" in r.stderr
    assert rows(pg_ledger) == before


class Holder:
    """Another session holding the lead table locked, until ``release``."""

    def __init__(self, url: str) -> None:
        import psycopg

        schema = url.rsplit("%3D", 1)[1]
        self.conn = psycopg.connect(DSN, options=f"-csearch_path={schema}")
        self.conn.execute("LOCK TABLE lead IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


@pytest.mark.postgres
def test_a_table_locked_past_lock_timeout_is_exit_75(pg_ledger: str, tmp_path: Path) -> None:
    before = rows(pg_ledger)
    holder = Holder(pg_ledger)
    try:
        url = pg_ledger + "%20-clock_timeout%3D500"
        r = slactl(url, "import", str(new_leads(tmp_path)))
    finally:
        holder.release()
    one_line(r, 75, "the ledger ")
    assert "is locked by another process (canceling statement due to lock timeout)" in r.stderr
    assert r.stderr.endswith(": try again\n")
    assert rows(pg_ledger) == before


@pytest.mark.postgres
def test_a_server_that_ends_the_session_mid_import_is_exit_75(
    pg_ledger: str, tmp_path: Path
) -> None:
    """The import waits for the lock another session holds; the server then ends the
    import's session (an administrator, a restart): the import stopped, nothing written."""
    import psycopg

    before = rows(pg_ledger)
    holder = Holder(pg_ledger)
    out: list[subprocess.CompletedProcess] = []
    runner = threading.Thread(
        target=lambda: out.append(slactl(pg_ledger, "import", str(new_leads(tmp_path))))
    )
    runner.start()
    try:
        with psycopg.connect(DSN, autocommit=True) as admin:
            for _ in range(300):  # (the import's session, waiting for the lock)
                waiting = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                    (holder.conn.info.backend_pid,),
                ).fetchall()
                if waiting:
                    break
                time.sleep(0.05)
            assert waiting, "the import never waited for the lock"
            for (pid,) in waiting:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        runner.join(60)
    finally:
        holder.release()
    runner.join(60)
    one_line(out[0], 75, "the ledger ")
    assert "failed or went away (terminating connection due to administrator command" in (
        out[0].stderr
    )
    assert out[0].stderr.endswith("nothing was changed; try again when the server is back\n")
    assert rows(pg_ledger) == before


@pytest.mark.postgres
def test_a_server_that_refuses_the_connection_is_exit_75(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:9/test"  # (the discard port: nobody listens)
    r = slactl(url, "import", str(new_leads(tmp_path)))
    one_line(r, 75, f"cannot reach the ledger {url}: ")
    assert "Connection refused" in r.stderr


@pytest.mark.postgres
def test_a_search_path_naming_no_schema_is_one_line_naming_it(tmp_path: Path) -> None:
    from tests.conftest import PG_ADMIN_URL, _pg_available

    if not _pg_available() and os.environ.get("CI") != "true":
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not running")
    schema = f"t_{uuid.uuid4().hex[:12]}"  # never created
    r = slactl(f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}", "import", str(LEADS))
    one_line(r, 2, "cannot use the ledger ")
    assert "no schema to create it in" in r.stderr
    assert r.stderr.endswith("create it (CREATE SCHEMA name) or name one that exists\n")
    import psycopg

    with psycopg.connect(DSN) as conn:  # nothing was created anywhere
        found = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone()
    assert found == (0,)
