"""`slactl agreement diff`: what changed between two agreements, one line per change."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from slactl.agreement.diff import diff_agreements
from slactl.agreement.loader import load_agreement_text
from slactl.cli import app

OLD = """\
slactl: 1
name: acme-2024
title: Acme SLA 2024
period: {start: 2024-01-01, end: 2024-12-31}
signatories:
  marketing: {name: Dana Ruiz, signed: 2023-12-18}
  sales: {name: Sam Okafor, signed: 2023-12-18}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
  holidays: {country: US, subdivision: NY, add: [2024-12-24]}
definitions:
  mql:
    any:
      - score: ">= 60"
      - source: [demo-request, contact-sales]
  touch_kinds: [call, email, meeting]
  outcomes: [qualified, disqualified, nurture]
commitments:
  sales:
    - {id: speed-to-lead, measure: first_touch, within: 4 business hours,
       warn: 1 business hour, target: 90%}
    - {id: disposition, measure: disposition, within: 10 business days, target: 95%}
    - {id: cadence, measure: touch_cadence, max_gap: 2 business days, until: 6, target: 90%}
  shared:
    - {id: weekly-review, measure: review_meeting, every: 1 week, target: 100%}
points: {met: 10, breached: -5}
"""


def diff(new: str, old: str = OLD) -> list[str]:
    return diff_agreements(load_agreement_text(old), load_agreement_text(new))


def test_identical_agreements_have_no_differences() -> None:
    assert diff(OLD) == []


def test_the_issue_example() -> None:
    new = (
        OLD.replace("within: 4 business hours", "within: 2 business hours")
        .replace(
            'hours: {mon-fri: "09:00-17:00"}', 'hours: {mon-fri: "09:00-17:00", sat: "10:00-14:00"}'
        )
        .replace(", add: [2024-12-24]", "")
        .replace("within: 10 business days, target: 95%", "within: 10 business days, target: 90%")
        .replace(
            "    - {id: cadence, measure: touch_cadence, max_gap: 2 business days, until: 6,", ""
        )
        .replace(" target: 90%}\n  shared:", "\n  shared:")
    )
    assert diff(new) == [
        "speed-to-lead: within 4 business hours → 2 business hours",
        "disposition: target 95% → 90%",
        "commitment cadence removed",
        "calendar: Saturday 10:00-14:00 added",
        "holiday 2024-12-24 removed",
    ]


def test_commitments_are_matched_by_id() -> None:
    new = OLD.replace(
        "    - {id: disposition, measure: disposition, within: 10 business days, target: 95%}\n",
        "",
    ).replace(
        "  shared:\n",
        "    - {id: speed-to-lead-ent, measure: first_touch, applies_to: {segment: enterprise},"
        " within: 1 business hour, target: 95%}\n"
        "    - {id: disposition, measure: disposition, within: 10 business days, target: 95%,"
        " activity: Qualify or return every MQL}\n"
        "  shared:\n",
    )
    assert diff(new) == [
        "commitment speed-to-lead-ent added (sales: first_touch, within 1 business hour)",
        "disposition: activity 'none' → 'Qualify or return every MQL'",
    ]


def test_commitment_terms() -> None:
    new = (
        OLD.replace("warn: 1 business hour, ", "")
        .replace("max_gap: 2 business days, until: 6", "max_gap: 3 business days, until: 4")
        .replace("every: 1 week", "every: 2 weeks")
        .replace(
            "id: disposition, measure: disposition,",
            "id: disposition, measure: disposition, applies_to: {segment: [smb, mid]},",
        )
    )
    assert diff(new) == [
        "speed-to-lead: warn 1 business hour → none",
        "disposition: applies to every MQL → segment in [smb, mid]",
        "cadence: max gap 2 business days → 3 business days; until 6 → 4",
        "weekly-review: every 1 week → 2 weeks",
    ]


def test_calendar() -> None:
    new = (
        OLD.replace("America/New_York", "America/Chicago")
        .replace(
            '{mon-fri: "09:00-17:00"}', '{mon-thu: "09:00-17:00", fri: "09:00-12:00, 13:00-16:00"}'
        )
        .replace(
            "subdivision: NY, add: [2024-12-24]",
            "subdivision: IL, add: [2024-12-24], remove: [2024-11-11]",
        )
    )
    assert diff(new) == [
        "calendar: time zone America/New_York → America/Chicago",
        "calendar: Friday 09:00-17:00 → 09:00-12:00, 13:00-16:00",
        "calendar: holiday subdivision NY → IL",
        "public holiday 2024-11-11 now worked",
    ]
    closed = OLD.replace('{mon-fri: "09:00-17:00"}', '{mon-thu: "09:00-17:00"}').replace(
        "{country: US, subdivision: NY, add: [2024-12-24]}",
        "{country: CA, add: [2024-12-24, 2024-12-31]}",
    )
    assert diff(closed) == [
        "calendar: Friday 09:00-17:00 removed",
        "calendar: public holidays US → CA",
        "calendar: holiday subdivision NY → none",
        "holiday 2024-12-31 added",
    ]


def test_definitions() -> None:
    new = (
        OLD.replace('score: ">= 60"', 'score: ">= 70"')
        .replace("[call, email, meeting]", "[call, email, sms]")
        .replace("[qualified, disqualified, nurture]", "[qualified, disqualified]")
    )
    old_mql = load_agreement_text(OLD).definitions.mql
    new_mql = load_agreement_text(new).definitions.mql
    assert old_mql is not None and new_mql is not None
    assert diff(new) == [
        f"mql definition: {old_mql.describe()} → {new_mql.describe()}",
        "touch kinds: sms added; meeting removed",
        "outcomes: nurture removed",
    ]
    assert "score >= 70" in new_mql.describe()


def test_period_points_title_signatories() -> None:
    new = (
        OLD.replace("name: acme-2024", "name: acme-2025")
        .replace("{start: 2024-01-01, end: 2024-12-31}", "{start: 2025-01-01, end: 2025-12-31}")
        .replace("points: {met: 10, breached: -5}", "points: {met: 10, breached: -10}")
        .replace("Acme SLA 2024", "Acme SLA 2025")
        .replace("sales: {name: Sam Okafor, signed: 2023-12-18}", "sales: {name: Lee Chan}")
        .replace("add: [2024-12-24]", "add: [2025-12-24]")
    )
    assert diff(new) == [
        "name: acme-2024 → acme-2025",
        "period: 2024-01-01..2024-12-31 → 2025-01-01..2025-12-31",
        "holiday 2025-12-24 added",
        "holiday 2024-12-24 removed",
        "points: met 10, breached -5 → met 10, breached -10",
        "title: 'Acme SLA 2024' → 'Acme SLA 2025'",
        "signatory sales: Sam Okafor, signed 2023-12-18 → Lee Chan, not signed",
    ]
    assert diff(OLD.replace("points: {met: 10, breached: -5}\n", "")) == [
        "points: met 10, breached -5 → none"
    ]


def test_cli_prints_one_change_a_line(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(OLD)
    b.write_text(OLD.replace("within: 4 business hours", "within: 2 business hours"))
    r = CliRunner().invoke(app, ["agreement", "diff", str(a), str(b)])
    assert (r.exit_code, r.stdout, r.stderr) == (
        0,
        "speed-to-lead: within 4 business hours → 2 business hours\n",
        "",
    )
    same = CliRunner().invoke(app, ["agreement", "diff", str(a), str(a)])
    assert (same.exit_code, same.stdout) == (0, "no changes\n")


def test_cli_invalid_draft_is_one_line_exit_2(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(OLD)
    b.write_text(OLD.replace("within: 4 business hours", "within: 4 hourz"))
    r = CliRunner().invoke(app, ["agreement", "diff", str(a), str(b)])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith(f"Error: {b}:21: ")
    assert r.stderr.count("\n") == 1
    missing = CliRunner().invoke(app, ["agreement", "diff", str(a), str(tmp_path / "no.yaml")])
    assert (missing.exit_code, missing.stderr) == (
        2,
        f"Error: {tmp_path / 'no.yaml'}: no such file\n",
    )


def test_terms_only_leaves_out_what_changes_no_outcome() -> None:
    # whatif applies the draft to the period asked about: its name, period, title and
    # signatories do not matter there
    new = (
        OLD.replace("name: acme-2024", "name: acme-2025")
        .replace("{start: 2024-01-01, end: 2024-12-31}", "{start: 2025-01-01, end: 2025-12-31}")
        .replace("Acme SLA 2024", "Acme SLA 2025")
        .replace("sales: {name: Sam Okafor, signed: 2023-12-18}", "sales: {name: Lee Chan}")
        .replace("target: 90%}", "target: 85%}", 1)
    )
    old_a, new_a = load_agreement_text(OLD), load_agreement_text(new)
    assert diff_agreements(old_a, new_a, terms_only=True) == ["speed-to-lead: target 90% → 85%"]
    assert len(diff_agreements(old_a, new_a)) == 5


def test_the_keys_of_a_leads_life_the_team_and_the_pipeline() -> None:
    # SPEC 7-9: pauses, reasons, time spent, the owner's calendar, escalations, currency
    base = OLD.replace(
        "  outcomes: [qualified, disqualified, nurture]\n",
        "  outcomes: [qualified, disqualified, nurture]\n"
        "  reasons: {disqualified: [no-budget, student]}\n",
    ).replace(
        "    - {id: disposition, measure: disposition, within: 10 business days, target: 95%}\n",
        "    - {id: disposition, measure: disposition, within: 10 business days, target: 95%}\n"
        "    - {id: time, measure: time_spent, minimum: 30 minutes, within: 2 business days,\n"
        "       assume: {email: 2 minutes}, target: 80%}\n",
    )
    new = (
        base.replace(
            "  reasons: {disqualified: [no-budget, student]}\n",
            "  reasons: {disqualified: [no-budget, competitor], nurture: [timing]}\n"
            "  pauses: {reasons: [callback-requested], max: 3 business days}\n"
            "  currency: USD\n",
        )
        .replace(
            "warn: 1 business hour, target: 90%}",
            "warn: 1 business hour, target: 90%,\n"
            "       pausable: true, calendar: owner,\n"
            "       escalate: [{after: 1 business day, to: manager}]}",
        )
        .replace("minimum: 30 minutes", "minimum: 45 minutes")
        .replace("assume: {email: 2 minutes}", "assume: {email: 3 minutes, call: 5 minutes}")
    )
    assert diff(new, base) == [
        "speed-to-lead: pausable no → yes; calendar agreement → owner;"
        " escalate none → manager after 1 business day",
        "time: minimum 30 minutes → 45 minutes;"
        " assume email 2 minutes → email 3 minutes, call 5 minutes",
        "reasons for disqualified: competitor added; student removed",
        "reasons for nurture: any reason → timing",
        "pauses: off → on (callback-requested, at most 3 business days)",
        "currency: none → USD",
    ]
    longer = new.replace("max: 3 business days", "max: 5 business days").replace(
        "reasons: [callback-requested]", "reasons: [callback-requested, out-of-office]"
    )
    assert diff(longer, new) == [
        "pause reasons: out-of-office added",
        "pause max: 3 business days → 5 business days",
    ]
    assert diff(base, new)[-2:] == [
        "pauses: on (callback-requested, at most 3 business days) → off",
        "currency: USD → none",
    ]
