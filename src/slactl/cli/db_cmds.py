"""``slactl db upgrade|status``: the ledger's schema."""

from __future__ import annotations

from typing import Annotated

import typer

from slactl.cli.app import app, settings
from slactl.errors import SlactlError

db_app = typer.Typer(
    help="The ledger's schema and copies.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(db_app, name="db")


@db_app.command()
def upgrade(ctx: typer.Context) -> None:
    """Migrate the ledger to the current schema (a SQLite file is backed up first)."""
    import shutil
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from slactl.ledger.engine import (
        connect,
        current_revision,
        head_revision,
        ledger_url,
        make_engine,
    )
    from slactl.ledger.engine import upgrade as run_upgrade

    s = settings(ctx)
    url = make_url(ledger_url(s.db))
    engine = make_engine(s.db)
    try:
        with connect(engine, s.db) as conn:
            rev = current_revision(conn)
        head = head_revision()
        if rev == head:
            typer.echo(f"the ledger is already at the current schema ({head})", err=True)
            return
        if url.get_backend_name() == "sqlite" and url.database and Path(url.database).exists():
            backup = Path(f"{url.database}.{rev or 'empty'}.bak")
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy2(url.database, backup)
            typer.echo(f"backed up to {backup}", err=True)
        run_upgrade(engine)
        typer.echo(f"upgraded the ledger from {rev or 'empty'} to {head}", err=True)
    finally:
        engine.dispose()


@db_app.command()
def status(ctx: typer.Context) -> None:
    """Show the ledger's schema revision and what it holds."""
    from slactl.ledger.engine import connect, current_revision, head_revision, make_engine, safe_url
    from slactl.ledger.lite import sqlite_path

    s = settings(ctx)
    head = head_revision()
    path = sqlite_path(s.db)
    if path is not None and not path.exists():
        # (opening it would leave an empty file behind, under a mistyped name too)
        typer.echo(f"ledger: {safe_url(s.db)}")
        typer.echo(f"schema: none (current {head}): no such file yet; import or log creates it")
        return
    engine = make_engine(s.db)
    try:
        with connect(engine, s.db) as conn:
            rev = current_revision(conn)
            counts = {}
            if rev is not None:
                for table in ("lead", "event", "lead_change", "import_run"):
                    counts[table] = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
    finally:
        engine.dispose()
    typer.echo(f"ledger: {safe_url(s.db)}")
    typer.echo(f"schema: {rev or 'none'} (current {head})")
    if rev is None:
        typer.echo(
            "empty: 'slactl db upgrade' creates the schema (so does the first import or log)"
        )
    for table, n in counts.items():
        typer.echo(f"{table}: {n}")
    if rev is not None and rev != head:
        raise SlactlError("the ledger needs 'slactl db upgrade'")


@db_app.command()
def copy(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="The target: a SQLite path or a SQLAlchemy URL.")],
) -> None:
    """Copy the whole ledger to a new, empty database (SQLite <-> PostgreSQL)."""
    from slactl.ledger.copy import copy_ledger
    from slactl.ledger.engine import open_ledger, safe_url

    s = settings(ctx)
    source = open_ledger(s.db, create=False)
    target = open_ledger(to)
    try:
        summary = copy_ledger(source, target)
    finally:
        source.dispose()
        target.dispose()
    counts = ", ".join(f"{n} {t}" for t, n in summary.counts.items())
    typer.echo(f"copied {safe_url(s.db)} to {safe_url(to)}: {counts}", err=True)
