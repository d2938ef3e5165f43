"""Reading a SQLite ledger without SQLAlchemy, for the commands that only read.

``report``, ``status``, ``explain``, ``leaderboard``, ``digest`` and ``whatif`` read the
ledger through plain driver SQL (``ledger.queries``), which needs nothing of SQLAlchemy
but a connection. Importing SQLAlchemy costs about 0.2 s of every such command's
start-up, a fifth of ``status``. So for a SQLite ledger at the current schema these
commands get ``LiteEngine``: the standard library's ``sqlite3`` behind the typed
protocol the readers take (``connection.ReadEngine``), which SQLAlchemy's engine also
satisfies. Anything else (a
PostgreSQL URL, a ledger that is new, older, newer or not a ledger at all, a file that
cannot be opened) goes through ``engine.open_ledger``, which says what is wrong.

The tests run every read command on SQLite (this path) and on PostgreSQL (SQLAlchemy)
and compare the output byte for byte.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from slactl.errors import SlactlError, TemporaryFailure
from slactl.ledger.revision import HEAD_REVISION, current_revision

BUSY_TIMEOUT_S = 30  # as engine.make_engine: wait for a writer rather than fail


class _Dialect:
    name = "sqlite"


class _Rows:
    """A statement's result (``connection.Rows``) over a ``sqlite3`` cursor."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor

    def __iter__(self) -> Iterator[Any]:
        return iter(self.cursor)

    def first(self) -> Any:
        row = self.cursor.fetchone()
        self.cursor.close()
        return row

    def scalar(self) -> Any:
        row = self.first()
        return None if row is None else row[0]

    def all(self) -> list[Any]:
        return self.cursor.fetchall()


class _Driver:
    """``LiteConnection.connection``: the ``sqlite3`` connection itself."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.dbapi_connection = raw


class LiteConnection:
    """``connection.ReadConnection`` over the engine's one ``sqlite3`` connection."""

    dialect = _Dialect()

    def __init__(self, engine: LiteEngine) -> None:
        self.engine = engine
        self.connection = _Driver(engine.raw)

    def exec_driver_sql(self, statement: str, parameters: Any = (), /) -> _Rows:
        try:
            return _Rows(self.engine.raw.execute(statement, parameters))
        except sqlite3.OperationalError as exc:  # locked past the busy timeout, disk error
            raise TemporaryFailure(f"cannot read the ledger {self.engine.path}: {exc}") from None

    def __enter__(self) -> LiteConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.release()


class LiteEngine:
    """``connection.ReadEngine`` over one ``sqlite3`` connection, handed out by
    ``connect()`` one user at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw = read_connection(path)
        self.raw.execute("PRAGMA query_only=ON")
        self.users = 0

    def connect(self) -> LiteConnection:
        """A connection reading one snapshot (a connection opened inside another shares
        its snapshot)."""
        if self.users == 0:
            self.raw.execute("BEGIN")
        self.users += 1
        return LiteConnection(self)

    def release(self) -> None:
        self.users -= 1
        if self.users == 0:
            self.raw.execute("ROLLBACK")  # nothing was written: the snapshot ends here

    def dispose(self) -> None:
        self.raw.close()


def read_connection(path: Path) -> sqlite3.Connection:
    """A ``sqlite3`` connection to read ``path`` with, also when this user may not write it.

    A reader of a WAL ledger needs its -shm file, which it creates when missing: in a
    directory it may not write that fails ("unable to open database file"). Then the file
    is opened read-only, and, when there is no -shm to share either, as immutable: nobody
    can be writing it, since a writer would need those files too. Not when a -wal holds
    pages: an immutable reader would not see them."""
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    attempts: list[tuple[str | Path, bool]] = [(path, False), (uri, True)]
    wal = Path(f"{path}-wal")
    if not (wal.exists() and wal.stat().st_size > 0):
        attempts.append((f"{uri}&immutable=1", True))
    for target, is_uri in attempts:
        raw = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None, uri=is_uri)
        try:
            raw.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            raw.close()
            text = str(exc).lower()
            if "unable to open" in text or "readonly" in text:
                continue  # this user may not write the directory or the file: read-only
            raise
        return raw
    raise sqlite3.OperationalError(f"unable to open database file {path}")


def sqlite_path(db: str) -> Path | None:
    """The file of a SQLite ledger named by ``--db`` (a path or ``sqlite:///…``)."""
    if db.startswith("sqlite:///"):
        rest = db[len("sqlite:///") :]
        if not rest or rest.startswith(":memory:") or "?" in rest:
            return None
        return Path(rest).expanduser()
    if "://" in db:
        return None
    return Path(db).expanduser()


def open_lite(db: str) -> LiteEngine | None:
    """``LiteEngine`` for a SQLite file at the current schema, else None (for
    ``opening.open_for_reading`` to hand to ``engine.open_ledger``)."""
    path = sqlite_path(db)
    if path is not None and path.is_file():
        return _try_lite(path)
    return None


def _try_lite(path: Path) -> LiteEngine | None:
    try:
        lite = LiteEngine(path)
    except sqlite3.Error:
        return None
    try:
        with lite.connect() as conn:
            rev = current_revision(conn)
    except (sqlite3.Error, SlactlError):  # not SQLite, locked: open_ledger says which
        rev = None
    if rev != HEAD_REVISION:
        lite.dispose()
        return None
    return lite
