"""Imported text is data: Rich markup and terminal escapes in names, companies and notes
print as written, never as styles, links or terminal commands (render/safe.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app
from slactl.render.safe import clean, text

AGREEMENT = """\
slactl: 1
name: cli
title: CLI SLA
period: {start: 2024-05-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
definitions:
  mql: {score: ">= 60"}
  touch_kinds: [call, email]
commitments:
  sales:
    - {id: ft, activity: First touch, measure: first_touch, within: 4 business hours,
       target: 90%}
    - {id: disp, activity: Disposition, measure: disposition, within: 10 business days,
       target: 95%}
points: {met: 10, breached: -5}
"""

REP = "[/x]"
COMPANY_RAW = "[bold]Big[/bold] [link=https://evil.example]co[/link]\x1b[31m red"
COMPANY = "[bold]Big[/bold] [link=https://evil.example]co[/link][31m red"  # as printed
NOTE = "\x1b[2Jwiped \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x9b31m\u202eevil"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "cli.yaml").write_text(AGREEMENT)
    (tmp_path / "draft.yaml").write_text(AGREEMENT.replace("4 business hours", "1 business hour"))
    (tmp_path / "leads.csv").write_text(
        "external_id,email,owner,score,created_at,company\n"
        f'A1,a1@example.com,{REP},70,2024-05-06T09:00,"{COMPANY_RAW}"\n'
    )
    note = NOTE.replace('"', '""')
    (tmp_path / "activities.csv").write_text(
        f'lead,kind,rep,at,outcome,note\nA1,call,{REP},2024-05-06T11:00,,"{note}"\n',
        encoding="utf-8",
    )
    e = {"db": str(tmp_path / "ledger.db"), "agreements": str(agreements), "dir": str(tmp_path)}
    for name in ("leads.csv", "activities.csv"):
        r = cli(e, "import", str(tmp_path / name))
        assert r.exit_code == 0, r.output
    return e


def cli(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app, ["--db", env["db"], "--agreements", env["agreements"], *args], env={"COLUMNS": "200"}
    )


COMMANDS = {
    "report": ["report", "--month", "2024-05", "--as-of", "2024-06-03T09:00"],
    "report --rep": ["report", "--month", "2024-05", "--rep", REP, "--as-of", "2024-06-03T09:00"],
    "leaderboard": ["leaderboard", "--month", "2024-05", "--as-of", "2024-06-03T09:00"],
    "status": ["status", "--rep", REP, "--as-of", "2024-05-06T10:00"],
    "explain": ["explain", "A1", "--as-of", "2024-06-03T09:00"],
    "whatif": ["whatif", "{dir}/draft.yaml", "--month", "2024-05", "--as-of", "2024-05-06T10:00"],
    "report markdown": [
        "report",
        "--month",
        "2024-05",
        "--as-of",
        "2024-06-03T09:00",
        "--format",
        "markdown",
    ],  # fmt: skip
}


@pytest.mark.parametrize("command", COMMANDS)
def test_markup_and_escapes_in_the_data_print_as_written(env: dict[str, str], command: str) -> None:
    args = [a.format(dir=env["dir"]) for a in COMMANDS[command]]
    r = cli(env, *args)
    assert r.exit_code == 0, r.output
    assert REP in r.stdout  # the name as written, not a closing tag
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", r.stdout), repr(r.stdout)
    if command in ("status", "explain"):
        assert COMPANY in r.stdout  # markup shown, not applied (no bold, no link)
    if command == "explain":
        assert "[2Jwiped ]8;;https://evil.example\\link]8;;\\ 31mevil" in r.stdout


def test_styles_of_our_own_survive_and_markup_is_never_read() -> None:
    from io import StringIO

    from rich.console import Console

    out = StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=80)
    console.print(text("[bold]x[/bold] \x1b[31m", style="red"))
    assert out.getvalue() == "\x1b[31m[bold]x[/bold] [31m\x1b[0m\n"


def test_clean_keeps_newlines_and_text() -> None:
    assert clean("a\tb\nc\x00d\x07\u2066é") == "a b\ncdé"
    assert clean(None) == ""


def test_every_renderer_builds_tables_and_text_through_the_helper() -> None:
    render = Path(__file__).parents[2] / "src" / "slactl" / "render"
    for path in render.glob("*.py"):
        if path.name == "safe.py":
            continue
        source = path.read_text()
        assert not re.search(r"\b(Table|Text)\(", source), f"{path.name} builds Rich text itself"


def test_the_digest_dry_run_prints_no_escapes(env: dict[str, str]) -> None:
    r = cli(env, "digest", "--week", "2024-W19", "--as-of", "2024-05-06T10:00", "--dry-run",
            "--to", "a@acme.example", "--from", "sla@acme.example")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert COMPANY in r.stdout  # the company, as written, less its escape
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", r.stdout), repr(r.stdout)
