"""Every failure is one line and the right exit code, and leaves nothing behind: the ledger
and its files as output paths, permissions, foreign files, `db status` / `db upgrade`."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app

ROOT = Path(__file__).resolve().parents[2]
AGREEMENTS = str(ROOT / "agreements")
LEADS = ROOT / "examples" / "leads.csv"


def cli(db: Path | str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", str(db), "--agreements", AGREEMENTS, *args])


def digest_of(*paths: Path) -> list[str | None]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None for p in paths]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """A ledger holding the example leads, its -wal and -shm present."""
    db = tmp_path / "slactl.db"
    assert cli(db, "import", str(LEADS)).exit_code == 0
    return db


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or directory) read-only for this process: by its mode, or for root
    (whom modes do not stop) by the immutable attribute."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield
        finally:
            path.chmod(mode)
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot make {path} read-only for root here: {done.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


# --rejects and every output path


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("slactl.db", "the ledger"),
        ("slactl.db-wal", "the ledger's write-ahead log"),
        ("slactl.db-shm", "the ledger's shared-memory file"),
    ],
)
def test_rejects_refuses_the_ledger_and_its_files(ledger: Path, name: str, what: str) -> None:
    files = [ledger, Path(f"{ledger}-wal"), Path(f"{ledger}-shm")]
    bad = ledger.parent / "bad.csv"
    bad.write_text("external_id,email,created_at\nL-1,a@b.example,not a time\n")
    before = digest_of(*files)
    target = ledger.parent / name
    r = cli(ledger, "import", str(bad), "--rejects", str(target))
    assert r.exit_code == 2
    assert r.stderr == f"Error: --rejects {target}: that is {what}; name another\n"
    assert digest_of(*files) == before


def test_rejects_refuses_another_sqlite_file_and_the_input(ledger: Path) -> None:
    other = ledger.parent / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    before = other.read_bytes()
    r = cli(ledger, "import", str(LEADS), "--rejects", str(other))
    assert r.exit_code == 2
    assert r.stderr == f"Error: --rejects {other}: that is a SQLite database; name another\n"
    assert other.read_bytes() == before
    link = ledger.parent / "link.csv"
    link.symlink_to(LEADS)
    r = cli(ledger, "import", str(LEADS), "--rejects", str(link))
    assert r.exit_code == 2
    assert r.stderr == f"Error: --rejects {link}: that is the file being imported; name another\n"


# new ledgers are private


def test_a_new_ledger_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    old = os.umask(0o022)
    try:
        r = cli(db, "review", "--at", "2024-05-06T10:00")
        assert r.exit_code == 0, r.output
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        # while a writer has it open, SQLite makes the -wal and -shm with the file's mode
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("INSERT INTO rep (name, first_seen_at) VALUES ('x', '2024-05-06')")
        journal = [Path(f"{db}-wal"), Path(f"{db}-shm")]
        modes = [stat.S_IMODE(p.stat().st_mode) for p in journal]
        conn.close()
    finally:
        os.umask(old)
    assert modes == [0o600, 0o600]


def test_the_umask_may_make_a_new_ledger_tighter(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    old = os.umask(0o277)
    try:
        assert cli(db, "db", "upgrade").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o400


# nothing left behind


def test_a_failed_import_in_an_empty_directory_leaves_no_ledger(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("external_id,email\nL-1,a@b.example\n")
    db = tmp_path / "slactl.db"
    r = cli(db, "import", str(bad))
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_a_failed_import_keeps_a_ledger_that_already_existed(ledger: Path) -> None:
    bad = ledger.parent / "bad.csv"
    bad.write_text("external_id,email\nL-1,a@b.example\n")
    assert cli(ledger, "import", str(bad)).exit_code == 2
    assert ledger.exists()
    assert cli(ledger, "db", "status").stdout.splitlines()[2] == "lead: 172"


def test_db_upgrade_of_a_new_path_creates_the_ledger_without_a_backup(tmp_path: Path) -> None:
    db = tmp_path / "slactl.db"
    r = cli(db, "db", "upgrade")
    assert r.exit_code == 0, r.output
    assert "backed up" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slactl.db"]


# foreign files


def test_db_upgrade_refuses_somebody_elses_sqlite_file(tmp_path: Path) -> None:
    other = tmp_path / "crm.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.close()
    r = cli(other, "db", "upgrade")
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: sqlite:///{other} holds tables but is not a slactl ledger: db upgrade only"
        " migrates slactl's own ledgers; point --db at one or at a new path\n"
    )
    with sqlite3.connect(other) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()
    assert tables == ["contacts"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.db"]


@pytest.mark.parametrize(
    "command",
    [
        ["import", str(LEADS)],
        ["log", "L-1", "call", "--rep", "alice"],
        ["status", "--rep", "alice"],
        ["db", "status"],
    ],
)
def test_a_sqlite_url_with_options_is_refused_not_ignored(ledger: Path, command: list[str]) -> None:
    # SQLAlchemy drops a SQLite URL's query: ?mode=ro would have been written through
    before = digest_of(ledger)
    r = cli(f"sqlite:///{ledger}?mode=ro", *command)
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: --db sqlite:///{ledger}?mode=ro: slactl takes no options in a SQLite URL"
        " (mode); give the file's path alone (to keep a ledger from being written, make its"
        " file read-only: slactl still reads it)\n"
    )
    assert digest_of(ledger) == before


@pytest.mark.parametrize("command", [["db", "status"], ["db", "upgrade"]])
def test_db_commands_on_a_file_that_is_not_sqlite(tmp_path: Path, command: list[str]) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("garbage, not SQLite\n")
    r = cli(bogus, *command)
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: sqlite:///{bogus} is not a slactl ledger (file is not a database):"
        " point --db at a ledger file or a new path\n"
    )
    assert bogus.read_text() == "garbage, not SQLite\n"


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["db", "status"], ["db", "upgrade"], ["report"]])
def test_a_missing_postgresql_database_is_one_line(command: list[str]) -> None:
    from tests.conftest import _pg_available

    if not _pg_available():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not running")
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/no_such_slactl_db"
    r = cli(url, *command, *(["--month", "2024-05"] if command == ["report"] else []))
    assert r.exit_code == 2
    assert r.stderr == (
        f'Error: cannot open the ledger {url}: database "no_such_slactl_db" does not exist\n'
    )


def test_a_locked_ledger_is_a_temporary_failure(ledger: Path) -> None:
    from slactl.errors import TemporaryFailure
    from slactl.ledger.engine import database_failure

    holder = sqlite3.connect(ledger, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        other = sqlite3.connect(ledger, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError) as caught:
            other.execute("BEGIN IMMEDIATE")
        other.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    failure = database_failure(str(ledger), caught.value)
    assert isinstance(failure, TemporaryFailure)
    assert failure.exit_code == 75
    assert str(failure) == (
        f"the ledger sqlite:///{ledger} is locked by another process (database is locked):"
        " try again"
    )


# permissions: a ledger one may read but not write


READS = [
    ["report", "--month", "2024-05", "--as-of", "2024-06-03T09:00", "--format", "json"],
    ["status", "--rep", "alice", "--as-of", "2024-05-15T12:00", "--format", "json"],
    ["explain", "L-0001", "--as-of", "2024-06-03T09:00"],
    ["db", "status"],
]


@pytest.mark.parametrize("journal", ["kept", "checkpointed"])
def test_a_ledger_in_a_read_only_directory_can_be_read(ledger: Path, journal: str) -> None:
    if journal == "checkpointed":  # no -wal or -shm left, and none can be made
        with sqlite3.connect(ledger) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)
    expected = [cli(ledger, *args).stdout for args in READS]
    with read_only(ledger.parent):
        for args, out in zip(READS, expected, strict=True):
            r = cli(ledger, *args)
            assert r.exit_code == 0, (args, r.output)
            assert r.stdout == out


@pytest.mark.parametrize(
    "command",
    [
        ["log", "L-0001", "call", "--rep", "alice", "--at", "2024-05-06T10:00"],
        ["import", str(LEADS)],
        ["db", "upgrade"],
    ],
)
def test_writing_a_read_only_ledger_says_permission_denied(
    ledger: Path, command: list[str]
) -> None:
    with sqlite3.connect(ledger) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{ledger}{suffix}").unlink(missing_ok=True)
    before = digest_of(ledger)
    with read_only(ledger.parent):
        r = cli(ledger, *command)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"Error: sqlite:///{ledger}: permission denied (")
    assert r.stderr.endswith("check the permissions of the ledger file and its directory\n")
    assert len(r.stderr.splitlines()) == 1
    assert digest_of(ledger) == before


def test_init_that_cannot_write_its_agreement_is_one_line_and_leaves_no_ledger(
    tmp_path: Path,
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    db = tmp_path / "slactl.db"
    with read_only(locked):
        r = CliRunner().invoke(app, ["--db", str(db), "--agreements", str(locked / "a"), "init"])
    assert r.exit_code == 2
    assert r.stderr.splitlines()[-1] == f"Error: {locked / 'a'}: permission denied"
    assert not db.exists()


def test_a_new_ledger_in_a_read_only_directory_is_permission_denied(tmp_path: Path) -> None:
    with read_only(tmp_path):
        r = cli(tmp_path / "slactl.db", "review", "--at", "2024-05-06T10:00")
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: --db {tmp_path / 'slactl.db'}: cannot create {tmp_path / 'slactl.db'}:"
        " permission denied\n"
    )


def test_a_read_only_ledger_whose_wal_holds_pages_is_not_read_stale(tmp_path: Path) -> None:
    import shutil

    source = tmp_path / "source"
    source.mkdir()
    db = source / "slactl.db"
    assert cli(db, "review", "--at", "2024-05-06T10:00").exit_code == 0
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO rep (name, first_seen_at) VALUES ('x', '2024-05-06')")
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("slactl.db", "slactl.db-wal"):  # the -wal holds the insert; no -shm
        shutil.copyfile(source / name, copy / name)
    writer.close()
    with read_only(copy):
        r = cli(copy / "slactl.db", "db", "status")
    assert r.exit_code == 2
    assert r.stderr.startswith(f"Error: sqlite:///{copy / 'slactl.db'}: permission denied (")
