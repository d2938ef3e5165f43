"""`slactl init`, `agreement check`, `agreement show` and `deadline`, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app

ROOT = Path(__file__).resolve().parents[2]
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
    assert result.stderr == "ok: 1 agreement, 8 commitments, 0 warnings\n"


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
        f"2 errors, 0 warnings in {bad}",
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
        f"{a}:53: warning: cadence allows 5 gaps of 2 business days between touch 1 and touch"
        " 6, longer than the 5 business days disposition allows: a rep keeping to the cadence"
        " can breach disposition",
        f"{a}:60: warning: no MQL quota for 2024-03, 2024-04, 2024-05, 2024-06 … in"
        f" {tmp_path / 'quotas.yaml'}: mql-volume is not counted there",
        f"{a}:64: warning: marketing commitment sales-accepted measures first_touch, which"
        " sales controls: an SLA should bind only the party that controls the outcome",
        "ok: 1 agreement, 9 commitments, 4 warnings",
    ]


def test_check_malformed_yaml_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "a.yaml"
    bad.write_text("slactl: 1\nname: x\nperiod: {start: 2024-01-01, end: 2024-12-31\n")
    result = run("agreement", "check", agreements=str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{bad}:4: error: malformed YAML: expected ',' or '}}', but got '<stream end>';"
        " check indentation and quoting\n"
        f"1 error, 0 warnings in {tmp_path}\n"
    )


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
    db = tmp_path / "slactl.db"
    result = run("--db", str(db), "init", "--year", "2025", agreements=str(target))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"ledger ready: sqlite:///{db}",
        f"wrote {target / 'agreement.yaml'}",
        f"wrote {target / 'quotas.yaml'}",
        "next: edit the agreement, then run 'slactl agreement check'",
    ]
    assert db.is_file()
    checked = run("agreement", "check", agreements=str(target))
    assert checked.stderr == "ok: 1 agreement, 7 commitments, 0 warnings\n"
    shown = run("agreement", "show", "--on", "2025-06-01", agreements=str(target))
    assert "Service Level Agreement sla-2025, from 2025-01-01 to 2025-12-31" in shown.stdout
    before = (target / "agreement.yaml").read_text()
    again = run("--db", str(db), "init", agreements=str(target))
    assert again.exit_code == 2
    assert again.stderr == (
        f"Error: {target / 'agreement.yaml'} already exists: slactl init never overwrites;"
        " edit it\n"
    )
    assert (target / "agreement.yaml").read_text() == before


def test_init_refuses_when_only_the_quotas_exist(tmp_path: Path) -> None:
    (tmp_path / "quotas.yaml").write_text("mql_volume: {}\n")
    result = run("--db", str(tmp_path / "l.db"), "init", agreements=str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path / 'quotas.yaml'} already exists: slactl init never overwrites; edit it\n"
    )
    assert not (tmp_path / "agreement.yaml").exists()
    assert not (tmp_path / "l.db").exists()


def test_init_example_writes_the_example_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["--db", "slactl.db", "--agreements", "agreements", "init", "--example"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == "next: 'slactl import leads.csv', then activities.csv"
    for name in ("acme-2024.yaml", "quotas.yaml"):
        assert (tmp_path / "agreements" / name).read_bytes() == (
            ROOT / "agreements" / name
        ).read_bytes()
    for name in ("leads.csv", "activities.csv"):
        assert (tmp_path / name).read_bytes() == (ROOT / "examples" / name).read_bytes()
    draft = run("agreement", "diff", "agreements/acme-2024.yaml", "draft.yaml")
    assert draft.stdout == "speed-to-lead: within 4 business hours → 2 business hours\n"
    again = CliRunner().invoke(app, ["--db", "slactl.db", "init", "--example"])
    assert again.exit_code == 2
    assert again.stderr == (
        "Error: agreements/acme-2024.yaml already exists: slactl init never overwrites; edit it\n"
    )


def test_init_example_and_year_exclude_each_other(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "l.db"), "init", "--example", "--year", "2025")
    assert result.exit_code == 2
    assert result.stderr == "Error: --example covers 2024; --year is for the starter agreement\n"
    assert not (tmp_path / "l.db").exists()


def test_starter_agreement_keeps_state_holidays_open(tmp_path: Path) -> None:
    # few sales teams close for New York's Election Day or Lincoln's Birthday
    from slactl.agreement.directory import load_agreements

    target = tmp_path / "agreements"
    assert (
        run(
            "--db", str(tmp_path / "l.db"), "init", "--year", "2024", agreements=str(target)
        ).exit_code
        == 0
    )
    calendar = load_agreements(target).agreements[0].calendar
    assert calendar.is_working_day(date(2024, 11, 5))  # Election Day
    assert calendar.is_working_day(date(2024, 2, 12))  # Lincoln's Birthday (observed)
    assert not calendar.is_working_day(date(2024, 7, 4))


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


TINY = """\
slactl: 1
name: tiny
title: Tiny SLA
period: {start: 2024-01-01, end: 2024-12-31}
signatories:
  marketing: {name: Dana Ruiz, signed: 2023-12-18}
calendar:
  timezone: Europe/Berlin
  hours:
    mon-thu: "08:30-12:00, 13:00-17:30"
    fri: "08:30-12:00"
  holidays: {country: DE, subdivision: BY, add: [2024-12-24], remove: [2024-08-15]}
commitments:
  sales:
    - id: speed
      activity: First touch on every [new] MQL
      measure: first_touch
      within: 2 business hours
      target: 90%
  shared:
    - id: review
      measure: review_meeting
      every: 2 weeks
      target: 100%
"""


GOLDEN = """\
Tiny SLA
Service Level Agreement tiny, from 2024-01-01 to 2024-12-31

Sales service level agreements
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┓
┃ Activity                       ┃ Timeframe               ┃ Target ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━┩
│ First touch on every [new] MQL │ within 2 business hours │    90% │
└────────────────────────────────┴─────────────────────────┴────────┘

Sales and Marketing service level agreements
┏━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━┓
┃ Activity ┃ Timeframe     ┃ Target ┃
┡━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━┩
│ review   │ every 2 weeks │   100% │
└──────────┴───────────────┴────────┘

We, the undersigned, hereby commit to this SLA for the following time period:
2024-01-01 to 2024-12-31
Signed
┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━┓
┃ Contact           ┃ Name      ┃ Date       ┃
┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━┩
│ Marketing contact │ Dana Ruiz │ 2023-12-18 │
│ Sales contact     │ —         │ —          │
└───────────────────┴───────────┴────────────┘

Business calendar, time zone Europe/Berlin
┏━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ Day       ┃ Working hours            ┃
┡━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ Monday    │ 08:30-12:00, 13:00-17:30 │
│ Tuesday   │ 08:30-12:00, 13:00-17:30 │
│ Wednesday │ 08:30-12:00, 13:00-17:30 │
│ Thursday  │ 08:30-12:00, 13:00-17:30 │
│ Friday    │ 08:30-12:00              │
│ Saturday  │ closed                   │
│ Sunday    │ closed                   │
└───────────┴──────────────────────────┘

Next 10 holidays from 2024-08-01 to 2024-12-31 (DE-BY)
┏━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ Date           ┃ Holiday                 ┃
┡━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ Thu 2024-10-03 │ German Unity Day        │
│ Fri 2024-11-01 │ All Saints' Day         │
│ Tue 2024-12-24 │ Company day off         │
│ Wed 2024-12-25 │ Christmas Day           │
│ Thu 2024-12-26 │ Second Day of Christmas │
└────────────────┴─────────────────────────┘
"""


def test_show_golden(tmp_path: Path) -> None:
    from io import StringIO

    from rich.console import Console

    from slactl.agreement.loader import load_agreement_text
    from slactl.render.agreement import render_agreement

    a = load_agreement_text(TINY, tmp_path / "tiny.yaml")
    out = StringIO()
    Console(file=out, width=100, color_system=None).print(render_agreement(a, date(2024, 8, 1)))
    assert out.getvalue() == GOLDEN


def test_show_without_an_agreement_in_effect_shows_the_latest() -> None:
    result = run("agreement", "show", "--on", "2030-01-01")
    assert result.exit_code == 0, result.output
    assert "Service Level Agreement acme-2024, from 2024-01-01 to 2024-12-31" in result.stdout
    # none listed: the agreement ended before that day
    text = result.stdout.split("Next 10 holidays from 2030-01-01 to 2024-12-31 (US-NY)\n")[1]
    rows = [[c.strip() for c in line.split("│")[1:3]] for line in text.splitlines() if "│" in line]
    assert rows == [["—", "none"]]


def test_show_bad_date() -> None:
    result = run("agreement", "show", "--on", "May 1st")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --on: ")
    assert result.stderr.count("\n") == 1


def test_deadline_uses_the_zone_of_the_agreement_in_effect(tmp_path: Path) -> None:
    (tmp_path / "ny.yaml").write_text(
        "slactl: 1\nname: ny\nperiod: {start: 2024-01-01, end: 2024-06-30}\n"
        "calendar:\n  timezone: America/New_York\n  hours: {mon-fri: '09:00-17:00'}\n"
    )
    (tmp_path / "berlin.yaml").write_text(
        "slactl: 1\nname: berlin\nperiod: {start: 2024-07-01, end: 2024-12-31}\n"
        "calendar:\n  timezone: Europe/Berlin\n  hours: {mon-fri: '09:00-17:00'}\n"
    )
    d = str(tmp_path)
    assert run("deadline", "2024-05-03T16:30", "4 business hours", agreements=d).stdout == (
        "2024-05-06T12:30:00-04:00\n"
    )
    # Friday 2024-07-05 16:30 is Berlin time under the second agreement
    assert run("deadline", "2024-07-05T16:30", "4 business hours", agreements=d).stdout == (
        "2024-07-08T12:30:00+02:00\n"
    )
    # an instant with an offset picks the agreement by its local date there:
    # 2024-07-01T02:00Z is still June 30 in New York
    assert run("deadline", "2024-07-01T02:00Z", "1 business hour", agreements=d).stdout == (
        "2024-07-01T10:00:00-04:00\n"
    )


BAD_AGREEMENTS = [
    (
        ('    mon-fri: "09:00-17:00"', '    mon-fri: ["09:00-17:00"'),
        "13: malformed YAML: expected ',' or ']', but got '<scalar>';"
        " check indentation and quoting",
    ),
    (
        ("      within: 4 business hours", "      withn: 4 business hours"),
        "32: unknown key 'withn' in commitment speed-to-lead; did you mean 'within'?",
    ),
    (
        ("within: 4 business hours", "within: 4 bussiness hours"),
        "32: commitment speed-to-lead within: bad duration '4 bussiness hours': write"
        " '<n> <unit>' with unit business minutes|hours|days or minutes|hours|days|weeks,"
        " e.g. '4 business hours'",
    ),
    (
        ("America/New_York", "America/New_Yrok"),
        "10: unknown time zone 'America/New_Yrok': use an IANA name such as America/New_York",
    ),
    (
        ("country: US", "country: UX"),
        "14: unknown holiday country 'UX': use an ISO 3166 code such as US, GB or DE",
    ),
    (
        ('"09:00-17:00"', '"17:00-09:00"'),
        "12: impossible working hours '17:00-09:00': a span must close after it opens"
        " (spans cannot cross midnight)",
    ),
]


def _bad_agreements(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "agreements" / "acme-2024.yaml").read_text()
    assert old in text
    (tmp_path / "acme-2024.yaml").write_text(text.replace(old, new, 1))
    (tmp_path / "quotas.yaml").write_text((ROOT / "agreements" / "quotas.yaml").read_text())
    return tmp_path / "acme-2024.yaml"


@pytest.mark.parametrize(("change", "message"), BAD_AGREEMENTS)
def test_bad_agreement_is_one_line_error(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = _bad_agreements(tmp_path, *change)
    for args in (["deadline", "2024-05-03T16:30", "1 day"], ["agreement", "show"]):
        result = run(*args, agreements=str(tmp_path))
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == f"Error: {path}:{message}\n"
    checked = run("agreement", "check", agreements=str(tmp_path))
    assert checked.exit_code == 2
    assert f"{path}:{message.replace(': ', ': error: ', 1)}" in checked.stderr.splitlines()


@pytest.mark.slow  # (the installed binary, once per bad file: the full suite runs it)
def test_bad_agreements_through_the_installed_binary(tmp_path: Path) -> None:
    for i, (change, message) in enumerate(BAD_AGREEMENTS):
        directory = tmp_path / str(i)
        directory.mkdir()
        path = _bad_agreements(directory, *change)
        proc = subprocess.run(
            [str(SLACTL), "--agreements", str(directory), "deadline", "2024-05-03T16:30", "1 day"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert (proc.returncode, proc.stdout, proc.stderr) == (
            2,
            "",
            f"Error: {path}:{message}\n",
        )


def test_readme_deadline_through_the_installed_binary() -> None:
    proc = subprocess.run(
        [str(SLACTL), "--agreements", BUNDLED, "deadline", "2024-05-03T16:30", "4 business hours"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "2024-05-06T12:30:00-04:00\n", "")


def test_show_names_pausable_deadlines_pauses_and_reasons(tmp_path: Path) -> None:
    # the sheet both sides sign said "within 4 business hours" of a deadline that pauses
    # move, and nothing of the pauses a lead may take or the reasons a disposition gives
    body = (ROOT / "agreements" / "acme-2024.yaml").read_text()
    body = body.replace(
        "  outcomes: [qualified, disqualified, nurture]\n",
        "  outcomes: [qualified, disqualified, nurture]\n"
        "  reasons: {disqualified: [no-budget, student]}\n"
        "  pauses: {reasons: [callback-requested, out-of-office], max: 3 business days}\n",
    ).replace(
        "      warn: 1 business hour\n", "      warn: 1 business hour\n      pausable: true\n", 1
    )
    (tmp_path / "acme-2024.yaml").write_text(body)
    (tmp_path / "quotas.yaml").write_text((ROOT / "agreements" / "quotas.yaml").read_text())
    result = CliRunner().invoke(
        app,
        ["--agreements", str(tmp_path), "agreement", "show", "--on", "2024-05-01"],
        env={"COLUMNS": "100"},
    )
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[lines.index("Sales service level agreements") + 4 :][:3] == [
        "│ First touch on every new MQL               │ within 4 business hours, paused time not   │    90% │",  # noqa: E501
        "│                                            │ counted                                    │        │",  # noqa: E501
        "│ First touch on enterprise MQLs             │ within 1 business hour                     │    95% │",  # noqa: E501
    ]
    start = lines.index("Pauses and reasons")
    assert lines[start : start + 3] == [
        "Pauses and reasons",
        "A lead may be paused for: callback-requested, out-of-office; each at most 3 business days.",  # noqa: E501
        "A disposition 'disqualified' gives one of: no-budget, student.",
    ]
    # the stock agreement has neither: no such section
    assert "Pauses and reasons" not in run("agreement", "show", "--on", "2024-05-01").stdout
