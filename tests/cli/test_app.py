from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from slactl import __version__
from slactl.cli import app
from tests.conftest import subcommands

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


@pytest.mark.parametrize("args", [[], ["db"], ["agreement"]])
def test_no_arguments_prints_help_and_exits_0(args: list[str]) -> None:
    proc = subprocess.run([str(SLACTL), *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"Usage: slactl {' '.join(args)}".rstrip() + " [OPTIONS] COMMAND")
    assert proc.stderr == ""


def test_python_m_slactl_is_the_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "slactl", "--version"], capture_output=True, text=True, check=False
    )
    assert (proc.returncode, proc.stdout) == (0, f"slactl {__version__}\n")


def test_shell_completion_is_on() -> None:
    env = {**os.environ, "_SLACTL_COMPLETE": "complete_bash", "COMP_WORDS": "slactl db u"}
    env["COMP_CWORD"] = "2"
    proc = subprocess.run([str(SLACTL)], capture_output=True, text=True, env=env, check=False)
    assert (proc.returncode, proc.stdout.split()) == (0, ["upgrade"])
    # (Typer's own switch: the shell named on the command line, not detected from the parent
    # process, which is sh under make)
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = subprocess.run(
        [str(SLACTL), "--show-completion", "bash"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert shown.returncode == 0
    assert "_SLACTL_COMPLETE=complete_bash" in shown.stdout


def _every_help() -> dict[str, str]:
    root = typer.main.get_command(app)
    pages = {}

    def walk(command, path):  # type: ignore[no-untyped-def]
        result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100)
        assert result.exit_code == 0, path
        pages[" ".join(["slactl", *path])] = result.stdout
        for name, sub in subcommands(command).items():
            walk(sub, [*path, name])

    walk(root, [])
    return pages


def test_help_shows_readable_metavars() -> None:
    unreadable = [
        f"{name}: {line.strip()}"
        for name, page in _every_help().items()
        for line in page.splitlines()
        if re.search(r"<(str|int|float|path|text|integer)|range|\[x[<>]=|\{[a-z_]+\}", line)
    ]
    assert unreadable == []


def test_to_and_from_say_what_they_take_where_they_are_no_dates() -> None:
    # the report's --from/--to are days; reassign's are reps and db copy's a database
    pages = _every_help()
    reassign = [line.split()[:2] for line in pages["slactl reassign"].splitlines()]
    assert ["--to", "REP"] in reassign and ["--from", "REP"] in reassign
    copy = [line.split()[:2] for line in pages["slactl db copy"].splitlines()]
    assert ["--to", "PATH|URL"] in copy
    report = [line.split()[:2] for line in pages["slactl report"].splitlines()]
    assert ["--from", "DATE"] in report and ["--to", "DATE"] in report


def test_deadline_help_names_every_unit() -> None:
    page = " ".join(_every_help()["slactl deadline"].split())
    for unit in ("business minutes", "business hours", "business days"):
        assert unit in page
    for unit in ("minutes", "hours", "days", "weeks"):
        assert f" {unit}" in page.replace("business " + unit, "")


def test_out_of_range_numbers_are_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    r = CliRunner().invoke(app, ["--db", db, "init", "--year", "1999"])
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: --year 1999: give a year from 2000 on, e.g. --year 2027\n",
    )
    r = CliRunner().invoke(app, ["--db", db, "status", "--rep", "alice", "--limit", "-1"])
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: --limit -1: give a number of rows, or 0 for all\n",
    )
    assert not (tmp_path / "l.db").exists()


def test_the_command_table_names_every_command_of_every_module() -> None:
    """``COMMANDS`` (what ``slactl`` builds when asked for a command) names exactly the
    commands the ``*_cmds`` modules define, each with its module."""
    import importlib
    import pkgutil

    import slactl.cli
    from slactl.cli.app import COMMANDS

    defined = {}
    for info in pkgutil.iter_modules(slactl.cli.__path__):
        if info.name.endswith("_cmds"):
            module = importlib.import_module(f"slactl.cli.{info.name}")
            built = typer.main.get_command(module.app)
            for name in subcommands(built) or {built.name: built}:
                defined[name] = info.name
    assert defined == COMMANDS


def test_a_run_imports_only_the_module_of_its_command() -> None:
    code = (
        "import sys\nfrom slactl.cli import main\nsys.argv = ['slactl', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('slactl.cli.')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[-1] == "['slactl.cli.app']"
    result = CliRunner().invoke(app, ["deadline", "2024-05-03T10:00", "4 business hours"])
    assert result.exit_code == 0, result.output


def test_a_mistyped_command_is_answered_with_the_closest_one() -> None:
    result = CliRunner().invoke(app, ["lint"])
    assert result.exit_code == 2
    assert "No such command 'lint'. Did you mean 'init'?" in result.output


def test_each_group_has_all_its_subcommands_in_a_run_of_its_own() -> None:
    # a run imports only the module of its command: a subcommand registered on a group
    # from another module would exist in a test process that imported that module and
    # nowhere else (`slactl agreement diff` was defined beside `whatif`, and missing)
    import importlib
    import pkgutil

    import slactl.cli

    for info in pkgutil.iter_modules(slactl.cli.__path__):  # all of them, as a suite does
        importlib.import_module(f"slactl.cli.{info.name}")
    for name in ("agreement", "db"):
        module = importlib.import_module(f"slactl.cli.{name}_cmds")
        group = subcommands(typer.main.get_command(module.app))[name]
        for sub in ["--help", *sorted(subcommands(group))]:
            args = [name, sub] if sub == "--help" else [name, sub, "--help"]
            code = (
                "import sys\nfrom slactl.cli import main\n"
                f"sys.argv = ['slactl', *{args!r}]\n"
                "main()\n"
            )
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            assert (proc.returncode, proc.stderr) == (0, ""), (name, sub)
            if sub == "--help":
                listed = proc.stdout.split("Commands:", 1)[1].split()
                assert set(subcommands(group)) <= set(listed), name
    top = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom slactl.cli import main\nsys.argv = ['slactl']\nmain()",
        ],
        capture_output=True,
        text=True,
    )
    assert "Check, show and compare agreements." in top.stdout  # (diff among them)
