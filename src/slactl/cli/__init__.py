"""Command-line interface. Each module registers one command group on ``app``."""

from __future__ import annotations

from slactl.cli import (  # noqa: F401  (imported for their commands)
    agreement_cmds,
    dashboard_cmds,
    db_cmds,
    digest_cmds,
    ledger_cmds,
    report_cmds,
    whatif_cmds,
)
from slactl.cli.app import app
from slactl.ledger import sqlite_lib


def main() -> None:
    """The ``slactl`` command: SQLite configured for this process first (no connection is
    open yet; see ``slactl.ledger.sqlite_lib``), then the Typer app."""
    sqlite_lib.configure()
    app()


__all__ = ["app", "main"]
