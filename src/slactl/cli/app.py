"""The Typer application, global options and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperGroup

from slactl import __version__
from slactl.errors import SlactlError, TemporaryFailure


@dataclass
class Settings:
    """What the global options say; handed to every command through ``ctx.obj``."""

    db: str
    agreements_dir: Path


def _fail(message: str, code: int) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


# What an option's value is, in its help and usage line (Typer would say ``<str>``)
METAVARS = {
    "at": "TIME",
    "as_of": "TIME",
    "month": "YYYY-MM",
    "week": "YYYY-Www",
    "quarter": "YYYY-Qn",
    "from_": "DATE",
    "to": "DATE",
    "on": "DATE",
    "db": "PATH|URL",
    "agreements": "DIR",
    "rejects": "FILE",
    "map_": "COLUMN=FIELD",
}


class _Argument(TyperArgument):
    """An argument shown as ``LEAD`` in usage lines (Typer shows ``{lead}``)."""

    def make_metavar(self, ctx: typer.Context, *, usage: bool = False) -> str:  # type: ignore[override]
        var = self.metavar or (self.name or "").upper()
        if not self.required:
            var = f"[{var}]"
        return f"{var}..." if self.nargs != 1 else var


def readable_metavars(command: Any) -> None:
    """Every option and argument of ``command`` and its subcommands named for what it takes."""
    for param in command.params:
        if isinstance(param, TyperArgument):
            param.__class__ = _Argument
        elif param.metavar is None and not getattr(param, "is_flag", False):
            if param.type.get_metavar(param=param, ctx=None) is None:  # (choices list theirs)
                param.metavar = METAVARS.get(param.name, (param.name or "").upper())
    for sub in getattr(command, "commands", {}).values():
        readable_metavars(sub)


class HelpGroup(TyperGroup):
    """A command group that, run without arguments, prints its help and exits 0."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        readable_metavars(self)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if not args and not ctx.resilient_parsing:  # (shell completion parses no args too)
            typer.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)


# Every command, in the order ``slactl --help`` lists them, and the module that defines it.
# A run imports and builds only the command it runs (Click's lazy subcommands): building
# all of them, and importing their modules, was a third of ``slactl --version``.
COMMANDS = {
    "init": "agreement_cmds",
    "deadline": "agreement_cmds",
    "report": "report_cmds",
    "status": "report_cmds",
    "explain": "report_cmds",
    "leaderboard": "report_cmds",
    "dashboard": "dashboard_cmds",
    "digest": "digest_cmds",
    "import": "ledger_cmds",
    "log": "ledger_cmds",
    "disposition": "ledger_cmds",
    "handoff": "ledger_cmds",
    "review": "ledger_cmds",
    "pause": "ledger_cmds",
    "resume": "ledger_cmds",
    "accept": "ledger_cmds",
    "reassign": "ledger_cmds",
    "notify": "notify_cmds",
    "plan": "plan_cmds",
    "publish": "publish_cmds",
    "whatif": "whatif_cmds",
    "agreement": "agreement_cmds",
    "db": "db_cmds",
}


def commands() -> typer.Typer:
    """The ``app`` on which a command module registers its commands (``COMMANDS`` names
    each one; ``SlactlGroup`` takes it from there when it is run)."""
    return typer.Typer(cls=HelpGroup, rich_markup_mode=None, add_completion=False)


class SlactlGroup(HelpGroup):
    """Turns our exceptions into ``Error: …`` on stderr and their exit code, never a traceback;
    a ledger file the failed command created is removed again. Its commands are built when
    they are asked for (``COMMANDS``)."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return list(COMMANDS)

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> Any:  # type: ignore[override]
        if args and args[0] not in COMMANDS:  # a typo: Typer suggests among the commands built
            for name in COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        module = COMMANDS.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            from importlib import import_module

            built = _build(import_module(f"slactl.cli.{module}").app, cmd_name)
            for name, command in built.items():
                if name not in self.commands:
                    readable_metavars(command)
                    self.add_command(command, name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
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
        except OSError as exc:  # a file or directory the command may not write, say
            _discard_new_ledgers()
            _fail(_os_failure(exc), 2)
        except MemoryError:
            _discard_new_ledgers()
            _fail("out of memory: close other programs, then try again", 75)
        except Exception as exc:
            if type(exc).__module__.startswith(("click.", "typer.")):
                raise  # (theirs: typer.Exit, usage errors; they print and exit themselves)
            failure = _database_failure(ctx, exc) or _unexpected(exc)
            _discard_new_ledgers()
            _fail(str(failure), failure.exit_code)


def _build(module_app: typer.Typer, cmd_name: str) -> dict[str, Any]:
    """Command ``cmd_name`` of a command module's ``app``, built alone when it is one of
    several plain commands there (Typer would build them all, a millisecond each, for the
    one that runs); otherwise what Typer builds of the module: a group's commands, or its
    only command."""
    import typer.main

    infos = module_app.registered_commands
    if len(infos) > 1:
        for info in infos:
            name = info.name or typer.main.get_command_name(getattr(info.callback, "__name__", ""))
            if name == cmd_name:
                command = typer.main.get_command_from_info(
                    info,
                    pretty_exceptions_short=module_app.pretty_exceptions_short,
                    rich_markup_mode=module_app.rich_markup_mode,
                )
                return {cmd_name: command}
    built = typer.main.get_command(module_app)
    return dict(getattr(built, "commands", {cmd_name: built}))


def _os_failure(exc: OSError) -> str:
    """One line for a failed file operation; EACCES and EPERM both say "permission denied"."""
    what = "permission denied" if isinstance(exc, PermissionError) else exc.strerror or str(exc)
    where = exc.filename if exc.filename is not None else "file"
    return f"{where}: {what[0].lower()}{what[1:]}"


def _discard_new_ledgers() -> None:
    engine = sys.modules.get("slactl.ledger.engine")
    if engine is not None:
        engine.discard_new_files()


def _database_failure(ctx: typer.Context, exc: Exception) -> SlactlError | None:
    """A database driver's error that no command turned into ours (a ledger that turned
    read-only or locked halfway, say): one line too."""
    import sqlite3

    drivers: list[type] = [sqlite3.Error]
    for module, name in (("sqlalchemy.exc", "DBAPIError"), ("adbc_driver_manager", "Error")):
        if module in sys.modules:  # (a driver not loaded raised nothing)
            drivers.append(getattr(sys.modules[module], name))
    if "psycopg" in sys.modules:
        drivers.append(sys.modules["psycopg"].Error)
    if not isinstance(exc, tuple(drivers)):
        return None
    from slactl.ledger.engine import database_failure

    return database_failure(settings(ctx).db, exc)


def _unexpected(exc: Exception) -> SlactlError:
    """The last resort, for an error nothing above knows (a bug of ours or of a library):
    one line all the same, that says what to do (SLACTL_TRACEBACK=1 shows the traceback)."""
    if os.environ.get("SLACTL_TRACEBACK"):
        raise exc
    what = (str(exc).strip().splitlines() or [""])[0][:300]
    kind = type(exc).__name__
    if kind == "ArrowMemoryError":  # (pyarrow's allocator: the machine is out of memory)
        return TemporaryFailure(f"out of memory ({what}): close other programs, then try again")
    failure = SlactlError(
        f"unexpected {kind}: {what}. This is a bug in slactl: please report it with this"
        " line (SLACTL_TRACEBACK=1 shows where it happened)"
    )
    failure.exit_code = 70  # EX_SOFTWARE from sysexits.h: neither bad input nor worth a retry
    return failure


app = typer.Typer(
    cls=SlactlGroup,
    name="slactl",
    help="Measure a sales & marketing service level agreement from a local ledger.",
    pretty_exceptions_show_locals=False,
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
