"""Docs are tested: every command and option says what it does, and the README's
first two commands are the Makefile's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from slactl.cli import app
from tests.conftest import subcommands

ROOT = Path(__file__).resolve().parents[1]


def _walk(command, path=()):  # type: ignore[no-untyped-def]
    yield path, command
    for name, sub in subcommands(command).items():
        yield from _walk(sub, (*path, name))


def test_every_command_and_option_has_help() -> None:
    root = typer.main.get_command(app)
    missing = []
    for path, command in _walk(root):
        name = " ".join(("slactl", *path))
        if not (command.help or "").strip():
            missing.append(f"{name}: no help text")
        for param in command.params:
            if getattr(param, "hidden", False) or param.param_type_name == "argument":
                continue
            if not (getattr(param, "help", None) or "").strip():
                missing.append(f"{name} {param.opts[0]}: no help text")
    assert missing == []


def test_the_commands_of_the_spec_exist() -> None:
    root = typer.main.get_command(app)
    names = {" ".join(path) for path, _ in _walk(root)}
    for expected in [
        "init",
        "agreement check",
        "agreement show",
        "import",
        "log",
        "disposition",
        "handoff",
        "review",
        "deadline",
        "explain",
        "status",
        "report",
        "leaderboard",
        "digest",
    ]:
        assert expected in names, f"slactl {expected} is missing"


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands[:2] == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_docs_linked_from_the_readme_exist() -> None:
    text = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\((docs/[^)]+)\)", text):
        assert (ROOT / link).is_file(), f"README links to {link}, which does not exist"


def test_readme_deadline_example_is_what_slactl_prints() -> None:
    from typer.testing import CliRunner

    text = (ROOT / "README.md").read_text()
    m = re.search(r'slactl deadline (\S+) "([^"]+)"\s+# -> (\S+)', text)
    assert m is not None
    result = CliRunner().invoke(
        app, ["--agreements", str(ROOT / "agreements"), "deadline", m.group(1), m.group(2)]
    )
    assert result.stdout.strip() == m.group(3)


def test_every_doc_page_is_linked_from_the_readme() -> None:
    text = (ROOT / "README.md").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        assert f"docs/{page.name}" in text, f"docs/{page.name} is not linked from the README"


def readme_session() -> list[str]:
    """The commands of the README's "A session" block, one a line, as a user pastes them."""
    text = (ROOT / "README.md").read_text()
    m = re.search(r"## A session\n.*?```sh\n(.*?)```", text, re.S)
    assert m is not None
    return [line for line in m.group(1).splitlines() if line.strip()]


@pytest.mark.slow
def test_readme_session_runs_as_written_in_a_new_directory(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("jq") is None and os.environ.get("CI") != "true":
        pytest.skip("the README's session pipes into jq, which is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACTL_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    lines = readme_session()
    assert lines[0].startswith("slactl init --example")
    for line in lines:
        proc = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, f"{line}\n{proc.stderr}"
        assert "Traceback" not in proc.stderr
        if "# ->" in line:
            assert proc.stdout.strip() == line.split("# ->")[1].strip()


def test_whatif_page_diff_example_is_what_slactl_prints() -> None:
    """docs/whatif.md runs `agreement diff` on the files of `slactl init --example`."""
    from typer.testing import CliRunner

    text = (ROOT / "docs" / "whatif.md").read_text()
    m = re.search(r"\$ slactl agreement diff (\S+) (\S+)\n(.*?)```", text, re.S)
    assert m is not None
    assert (m.group(1), m.group(2)) == ("agreements/acme-2024.yaml", "draft.yaml")
    example = ROOT / "src" / "slactl" / "templates" / "example"
    result = CliRunner().invoke(
        app, ["agreement", "diff", str(example / "acme-2024.yaml"), str(example / "draft.yaml")]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == m.group(3)
