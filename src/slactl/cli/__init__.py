"""Command-line interface. ``app`` is the ``slactl`` command; each ``*_cmds`` module
defines some of its commands, imported when one of them runs (``app.COMMANDS``)."""

from __future__ import annotations

import gc

from slactl.cli.app import app


def main() -> None:
    """The ``slactl`` command."""
    try:
        app()
    finally:
        # The interpreter's exit runs one last cyclic collection over every object alive,
        # the modules' included: 15-20 ms after a `status`, to find no garbage worth it
        # (the process is gone a moment later). Frozen objects are left out of it.
        gc.freeze()


__all__ = ["app", "main"]
