"""The ledger's engine, built at run time from ``--db`` / ``SLACTL_DB``.

A bare path means a SQLite file; anything with ``://`` is a SQLAlchemy URL (for example
``postgresql+psycopg://user@host/db``). A new ledger is created at the newest schema by
running the Alembic migrations (on SQLite, from the head schema's snapshot, which a test
holds to them); an older one is refused until ``slactl db upgrade``; a
newer one (written by a newer slactl) is refused outright.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from slactl.errors import LedgerError, SlactlError, TemporaryFailure
from slactl.ledger.lite import sqlite_path
from slactl.ledger.revision import HEAD_REVISION, current_revision

__all__ = ["current_revision"]  # with the head constant, in revision.py


MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")

# SQLite files this process created (``make_engine``), for the CLI to remove again when
# the command that created one fails before writing anything to it
new_files: list[Path] = []

_PERMISSION = ("readonly database", "read-only", "unable to open database file", "permission")
_BUSY = ("locked", "busy")
_NOT_SQLITE = ("not a database", "malformed", "file is encrypted")
_MISSING = ("does not exist",)  # a PostgreSQL database or role: permanent
_UNREACHABLE = ("connection failed", "connection refused", "could not", "timeout", "no route")
_FULL = ("disk is full", "no space left", "disk i/o error")
# PostgreSQL's SQLSTATEs (psycopg's and ADBC's errors carry them), by what the user can do:
# ask for rights; wait for a lock; try again once the server is back or has room
_GONE = ("terminating connection", "server closed the connection", "connection lost")
_PG_DENIED = ("42501", "25006", "28")  # privilege, read-only transaction, authorization
_PG_LOCKED = ("55P03", "40P01", "40001")  # lock timeout, deadlock, serialization
_PG_GONE = ("08", "57P", "57014", "53")  # connection, shutdown, cancelled, resources


def database_failure(db: str, exc: BaseException) -> SlactlError:
    """What a driver's error (``DBAPIError``, ``sqlite3.Error``, psycopg's or ADBC's) means
    for the user, as one line: permission problems, damaged and foreign files exit 2; a
    locked ledger, a full disk or an unreachable server 75 (try again later)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = _driver_text(orig or exc)
    low = text.lower()
    where = safe_url(db)
    state = str(getattr(orig, "sqlstate", None) or "")
    if state.startswith(_PG_DENIED) or any(k in low for k in _PERMISSION):
        server = "://" in db and not db.startswith("sqlite")
        fix = "its role, or use another" if server else "the ledger file and its directory"
        return LedgerError(f"{where}: permission denied ({text}): check the permissions of {fix}")
    if state.startswith(_PG_LOCKED) or any(k in low for k in _BUSY):
        return TemporaryFailure(
            f"the ledger {where} is locked by another process ({text}): try again"
        )
    if any(k in low for k in _FULL):
        return TemporaryFailure(
            f"cannot write the ledger {where} (is the disk full? {text}): nothing was"
            " changed; free some space and try again"
        )
    if state.startswith(_PG_GONE) or any(k in low for k in _GONE):
        return TemporaryFailure(
            f"the ledger {where} failed or went away ({text}): nothing was changed; try again"
            " when the server is back"
        )
    if "malformed" in low:
        return LedgerError(
            f"the ledger {where} is damaged ({text}): nothing was changed; restore it from a"
            " backup (slactl db upgrade leaves one beside it) or import into a new ledger"
        )
    if any(k in low for k in _NOT_SQLITE):
        return LedgerError(
            f"{where} is not a slactl ledger ({text}): point --db at a ledger file or a new path"
        )
    if state == "3F000" or "no schema has been selected" in low:  # invalid_schema_name
        return LedgerError(
            f"cannot use the ledger {where}: no schema to create it in ({text}): the URL's"
            " search_path names a schema the database does not have; create it (CREATE"
            " SCHEMA name) or name one that exists"
        )
    if any(k in low for k in _MISSING):
        return LedgerError(f"cannot open the ledger {where}: {_tail(text)}")
    if any(k in low for k in _UNREACHABLE):
        return TemporaryFailure(f"cannot reach the ledger {where}: {text}")
    return LedgerError(
        f"cannot use the ledger {where}: {text}; if it is at the current schema"
        " ('slactl db status') and this goes on, report it as a bug with this line"
    )


def _driver_text(orig: BaseException) -> str:
    """The first line of a driver's message; of ADBC's (``IO: [libpq] Failed to execute
    query '…': ERROR:  …\nQuery was: …``) the server's words alone."""
    text = str(orig).strip()
    if type(orig).__module__.startswith("adbc_driver_manager"):
        text = " ".join(text.split())
        text = re.split(r" (?:Query was:|LINE \d+:|DETAIL:|HINT:|CONTEXT:|This probably)", text)[0]
        text = re.sub(r"\s*\.? SQLSTATE: \w+$", "", text)
        said = re.split(r"(?:ERROR|FATAL): ", text)
        if len(said) > 1:
            text = said[-1]
        else:  # (SQLite's: "IO: Failed to step query: database is locked")
            text = re.sub(r"^[A-Z_]+: (\[\w+\] )?(Failed to [\w ]+: )?", "", text)
    return (text.splitlines() or [type(orig).__name__])[0]


def _tail(text: str) -> str:
    """psycopg's 'connection failed: connection to server at …, port … failed: FATAL:
    database "x" does not exist': the part that says what."""
    return text.rsplit("FATAL:", 1)[-1].strip()


def _create_private(path: Path, db: str) -> None:
    """Create a new SQLite file readable by its owner only (or as the umask says, if
    tighter): leads are personal data. SQLite gives its -wal and -shm the same mode."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        why = "permission denied" if isinstance(exc, PermissionError) else str(exc.strerror).lower()
        raise LedgerError(f"--db {db}: cannot create {path}: {why}") from None
    os.close(fd)
    new_files.append(path)


def ledger_url(db: str) -> str:
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser()}"


def safe_url(db: str) -> str:
    """The URL for messages: never the password."""
    try:
        return make_url(ledger_url(db)).render_as_string(hide_password=True)
    except ArgumentError:
        return db


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    # a new file gets 16 KiB pages (it takes effect only before the first write, which
    # the next line is; an existing ledger keeps its own): a bulk import makes a quarter
    # of the reads and writes, and is about 10% faster
    cur.execute("PRAGMA page_size=16384")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(db: str) -> Engine:
    url = ledger_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise LedgerError(
            f"--db {db!r} is neither a file path nor a SQLAlchemy URL such as"
            " postgresql+psycopg://user@host/db"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.query:  # SQLAlchemy would ignore them (mode=ro too): say so, do not write
            raise LedgerError(
                f"--db {db}: slactl takes no options in a SQLite URL"
                f" ({', '.join(sorted(parsed.query))}); give the file's path alone (to keep"
                " a ledger from being written, make its file read-only: slactl still reads it)"
            )
        if parsed.database and parsed.database != ":memory:":
            parent = Path(parsed.database).parent
            if not parent.is_dir():
                raise LedgerError(f"--db {db}: directory {parent} does not exist")
            _create_private(Path(parsed.database), db)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # BEGIN is ours: a connection marked write=True takes the write lock up front, so
        # that a read-then-write transaction cannot fail halfway on a stale snapshot
        event.listen(
            engine,
            "begin",
            lambda conn: conn.exec_driver_sql(
                "BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN"
            ),
        )

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # noqa: BLE001 - a missing driver, a bad URL
        raise LedgerError(f"--db {safe_url(db)}: {exc}") from None


def _alembic_config(connection: Connection | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    return HEAD_REVISION


def script_head() -> str | None:
    """The head revision as Alembic reads it from the migration scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    return [s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()]


# pg_advisory_xact_lock(SCHEMA_LOCK, hashtext(schema)): held by whoever creates or migrates
# the ledger in that schema, so that processes starting together on a new database queue
# instead of racing on alembic_version ("slactl" in ASCII, as a 32-bit key)
SCHEMA_LOCK = 0x736C6163


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision`` in one transaction.

    On PostgreSQL the transaction first takes an advisory lock on the schema: a second
    process that found the ledger empty (or old) waits for the first to commit, then finds
    nothing left to do. On SQLite the write lock does the same (``create_at_head``).

    On SQLite, batch mode rebuilds a table by copy-and-rename, which foreign keys from
    existing rows would refuse; they are switched off for the migration (SQLite only
    takes that outside a transaction) and checked before it commits."""
    from alembic import command

    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql(
                        f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK},"
                        " hashtext(coalesce(current_schema(), '')))"
                    )
                command.upgrade(_alembic_config(conn), revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise LedgerError(
                            f"the migration to {revision} would break a reference from"
                            f" table {broken[0]} row {broken[1]}; the ledger is unchanged"
                        )
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def migrated_schema() -> list[str]:
    """sqlite_master's sql after running every migration on an empty in-memory ledger,
    in the order the snapshot keeps."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    with engine.connect() as conn:
        # tables first, then indexes, each by name (the migrations' own order varies:
        # batch mode recreates a table's indexes in no set order)
        rows = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type = 'index', name"
        ).all()
    engine.dispose()
    return [r[0] for r in rows]


def _create_sqlite(engine: Engine) -> bool:
    """A new SQLite ledger created from the head schema's snapshot (``schema``); False when
    that cannot be done (another process got there first), for Alembic to see to it."""
    from slactl.ledger.schema import create_at_head

    with engine.connect() as conn:
        return create_at_head(conn.connection.driver_connection)  # type: ignore[arg-type]


@contextmanager
def connect(engine: Engine, db: str) -> Iterator[Connection]:
    """``engine.connect()`` whose driver errors are one line (``database_failure``)."""
    try:
        with engine.connect() as conn:
            yield conn
    except DBAPIError as exc:
        raise database_failure(db, exc) from None


def open_ledger(db: str, *, create: bool = True) -> Engine:
    """The engine of a ledger at the current schema, created if new (and ``create``)."""
    if not create:
        path = sqlite_path(db)
        if path is not None and not path.exists() and path.parent.is_dir():
            # (opening it would leave an empty file behind, under a mistyped name too)
            raise LedgerError(f"{safe_url(db)} is not a slactl ledger yet: import or log first")
    engine = make_engine(db)
    try:
        with connect(engine, db) as conn:
            # tables first, then the revision: a process creating the schema meanwhile
            # commits both at once, so a revision read after the tables is never older
            has_tables = bool(inspect(conn).get_table_names())
            rev = current_revision(conn) if has_tables else None
    except SlactlError:
        engine.dispose()
        raise
    head = head_revision()
    if rev == head:
        return engine
    if rev is None and not has_tables:
        if not create:
            engine.dispose()
            raise LedgerError(f"{safe_url(db)} is not a slactl ledger yet: import or log first")
        if not (engine.dialect.name == "sqlite" and _create_sqlite(engine)):
            upgrade(engine)
        return engine
    engine.dispose()
    if rev is None:
        raise LedgerError(f"{safe_url(db)} holds tables but is not a slactl ledger")
    if rev not in known_revisions():
        raise LedgerError(
            f"the ledger {safe_url(db)} was written by a newer slactl (schema {rev}):"
            " upgrade slactl to use it"
        )
    raise LedgerError(
        f"the ledger {safe_url(db)} is at an older schema ({rev}, current {head}):"
        " run 'slactl db upgrade' (SQLite files are backed up first)"
    )


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A Core connection in one write transaction (the bulk import path)."""
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            yield conn


def with_retry(fn: Callable[[], T], *, attempts: int = 8, first_delay: float = 0.05) -> T:
    """Run ``fn`` again when the database says it is busy or a serialization failed.

    Bounded: after ``attempts`` tries the failure is a ``TemporaryFailure``.
    """
    delay = first_delay
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            text = str(exc.orig).lower()
            busy = "locked" in text or "busy" in text or "serializ" in text or "deadlock" in text
            if not busy or attempt == attempts - 1:
                if busy:
                    raise TemporaryFailure(
                        f"the ledger stayed busy after {attempts} tries; try again"
                    ) from None
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


def discard_new_files() -> None:
    """Remove the SQLite files this process created that still hold no facts (a command
    failed after creating its ledger), with their -wal, -shm and -journal."""
    import sqlite3

    while new_files:
        path = new_files.pop()
        try:
            with sqlite3.connect(path) as conn:
                names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
                held = sum(
                    conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                    for t in ("lead", "event", "import_run", "rep")
                    if t in names
                )
            conn.close()
        except sqlite3.Error:
            continue  # not ours to judge: leave it
        if held:
            continue
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
