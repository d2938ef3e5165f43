"""The ways a command opens the ledger: to read (``open_for_reading``), to write
(``open_for_writing``), and to import (``open_for_import``). Every command goes through one
of them.

Reading a SQLite file at the current schema takes ``lite.LiteEngine`` (no SQLAlchemy
import); everything else, and every write, takes SQLAlchemy's engine from
``engine.open_ledger``, which refuses what it cannot use in one line. Both imports are
lazy, so this module costs nothing at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from slactl.ledger.connection import ReadEngine
    from slactl.ledger.lite import LiteEngine


def open_for_reading(db: str) -> ReadEngine:
    """An engine to read the ledger at ``db`` with: ``LiteEngine`` for a SQLite file at
    the current schema, else ``engine.open_ledger(db, create=False)`` (which refuses what
    it cannot read, in one line)."""
    from slactl.ledger.lite import open_lite

    lite = open_lite(db)
    if lite is not None:
        return lite
    from slactl.ledger.engine import open_ledger

    return open_ledger(db, create=False)


def open_for_import(db: str) -> Engine | LiteEngine:
    """What ``slactl import`` writes through (it loads with ADBC on its own connection):
    a SQLite ledger at the current schema that this process may write is opened without
    SQLAlchemy (``lite.open_lite``: a quarter of a second of start-up); anything else
    through ``open_for_writing``, which creates it or says what is wrong."""
    import os

    from slactl.ledger.lite import open_lite, sqlite_path

    path = sqlite_path(db)
    writable = path is not None and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    return (open_lite(db) if writable else None) or open_for_writing(db)


def open_for_writing(db: str, *, create: bool = True) -> Engine:
    """SQLAlchemy's engine of the ledger at ``db`` at the current schema, created if new
    (and ``create``): ``engine.open_ledger``."""
    from slactl.ledger.engine import open_ledger

    return open_ledger(db, create=create)
