"""`slactl init`, `agreement check`, `agreement show` and `deadline`, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app

ROOT = Path(__file__).resolve().parents[1]
SLACTL = Path(sys.executable).parent / "slactl"
BUNDLED = str(ROOT / "agreements")


def run(*args: str, agreements: str = BUNDLED):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--agreements", agreements, *args])


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        ("2024-05-03T16:30", "4 business hours", "2024-05-06T12:30:00-04:00"),
        ("2024-05-24T15:00", "1 business day", "2024-05-28T15:00:00-04:00"),
        ("2024-05-03T20:30Z", "4 business hours", "2024-05-06T12:30:00-04:00"),
        ("2024-03-09T13:00", "24 hours", "2024-03-10T14:00:00-04:00"),
        ("2024-05-06T10:00:30.5", "1 business hour", "2024-05-06T11:00:30.500000-04:00"),
    ],
)
def test_deadline(start: str, duration: str, expected: str) -> None:
    result = run("deadline", start, duration)
    assert result.exit_code == 0, result.output
    assert result.stdout == expected + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["2024-05-03T16:30", "4 bussiness hours"],
            "Error: bad duration '4 bussiness hours': write '<n> <unit>' with unit business"
            " minutes|hours|days or minutes|hours|days|weeks, e.g. '4 business hours'\n",
        ),
        (
            ["next monday", "1 day"],
            "Error: cannot read time 'next monday': use ISO 8601 such as 2024-05-03T14:22"
            " or 2024-05-03T14:22-04:00\n",
        ),
        (
            ["2031-05-03T16:30", "1 day"],
            f"Error: no agreement in {BUNDLED} is in effect on 2031-05-03: add one whose period"
            " contains that date\n",
        ),
    ],
)
def test_deadline_bad_input(args: list[str], message: str) -> None:
    result = run("deadline", *args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_check_bundled_agreement() -> None:
    result = run("agreement", "check")
    assert result.exit_code == 0
    assert result.stderr == "ok: 1 agreement file(s), 0 warning(s)\n"


def test_check_reports_every_error_with_file_and_line(tmp_path: Path) -> None:
    text = (ROOT / "agreements" / "acme-2024.yaml").read_text()
    text = text.replace("within: 4 business hours", "within: 4 bussiness hours")
    text = text.replace("America/New_York", "Mars/Olympus")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = run("agreement", "check", str(bad), agreements=str(tmp_path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines == [
        f"{bad}:10: error: unknown time zone 'Mars/Olympus': use an IANA name such as"
        " America/New_York",
        f"{bad}:32: error: commitment speed-to-lead within: bad duration '4 bussiness hours':"
        " write '<n> <unit>' with unit business minutes|hours|days or minutes|hours|days|weeks,"
        " e.g. '4 business hours'",
        f"2 error(s), 0 warning(s) in {bad}",
    ]


def test_check_warnings_exit_zero(tmp_path: Path) -> None:
    text = (ROOT / "agreements" / "acme-2024.yaml").read_text()
    text = text.replace("within: 10 business days", "within: 5 business days")
    text = text.replace(
        "    - id: complete-handoff",
        "    - id: sales-accepted\n      activity: Leads accepted by sales\n"
        "      measure: first_touch\n      within: 1 business day\n      target: 50%\n"
        "    - id: complete-handoff",
    )
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "quotas.yaml").write_text("mql_volume:\n  2024-01: 20\n  2024-02: 20\n")
    result = run("agreement", "check", agreements=str(tmp_path))
    assert result.exit_code == 0, result.stderr
    a = tmp_path / "a.yaml"
    assert result.stderr.splitlines() == [
        f"{a}:41: warning: disposition asks for a disposition within 5 business days, but"
        " persistence keeps a lead open 10 business days before it may go back to marketing:"
        " both cannot be met for a returned lead",
        f"{a}:60: warning: no MQL quota for 2024-03, 2024-04, 2024-05, 2024-06 … in"
        f" {tmp_path / 'quotas.yaml'}: mql-volume is not counted there",
        f"{a}:64: warning: marketing commitment sales-accepted measures first_touch, which"
        " sales controls: an SLA should bind only the party that controls the outcome",
        "ok: 1 agreement file(s), 3 warning(s)",
    ]


def test_show_is_the_sign_off_template() -> None:
    result = run("agreement", "show", "--on", "2024-05-01")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Acme — Sales & Marketing SLA 2024" in out
    assert "from 2024-01-01 to 2024-12-31" in out
    for heading in (
        "Marketing service level agreements",
        "Sales service level agreements",
        "Sales and Marketing service level agreements",
    ):
        assert heading in out
    assert "within 4 business hours" in out
    assert "Memorial Day" in out and "Mon 2024-05-27" in out
    assert "Dana Ruiz" in out and "2023-12-18" in out
    assert "Saturday  │ closed" in out


def test_init_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "agreements"
    result = run("init", agreements=str(target))
    assert result.exit_code == 0
    assert (target / "agreement.yaml").is_file() and (target / "quotas.yaml").is_file()
    assert run("agreement", "check", agreements=str(target)).exit_code == 0
    again = run("init", agreements=str(target))
    assert again.exit_code == 2
    assert again.stderr == (
        f"Error: {target / 'agreement.yaml'} already exists: slactl init never overwrites;"
        " edit it\n"
    )


def test_installed_binary_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "a.yaml"
    bad.write_text("slactl: 1\nname: x\ncalendar:\n  timezone: [\n")
    env = {**os.environ, "SLACTL_AGREEMENTS": str(tmp_path)}
    proc = subprocess.run(
        [str(SLACTL), "deadline", "2024-05-03T16:30", "1 day"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"Error: {bad}:5: malformed YAML")
    assert "Traceback" not in proc.stderr
