"""``slactl db upgrade|status``: the ledger's schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from slactl.cli.app import HelpGroup, commands, settings
from slactl.errors import SlactlError

app = commands()

db_app = typer.Typer(help="The ledger's schema and copies.", cls=HelpGroup, rich_markup_mode=None)
app.add_typer(db_app, name="db")


@db_app.command()
def upgrade(ctx: typer.Context) -> None:
    """Migrate the ledger to the current schema (a SQLite file is backed up first)."""
    import shutil
    from pathlib import Path

    from sqlalchemy import inspect

    from slactl.ledger.engine import (
        connect,
        current_revision,
        head_revision,
        known_revisions,
        make_engine,
        safe_url,
    )
    from slactl.ledger.engine import upgrade as run_upgrade
    from slactl.ledger.lite import sqlite_path

    s = settings(ctx)
    path = sqlite_path(s.db)
    engine = make_engine(s.db)
    try:
        with connect(engine, s.db) as conn:
            rev = current_revision(conn)
            tables = inspect(conn).get_table_names() if rev is None else []
        head = head_revision()
        if rev == head:
            typer.echo(f"the ledger is already at the current schema ({head})", err=True)
            return
        if rev is None and tables:
            raise SlactlError(
                f"{safe_url(s.db)} holds tables but is not a slactl ledger: db upgrade only"
                " migrates slactl's own ledgers; point --db at one or at a new path"
            )
        if rev is not None and rev not in known_revisions():
            raise SlactlError(
                f"the ledger {safe_url(s.db)} was written by a newer slactl (schema {rev}):"
                " upgrade slactl to use it"
            )
        if rev is not None and path is not None:
            backup = Path(f"{path}.{rev}.bak")
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy2(path, backup)
            typer.echo(f"backed up to {backup}", err=True)
        run_upgrade(engine)
        typer.echo(f"upgraded the ledger from {rev or 'empty'} to {head}", err=True)
    finally:
        engine.dispose()


@db_app.command()
def status(ctx: typer.Context) -> None:
    """Show the ledger's schema revision and what it holds."""
    from slactl.ledger.lite import sqlite_path

    s = settings(ctx)
    path = sqlite_path(s.db)
    if path is not None:
        rev, counts = _sqlite_status(s.db, path)
    else:
        rev, counts = _server_status(s.db)
    from slactl.ledger.engine import head_revision, safe_url

    head = head_revision()
    typer.echo(f"ledger: {safe_url(s.db)}")
    if rev == "":
        # (opening it would leave an empty file behind, under a mistyped name too)
        typer.echo(f"schema: none (current {head}): no such file yet; import or log creates it")
        return
    typer.echo(f"schema: {rev or 'none'} (current {head})")
    if rev is None:
        typer.echo(
            "empty: 'slactl db upgrade' creates the schema (so does the first import or log)"
        )
    for table, n in counts.items():
        typer.echo(f"{table}: {n}")
    if rev is not None and rev != head:
        raise SlactlError("the ledger needs 'slactl db upgrade'")


COUNTED = ("lead", "event", "lead_change", "import_run")


def _sqlite_status(db: str, path: Path) -> tuple[str | None, dict[str, int]]:
    """The revision ("" for no file) and row counts of a SQLite ledger, read-only (a
    ledger this user may read but not write is shown too)."""
    import sqlite3

    from slactl.ledger.engine import database_failure
    from slactl.ledger.lite import LiteEngine
    from slactl.ledger.revision import current_revision

    if not path.exists():
        return "", {}
    counts: dict[str, int] = {}
    try:
        lite = LiteEngine(path)
        try:
            with lite.connect() as conn:
                rev = current_revision(conn)
                if rev is not None:
                    for table in COUNTED:
                        n = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
                        counts[table] = n
        finally:
            lite.dispose()
    except sqlite3.Error as exc:
        raise database_failure(db, exc) from None
    return rev, counts


def _server_status(db: str) -> tuple[str | None, dict[str, int]]:
    from slactl.ledger.engine import connect, current_revision, make_engine

    engine = make_engine(db)
    try:
        with connect(engine, db) as conn:
            rev = current_revision(conn)
            counts: dict[str, int] = {}
            if rev is not None:
                for table in COUNTED:
                    counts[table] = conn.exec_driver_sql(
                        f"SELECT COUNT(*) FROM {table}"
                    ).scalar_one()
    finally:
        engine.dispose()
    return rev, counts


@db_app.command()
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to", metavar="PATH|URL", help="The target: a SQLite path or a SQLAlchemy URL."
        ),
    ],
) -> None:
    """Copy the whole ledger to a new, empty database (SQLite <-> PostgreSQL)."""
    from slactl.ledger.copy import copy_ledger
    from slactl.ledger.engine import safe_url
    from slactl.ledger.opening import open_for_writing

    s = settings(ctx)
    source = open_for_writing(s.db, create=False)
    target = open_for_writing(to)
    try:
        summary = copy_ledger(source, target)
    finally:
        source.dispose()
        target.dispose()
    counts = ", ".join(f"{n} {t}" for t, n in summary.counts.items())
    typer.echo(f"copied {safe_url(s.db)} to {safe_url(to)}: {counts}", err=True)
