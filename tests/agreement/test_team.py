"""team.yaml (SPEC 8.1): loading, lint with file and line, and ``calendar: owner``
deadlines worked by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slactl.agreement.directory import load_agreements
from slactl.agreement.lint import lint
from slactl.compliance.engine import evaluate_lead
from slactl.errors import AgreementError
from slactl.records import Event, Lead, LeadHistory

NY = ZoneInfo("America/New_York")

AGREEMENT = """\
slactl: 1
name: acme-2024
title: Acme
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
definitions:
  touch_kinds: [call, email]
  outcomes: [qualified, disqualified, nurture]
commitments:
  sales:
    - id: speed-to-lead
      measure: first_touch
      within: 4 business hours
      calendar: owner
      target: 90%
    - id: speed-plain
      measure: first_touch
      within: 4 business hours
      target: 90%
"""

TEAM = """\
reps:
  alice: {name: Alice Ng, email: alice@example.com, team: east, timezone: America/New_York,
          hours: {mon-fri: "08:00-16:00"}, away: [2024-05-13..2024-05-17, 2024-07-05]}
  bob:   {name: Bob Ruiz, email: bob@example.com, team: west, timezone: America/Los_Angeles}
teams:
  east: {manager: maria@example.com, webhook: https://hooks.example.com/T0/B0/east}
  west: {manager: li@example.com}
"""


def directory(tmp_path: Path, team: str = TEAM) -> Path:
    (tmp_path / "acme.yaml").write_text(AGREEMENT)
    (tmp_path / "team.yaml").write_text(team)
    return tmp_path


def deadline(tmp_path: Path, history: LeadHistory, as_of: datetime, cid: str) -> datetime:
    agreement = load_agreements(directory(tmp_path)).agreements[0]
    (o,) = [o for o in evaluate_lead(agreement, history, as_of) if o.commitment_id == cid]
    assert o.deadline is not None
    return o.deadline.astimezone(NY)


def lead(owner: str, handoff: datetime, *events: Event) -> LeadHistory:
    return LeadHistory(Lead("L1", handoff, owner=owner, handed_off_at=handoff), tuple(events))


def test_team_loads_with_the_agreements(tmp_path: Path) -> None:
    agreements = load_agreements(directory(tmp_path))
    team = agreements.team
    assert team is not None and agreements.agreements[0].team is team
    assert team.reps["alice"].email == "alice@example.com"
    assert len(team.reps["alice"].away) == 6  # five days of May and July 5
    assert team.manager_of("bob") == "li@example.com"
    assert team.team_of("alice") is not None and team.team_of("carol") is None


def test_los_angeles_rep_on_a_new_york_agreement(tmp_path: Path) -> None:
    # handed off Monday 10:00 New York = 07:00 Los Angeles: bob's clock starts at his
    # 09:00 (12:00 New York), four hours later is 13:00 LA = 16:00 New York
    h = lead("bob", datetime(2024, 5, 6, 10, 0, tzinfo=NY))
    as_of = datetime(2024, 5, 6, 10, 30, tzinfo=NY)
    assert deadline(tmp_path, h, as_of, "speed-to-lead") == datetime(2024, 5, 6, 16, 0, tzinfo=NY)
    assert deadline(tmp_path, h, as_of, "speed-plain") == datetime(2024, 5, 6, 14, 0, tzinfo=NY)


def test_a_rep_away_for_a_week(tmp_path: Path) -> None:
    # alice works 08:00-16:00; Friday May 10 14:00 leaves 2 h that day, she is away
    # May 13-17, so the other 2 h are Monday May 20 08:00-10:00
    h = lead("alice", datetime(2024, 5, 10, 14, 0, tzinfo=NY))
    as_of = datetime(2024, 5, 10, 15, 0, tzinfo=NY)
    assert deadline(tmp_path, h, as_of, "speed-to-lead") == datetime(2024, 5, 20, 10, 0, tzinfo=NY)
    assert deadline(tmp_path, h, as_of, "speed-plain") == datetime(2024, 5, 13, 10, 0, tzinfo=NY)


def test_reassigned_after_the_clock_started_keeps_the_first_owners_calendar(
    tmp_path: Path,
) -> None:
    # alice held it at the handoff (Monday 10:00): 10:00 + 4 h on 08:00-16:00 = 14:00; bob
    # took it at 11:00, and on his calendar it would be 16:00 New York
    start = datetime(2024, 5, 6, 10, 0, tzinfo=NY)
    moved = Event("reassign", datetime(2024, 5, 6, 11, 0, tzinfo=NY), rep="bob", from_rep="alice")
    h = lead("bob", start, moved)
    as_of = datetime(2024, 5, 6, 12, 0, tzinfo=NY)
    assert deadline(tmp_path, h, as_of, "speed-to-lead") == datetime(2024, 5, 6, 14, 0, tzinfo=NY)


def test_explain_says_whose_calendar(tmp_path: Path) -> None:
    agreement = load_agreements(directory(tmp_path)).agreements[0]
    h = lead("bob", datetime(2024, 5, 6, 10, 0, tzinfo=NY))
    (o,) = [
        o
        for o in evaluate_lead(agreement, h, datetime(2024, 5, 6, 10, 30, tzinfo=NY))
        if o.commitment_id == "speed-to-lead"
    ]
    assert o.reason.endswith(
        "; on bob's calendar (America/Los_Angeles, the agreement's hours),"
        " the owner at the clock start"
    )


@pytest.mark.parametrize(
    ("team", "line", "message"),
    [
        (
            "reps:\n  alice: {email: a@example.com, teem: east}\n",
            2,
            "unknown key 'teem' in rep alice; did you mean 'team'?",
        ),
        (
            "reps:\n  alice: {timezone: Mars/Olympus}\n",
            2,
            "rep alice: unknown time zone 'Mars/Olympus': use an IANA name such as"
            " America/New_York",
        ),
        (
            "reps:\n  alice: {team: [east, west]}\nteams:\n  east: {}\n  west: {}\n",
            2,
            "rep alice is in 2 teams: a rep has one team",
        ),
        (
            "teams:\n  east: {manager: Maria}\n",
            2,
            "team east manager 'Maria' has no email: give an address, or a rep with an email",
        ),
        (
            "reps:\n  alice:\n    away: [2024-05-17..2024-05-13]\n",
            3,
            "rep alice away range 2024-05-17..2024-05-13 ends before it starts: swap its dates",
        ),
        (
            "reps:\n  alice: {team: north}\n",
            2,
            "rep alice team 'north' is not under 'teams': add it",
        ),
        (
            'reps:\n  alice:\n    hours: {mon-fri: "17:00-09:00"}\n',
            3,
            None,
        ),
    ],
)
def test_lint_names_file_and_line(
    tmp_path: Path, team: str, line: int, message: str | None
) -> None:
    d = directory(tmp_path, team)
    errors = [m for m in lint(d) if m.level == "error"]
    assert len(errors) == 1
    assert errors[0].path == d / "team.yaml" and errors[0].line == line
    if message is not None:
        assert errors[0].text == message
    with pytest.raises(AgreementError, match=rf"team\.yaml:{line}: "):
        load_agreements(d)


def test_the_example_team_lints_clean(tmp_path: Path) -> None:
    assert lint(directory(tmp_path)) == []


def test_team_yaml_is_not_read_as_an_agreement(tmp_path: Path) -> None:
    assert len(load_agreements(directory(tmp_path)).agreements) == 1


@pytest.mark.parametrize("name", ["team.yaml", "quotas.yaml"])
def test_checking_team_yaml_by_its_path_checks_it_as_team_yaml(tmp_path: Path, name: str) -> None:
    # `slactl agreement check agreements/team.yaml` read it as an agreement: five errors
    # ('calendar' is missing, unknown key 'reps', …) for a team file with none
    from typer.testing import CliRunner

    from slactl.cli import app

    d = directory(tmp_path)
    (d / "quotas.yaml").write_text("mql_volume:\n  2024-05: 35\n")
    done = CliRunner().invoke(app, ["agreement", "check", str(d / name)])
    assert (done.exit_code, done.stderr) == (0, "ok: 1 agreement, 2 commitments, 0 warnings\n")
    (d / "team.yaml").write_text("reps:\n  alice: {team: north}\n")
    done = CliRunner().invoke(app, ["agreement", "check", str(d / name)])
    assert (done.exit_code, done.stderr) == (
        2,
        f"{d / 'team.yaml'}:2: error: rep alice team 'north' is not under 'teams': add it\n"
        f"1 error, 0 warnings in {d / name}\n",
    )


def test_agreement_show_lists_the_team(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from slactl.cli import app

    d = directory(tmp_path)
    done = CliRunner().invoke(
        app, ["--agreements", str(d), "agreement", "show", "--on", "2024-05-06"]
    )
    assert done.exit_code == 0, done.output
    assert "Team (team.yaml)" in done.output
    assert "│ alice " in done.output and "│ bob " in done.output


def test_reps_in_team_yaml_are_known_reps(tmp_path: Path) -> None:
    import shutil

    from typer.testing import CliRunner

    from slactl.cli import app

    root = Path(__file__).resolve().parents[2]
    d = tmp_path / "agreements"
    shutil.copytree(root / "agreements", d)
    (d / "team.yaml").write_text("reps:\n  frank: {email: frank@example.com}\n")
    db = str(tmp_path / "slactl.db")

    def cli(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, ["--db", db, "--agreements", str(d), *args])

    assert cli("import", str(root / "examples" / "leads.csv")).exit_code == 0
    at = ["--at", "2024-05-29T11:00"]
    done = cli("log", "L-0044", "call", "--rep", "frank", *at)
    assert done.exit_code == 0, done.output  # no --new-rep needed: team.yaml names frank
    done = cli("log", "L-0044", "call", "--rep", "frnak", *at)
    assert done.exit_code == 2
    assert "did you mean 'frank'?" in done.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      calendar: owner\n",
            "      calendar: rep\n",
            "acme.yaml:16: commitment speed-to-lead calendar takes 'owner' (the owner's"
            " calendar) or is left out",
        ),
        (
            "      calendar: owner\n",
            "      escalate: [{after: 1 business fortnight, to: manager}]\n",
            "acme.yaml:16: commitment speed-to-lead escalate after: ",
        ),
        (
            "      calendar: owner\n",
            "      escalate: [{after: 1 business day, to: the boss}]\n",
            "acme.yaml:16: commitment speed-to-lead escalate to 'the boss': use manager, rep"
            " or an address",
        ),
    ],
)
def test_calendar_and_escalate_keys_are_checked(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    (tmp_path / "acme.yaml").write_text(AGREEMENT.replace(old, new))
    with pytest.raises(AgreementError) as caught:
        load_agreements(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}/{message}")


def test_escalate_steps_are_read(tmp_path: Path) -> None:
    text = AGREEMENT.replace(
        "      calendar: owner\n",
        "      escalate:\n        - {after: 1 business day, to: manager}\n"
        "        - {after: 3 business days, to: head-of-sales@example.com}\n",
    )
    (tmp_path / "acme.yaml").write_text(text)
    c = load_agreements(tmp_path).agreements[0].commitment("speed-to-lead")
    assert [(str(e.after), e.to) for e in c.escalate] == [
        ("1 business day", "manager"),
        ("3 business days", "head-of-sales@example.com"),
    ]
    assert c.calendar is None
