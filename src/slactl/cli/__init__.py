"""Command-line interface. ``app`` is the ``slactl`` command; each ``*_cmds`` module
defines some of its commands, imported when one of them runs (``app.COMMANDS``)."""

from __future__ import annotations

from slactl.cli.app import app


def main() -> None:
    """The ``slactl`` command."""
    app()


__all__ = ["app", "main"]
