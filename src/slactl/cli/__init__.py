"""Command-line interface. Each module registers one command group on ``app``."""

from __future__ import annotations

from slactl.cli import (  # noqa: F401  (imported for their commands)
    agreement_cmds,
    dashboard_cmds,
    db_cmds,
    digest_cmds,
    ledger_cmds,
    notify_cmds,
    plan_cmds,
    publish_cmds,
    report_cmds,
    whatif_cmds,
)
from slactl.cli.app import app


def main() -> None:
    """The ``slactl`` command."""
    app()


__all__ = ["app", "main"]
