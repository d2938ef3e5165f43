# ruff: noqa: E501  (golden tables are wider than a line of code)
"""`slactl report`, `status`, `explain` and `leaderboard` through the CLI: exit codes, exact
messages, and the rendered tables at a fixed width.

Calendar: America/New_York, Mon-Fri 09:00-17:00, US holidays; the agreement starts on
1 May 2024, so April has none. ft = first touch within 4 business hours (warn 1 business
hour); disp = disposition within 10 business days.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app
from tests.conftest import subcommands

AGREEMENT = """\
slactl: 1
name: cli
title: CLI SLA
period: {start: 2024-05-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
  holidays: {country: US}
definitions:
  mql: {score: ">= 60"}
  touch_kinds: [call, email]
commitments:
  sales:
    - {id: ft, activity: First touch, measure: first_touch, within: 4 business hours,
       warn: 1 business hour, target: 90%}
    - {id: disp, activity: Disposition, measure: disposition, within: 10 business days,
       target: 95%}
points: {met: 10, breached: -5}
"""

LEADS = """\
external_id,email,owner,score,created_at
A1,a1@example.com,alice,70,2024-05-06T09:00
A2,a2@example.com,alice,70,2024-05-03T16:30
A3,a3@example.com,alice,70,2024-05-20T09:00
B1,b1@example.com,bob,70,2024-05-07T09:00
N1,n1@example.com,bob,20,2024-05-07T09:00
X1,x1@example.com,carol,70,2024-04-29T10:00
"""

ACTIVITIES = """\
lead,kind,rep,at,outcome,note
A1,call,alice,2024-05-06T10:00,,
A1,disposition,alice,2024-05-07T10:00,qualified,
A2,call,alice,2024-05-06T12:31,,
B1,call,bob,2024-05-07T15:00,,
B1,disposition,bob,2024-05-08T10:00,disqualified,
"""
# ft: A1 met (10:00 <= 13:00); A2 breached (Fri 16:30 + 4 bh = Mon 12:30, call 12:31);
#     A3 no touch (due Mon 05-20 13:00); B1 breached (due 13:00, call 15:00).
# disp: A1, B1 met; A2 due Fri 05-17 16:30 (10 working days after Fri 05-03);
#     A3 due Tue 06-04 09:00 (05-21..24, 05-28..31, 06-03, 06-04: Memorial Day skipped).


def cli(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app, ["--db", env["db"], "--agreements", env["agreements"], *args], env={"COLUMNS": "100"}
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "cli.yaml").write_text(AGREEMENT)
    (tmp_path / "leads.csv").write_text(LEADS)
    (tmp_path / "activities.csv").write_text(ACTIVITIES)
    e = {"db": str(tmp_path / "ledger.db"), "agreements": str(agreements)}
    for name in ("leads.csv", "activities.csv"):
        r = cli(e, "import", str(tmp_path / name))
        assert r.exit_code == 0, r.output
    return e


def test_report_json_and_the_lead_with_no_agreement(env: dict[str, str]) -> None:
    r = cli(env, "report", "--from", "2024-04-29", "--to", "2024-05-31", "--as-of",
            "2024-06-03T09:00", "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.stderr == (
        "warning: 1 lead starting 2024-04-29 skipped: no agreement is in effect then (add one"
        " whose period covers those dates)\n"
    )
    got = json.loads(r.stdout)
    assert got["period"] == {"start": "2024-04-29", "end": "2024-05-31"}
    assert [(c["id"], c["met"], c["breached"], c["pending"], c["compliance"], c["passed"])
            for c in got["commitments"]] == [
        ("ft", 1, 3, 0, 0.25, False),
        ("disp", 2, 1, 1, 0.6667, False),
    ]  # fmt: skip
    assert got["reps"] == [
        {"rep": "alice", "commitments": {"ft": {"met": 1, "breached": 2, "pending": 0},
                                         "disp": {"met": 1, "breached": 1, "pending": 1}},
         "points": 2 * 10 - 3 * 5},
        {"rep": "bob", "commitments": {"ft": {"met": 0, "breached": 1, "pending": 0},
                                       "disp": {"met": 1, "breached": 0, "pending": 0}},
         "points": 10 - 5},
    ]  # fmt: skip
    # leads created May 1-31 (A1, A2, A3, B1, N1): the April one is outside the agreement
    # but inside the period, so it is counted as created
    assert got["funnel"] == {
        "leads": 6,
        "mql": 4,
        "sql": 1,
        "disqualified": 1,
        "nurture": 0,
        "recycled": 0,
        "opportunities": 0,
        "won": 0,
        "pipeline": 0,
        "won_amount": 0,
        "rates": {"mql_to_sql": 0.25, "sql_to_opportunity": 0.0, "opportunity_to_won": None},
        "median_sales_cycle_days": None,
    }


def test_fail_on_breach_and_bad_input(env: dict[str, str]) -> None:
    r = cli(env, "report", "--month", "2024-05", "--as-of", "2024-06-03T09:00",
            "--fail-on-breach", "--format", "csv")  # fmt: skip
    assert r.exit_code == 1 and r.stderr == "below target: ft, disp\n"
    r = cli(env, "report", "--month", "2024-05", "--rep", "alicia")
    assert r.exit_code == 2
    assert r.stderr == "Error: no rep 'alicia' in the ledger; did you mean 'alice'?\n"
    r = cli(env, "report", "--month", "2024-13")
    assert (r.exit_code, r.stderr) == (2, "Error: --month '2024-13': use YYYY-MM, e.g. 2024-05\n")
    r = cli(env, "report", "--month", "2024-04")
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: no agreement covers 2024-04 (2024-04-01..2024-04-30): add one whose period"
        " includes it\n"
    )
    r = cli(env, "report", "--month", "2024-05", "--format", "pdf")
    assert r.exit_code == 2 and "'pdf' is not one of" in r.stderr
    r = cli(env, "report", "--month", "2024-05", "--as-of", "yesterday")
    assert r.exit_code == 2 and r.stderr.startswith("Error: --as-of: cannot read time")


def test_report_table(env: dict[str, str]) -> None:
    r = cli(env, "report", "--month", "2024-05", "--as-of", "2024-06-03T09:00", "--rep", "bob")
    assert r.exit_code == 0, r.output
    assert [line.rstrip() for line in r.stdout.splitlines()] == [
        'CLI SLA — 2024-05 — bob',
        '',
        ' Commitment          Target  Met  Breached  Pending  At risk   Compliance',
        ' ' + '─' * 72,
        ' ft                     90%    0         1        0        0    0.0% FAIL',
        ' Sales: First touch',
        ' disp                   95%    1         0        0        0  100.0% pass',
        ' Sales: Disposition',
        '',
        'Funnel',
        '',
        '  Leads   MQL   SQL   Disqualified   Nurture',
        ' ────────────────────────────────────────────',
        '      2     1     0              1         0',
        '',
        'Reps (sales commitments)',
        '',
        '  Rep   Met   Breached   Pending   Compliance   Points',
        ' ──────────────────────────────────────────────────────',
        '  bob     1          1         0        50.0%        5',
        '',
        'as of 2024-06-03T09:00-04:00; agreement cli',
    ]  # fmt: skip


def test_status_json(env: dict[str, str]) -> None:
    r = cli(env, "status", "--rep", "alice", "--as-of", "2024-05-20T12:30", "--format", "json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert got["open"] == [
        # by deadline (the table puts the most urgent first).
        # A2's disposition was due Fri 05-17 16:30: 30 min Fri + 3 h 30 Mon = 4 h late
        {"lead": "A2", "company": None, "commitment": "disp",
         "deadline": "2024-05-17T16:30:00-04:00", "business_minutes_left": -240,
         "state": "overdue"},
        # A3: first touch due 13:00, 30 business minutes left, within the warn hour
        {"lead": "A3", "company": None, "commitment": "ft",
         "deadline": "2024-05-20T13:00:00-04:00", "business_minutes_left": 30,
         "state": "at_risk"},
        # A3: disposition due Tue 06-04 09:00: 4 h 30 today + 9 working days of 8 h
        {"lead": "A3", "company": None, "commitment": "disp",
         "deadline": "2024-06-04T09:00:00-04:00", "business_minutes_left": 270 + 9 * 480,
         "state": "due"},
    ]  # fmt: skip
    month = {c["id"]: (c["met"], c["breached"], c["pending"]) for c in got["month"]["commitments"]}
    assert month == {"ft": (1, 1, 1), "disp": (1, 1, 1)}


@pytest.mark.parametrize("format_", ["json", "table"])
def test_status_imports_only_what_it_prints_with(env: dict[str, str], format_: str) -> None:
    """Start-up is a feature: ``status`` builds only its own command, and imports neither
    the team module without a team.yaml nor csv and html; the JSON prints without Rich
    and without the report's formatters."""
    code = (
        "import sys\nimport typer.main\nfrom slactl.cli import main\n"
        "built, build = [], typer.main.get_command_from_info\n"
        "def counted(*args, **kw):\n"
        "    built.append((args[0] if args else kw['command_info']).callback.__name__)\n"
        "    return build(*args, **kw)\n"
        "typer.main.get_command_from_info = counted\n"
        f"sys.argv = ['slactl', '--db', {env['db']!r}, '--agreements', {env['agreements']!r},"
        f" 'status', '--rep', 'alice', '--as-of', '2024-05-20T12:30', '--format', {format_!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m in ('csv', 'html', 'rich', 'slactl.agreement.team',"
        " 'slactl.render.report', 'slactl.render.safe')), built, file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rendered = ["rich", "slactl.render.report", "slactl.render.safe"] if format_ == "table" else []
    assert proc.stderr.splitlines()[-1] == f"{rendered} ['status']"


def test_status_table_and_unknown_rep(env: dict[str, str]) -> None:
    r = cli(env, "status", "--rep", "alice", "--as-of", "2024-05-20T12:30")
    assert r.exit_code == 0, r.output
    lines = [line.rstrip() for line in r.stdout.splitlines()]
    assert lines[0] == "alice: open leads as of Mon 2024-05-20 12:30 — 1 at risk, 1 overdue, 1 due"
    assert lines[4] == "│ A3   │ ft         │ Mon 05-20 13:00 │ 30m left      │ AT RISK │"
    assert lines[5] == "│ A2   │ disp       │ Fri 05-17 16:30 │ 4h00m late    │ OVERDUE │"
    assert lines[6] == "│ A3   │ disp       │ Tue 06-04 09:00 │ 76h30m left   │ due     │"
    r = cli(env, "status", "--rep", "alice", "--as-of", "2024-05-20T12:30", "--limit", "1")
    lines = [line.rstrip() for line in r.stdout.splitlines()]
    assert lines[4] == "│ A3   │ ft         │ Mon 05-20 13:00 │ 30m left      │ AT RISK │"
    assert lines[6] == "… and 2 more (--limit 0 shows them all)"
    r = cli(env, "status", "--rep", "zed", "--as-of", "2024-05-20T12:30")  # a new rep
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == (
        "zed: nothing open as of Mon 2024-05-20 12:30\n"
        "zed: no sales commitment measured in 2024-05 so far\n"
    )
    r = cli(env, "status", "--rep", "alcie")
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: no rep 'alcie' in the ledger; did you mean 'alice'?\n",
    )


def test_explain(env: dict[str, str]) -> None:
    r = cli(env, "explain", "a2@example.com", "--as-of", "2024-06-03T09:00")
    assert r.exit_code == 0, r.output
    text = " ".join(r.stdout.split())
    assert text.startswith("A2 owner alice (MQL; agreement cli; as of Mon 2024-06-03 09:00)")
    assert "│ Fri 2024-05-03 16:30 │ created │" in text
    assert "│ Mon 2024-05-06 12:31 │ call (touch) │ alice │" in text
    assert "│ ft │ Mon 2024-05-06 12:30 │ breached │" in text
    assert (
        "ft: first touch Mon 2024-05-06 12:31 came 1 business minute after the deadline"
        " Mon 2024-05-06 12:30: Fri 2024-05-03 16:30 + 4 business hours, the weekend skipped"
    ) in text
    assert (
        "disp: no disposition by the deadline Fri 2024-05-17 16:30: Fri 2024-05-03 16:30"
        " + 10 business days, 2 weekends skipped"
    ) in text
    r = cli(env, "explain", "nobody")
    assert r.exit_code == 2
    assert r.stderr == "Error: no lead 'nobody' in the ledger: check the external id or email\n"
    r = cli(env, "explain", "N1", "--as-of", "2024-06-03T09:00")
    assert r.exit_code == 0 and "not an MQL: no sales commitment applies" in r.stdout


def test_leaderboard(env: dict[str, str]) -> None:
    r = cli(env, "leaderboard", "--month", "2024-05", "--as-of", "2024-06-03T09:00")
    assert r.exit_code == 0, r.output
    assert [line.rstrip() for line in r.stdout.splitlines()] == [
        "Leaderboard — 2024-05",
        "┏━━━┳━━━━━━━┳━━━━━━━━┳━━━━━┳━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━┓",
        "┃ # ┃ Rep   ┃ Points ┃ Met ┃ Breached ┃ Pending ┃ Compliance ┃",
        "┡━━━╇━━━━━━━╇━━━━━━━━╇━━━━━╇━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━┩",
        "│ 1 │ bob   │      5 │   1 │        1 │       0 │      50.0% │",
        "│ 2 │ alice │      5 │   2 │        3 │       1 │      40.0% │",
        "└───┴───────┴────────┴─────┴──────────┴─────────┴────────────┘",
    ]  # fmt: skip


def test_docs_commands_lists_every_command() -> None:
    import typer.main

    text = (Path(__file__).resolve().parents[2] / "docs" / "commands.md").read_text()

    def walk(command, path=()):  # type: ignore[no-untyped-def]
        subs = subcommands(command)
        if not subs:
            yield " ".join(path)
        for name, sub in subs.items():
            yield from walk(sub, (*path, name))

    missing = [n for n in walk(typer.main.get_command(app)) if f"`slactl {n}" not in text]
    assert missing == []


def test_the_same_report_status_and_explain_on_postgresql(env: dict[str, str], pg_url: str) -> None:
    pg = {**env, "db": pg_url}
    folder = Path(env["db"]).parent
    for name in ("leads.csv", "activities.csv"):
        r = cli(pg, "import", str(folder / name))
        assert r.exit_code == 0, r.output
    for args in (
        ("report", "--from", "2024-04-29", "--to", "2024-05-31", "--as-of", "2024-06-03T09:00",
         "--format", "json"),
        ("report", "--month", "2024-05", "--rep", "alice", "--as-of", "2024-06-03T09:00",
         "--format", "csv"),
        ("status", "--rep", "alice", "--as-of", "2024-05-20T12:30", "--format", "json"),
        ("explain", "A2", "--as-of", "2024-06-03T09:00"),
    ):  # fmt: skip
        on_sqlite, on_pg = cli(env, *args), cli(pg, *args)
        assert on_pg.exit_code == 0, on_pg.output
        assert (on_pg.stdout, on_pg.stderr) == (on_sqlite.stdout, on_sqlite.stderr), args


def test_the_funnel_counts_only_leads_created_by_as_of(env: dict[str, str]) -> None:
    # as of Tue 05-07 08:00: A1 (05-06) and A2 (05-03) exist; A3, B1 and N1 do not yet
    r = cli(env, "report", "--month", "2024-05", "--as-of", "2024-05-07T08:00", "--format", "json")
    assert r.exit_code == 0, r.output
    funnel = json.loads(r.stdout)["funnel"]
    assert (funnel["leads"], funnel["mql"]) == (2, 2)
    r = cli(env, "report", "--month", "2024-05", "--as-of", "2024-06-03T09:00", "--format", "json")
    assert json.loads(r.stdout)["funnel"]["leads"] == 5  # X1 is April's


LATE_HANDOFFS = """\
external_id,email,owner,score,created_at,handed_off_at
H1,h1@example.com,alice,70,2024-05-20T10:00,2024-06-05T10:00
H2,h2@example.com,alice,70,2024-05-17T10:00,2024-06-05T10:00
"""


def test_a_lead_handed_off_after_as_of_counts_from_its_creation(
    env: dict[str, str], tmp_path: Path
) -> None:
    # H1: recorded handoff Wed 06-05, so as of Fri 05-31 it had not been handed off: its
    # clock started at its creation, Mon 05-20 10:00 (first touch due 14:00, none came;
    # disposition due Tue 06-04 10:00, Memorial Day skipped: pending). H2 was created in
    # the same way but has a handoff event on Tue 05-21 10:00, which is its clock start as
    # of 05-31 (first touch due 14:00: breached; disposition due Wed 06-05 10:00: pending).
    (tmp_path / "late.csv").write_text(LATE_HANDOFFS)
    (tmp_path / "late_acts.csv").write_text(
        "lead,kind,rep,at,outcome,note\nH2,handoff,dana,2024-05-21T10:00,,\n"
    )
    for name in ("late.csv", "late_acts.csv"):
        r = cli(env, "import", str(tmp_path / name))
        assert r.exit_code == 0, r.output
    r = cli(env, "report", "--month", "2024-05", "--as-of", "2024-05-31T09:00", "--format", "json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    # ft: A1 met; A2, A3, B1 (see ACTIVITIES), H1 and H2 breached.
    # disp: A1, B1 met; A2 breached; A3 (due 06-04 09:00), H1, H2 pending.
    assert [(c["id"], c["met"], c["breached"], c["pending"]) for c in got["commitments"]] == [
        ("ft", 1, 5, 0),
        ("disp", 2, 1, 3),
    ]
    assert got["funnel"]["mql"] == 6
    r = cli(env, "explain", "H1", "--as-of", "2024-05-31T09:00")
    assert r.exit_code == 0, r.output
    assert "Mon 2024-05-20 10:00" in r.stdout
    # as of 06-10 both were handed off on 06-05: June's cohort, not May's
    r = cli(env, "report", "--month", "2024-05", "--as-of", "2024-06-10T09:00", "--format", "json")
    assert json.loads(r.stdout)["funnel"]["mql"] == 4
    r = cli(env, "report", "--month", "2024-06", "--as-of", "2024-06-10T09:00", "--format", "json")
    assert json.loads(r.stdout)["funnel"]["mql"] == 2
