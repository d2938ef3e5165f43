"""The Typer application, global options and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from slactl import __version__
from slactl.errors import SlactlError


@dataclass
class Settings:
    """What the global options say; handed to every command through ``ctx.obj``."""

    db: str
    agreements_dir: Path


def _fail(message: str, code: int) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


class SlactlGroup(TyperGroup):
    """Turns our exceptions into ``Error: …`` on stderr and their exit code, never a traceback;
    a ledger file the failed command created is removed again."""

    def invoke(self, ctx: typer.Context) -> Any:
        engine = sys.modules.get("slactl.ledger.engine")
        if engine is not None:  # (tests run many commands in one process)
            engine.new_files.clear()
        try:
            return super().invoke(ctx)
        except SlactlError as exc:
            _discard_new_ledgers()
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _discard_new_ledgers()
            _fail("interrupted", 130)
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except Exception as exc:
            failure = _database_failure(ctx, exc)
            if failure is None:
                raise
            _discard_new_ledgers()
            _fail(str(failure), failure.exit_code)


def _discard_new_ledgers() -> None:
    engine = sys.modules.get("slactl.ledger.engine")
    if engine is not None:
        engine.discard_new_files()


def _database_failure(ctx: typer.Context, exc: Exception) -> SlactlError | None:
    """A database driver's error that no command turned into ours (a ledger that turned
    read-only or locked halfway, say): one line too."""
    import sqlite3

    sa_exc = sys.modules.get("sqlalchemy.exc")
    if not (isinstance(exc, sqlite3.Error) or (sa_exc and isinstance(exc, sa_exc.DBAPIError))):
        return None
    from slactl.ledger.engine import database_failure

    return database_failure(settings(ctx).db, exc)


app = typer.Typer(
    cls=SlactlGroup,
    name="slactl",
    help="Measure a sales & marketing service level agreement from a local ledger.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"slactl {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str,
        typer.Option(
            "--db",
            envvar="SLACTL_DB",
            help="Ledger: a SQLite file path or a SQLAlchemy URL (postgresql+psycopg://…).",
        ),
    ] = "slactl.db",
    agreements: Annotated[
        Path,
        typer.Option(
            "--agreements",
            envvar="SLACTL_AGREEMENTS",
            help="Directory holding the agreement YAML files and quotas.yaml.",
        ),
    ] = Path("agreements"),
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Measure a sales & marketing service level agreement from a local ledger."""
    ctx.obj = Settings(db=db, agreements_dir=agreements)


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    if not isinstance(obj, Settings):  # a sub-app invoked on its own in a test
        obj = Settings(
            db=os.environ.get("SLACTL_DB", "slactl.db"),
            agreements_dir=Path(os.environ.get("SLACTL_AGREEMENTS", "agreements")),
        )
    return obj
