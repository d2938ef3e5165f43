"""What the ledger's readers need of an engine and a connection, as typed protocols.

Two engines read the ledger: SQLAlchemy's (PostgreSQL, every write, a SQLite file that
is not at the current schema) and ``lite.LiteEngine`` (a SQLite file at the current
schema, read with the standard library's ``sqlite3`` so the read commands do not import
SQLAlchemy). Both satisfy ``ReadEngine``; the readers (``queries``, ``published``,
``revision``, ``watch.next_events`` and the use cases) take a ``ReadEngine`` or a
``ReadConnection`` and so are checked by mypy against what both give. Writers take
SQLAlchemy's ``Engine`` itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol


class Rows(Protocol):
    """A statement's result: iterated, or its first row, first value or all rows."""

    def __iter__(self) -> Iterator[Any]: ...

    def first(self) -> Any: ...

    def scalar(self) -> Any: ...

    def all(self) -> Sequence[Any]: ...


class Dialect(Protocol):
    @property
    def name(self) -> str: ...  # "sqlite" or "postgresql"


class DriverConnection(Protocol):
    """What ``ReadConnection.connection`` gives: the driver's own connection beside it."""

    @property
    def dbapi_connection(self) -> Any: ...  # sqlite3's or psycopg's connection


class ReadConnection(Protocol):
    """One snapshot of the ledger, read with plain driver SQL."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def connection(self) -> DriverConnection: ...

    def exec_driver_sql(self, statement: str, parameters: Any = ..., /) -> Rows: ...

    def __enter__(self) -> ReadConnection: ...

    def __exit__(self, *exc: Any) -> Any: ...


class ReadEngine(Protocol):
    """An engine to read the ledger with: SQLAlchemy's ``Engine`` or ``lite.LiteEngine``."""

    def connect(self) -> ReadConnection: ...

    def dispose(self) -> None: ...
