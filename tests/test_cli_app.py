from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from slactl import __version__
from slactl.cli import app

SLACTL = Path(sys.executable).parent / "slactl"


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"slactl {__version__}\n"


def test_installed_entry_point_runs() -> None:
    proc = subprocess.run([str(SLACTL), "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout == f"slactl {__version__}\n"
    assert proc.stderr == ""


def test_no_arguments_shows_help() -> None:
    result = CliRunner().invoke(app, [])
    assert "Usage" in result.output
    assert "report" in result.output
