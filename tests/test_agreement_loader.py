"""Loading agreements (SPEC 3): the bundled example, conditions, and every error's message."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from slactl.agreement.loader import load_agreement_text, load_agreements
from slactl.compliance.model import Lead
from slactl.errors import AgreementError

ROOT = Path(__file__).resolve().parents[1]

BASE = """\
slactl: 1
name: t
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours:
    mon-fri: "09:00-17:00"
commitments:
  sales:
    - id: speed
      measure: first_touch
      within: 4 business hours
      target: 90%
"""


def load(text: str):  # type: ignore[no-untyped-def]
    return load_agreement_text(text, Path("a.yaml"))


def error_of(text: str) -> str:
    with pytest.raises(AgreementError) as err:
        load(text)
    return str(err.value)


def test_bundled_agreement_loads() -> None:
    agreements = load_agreements(ROOT / "agreements")
    a = agreements.in_effect(date(2024, 5, 3))
    assert a.name == "acme-2024"
    assert [c.id for c in a.commitments] == [
        "speed-to-lead",
        "speed-to-lead-enterprise",
        "disposition",
        "persistence",
        "cadence",
        "mql-volume",
        "complete-handoff",
        "weekly-review",
    ]
    speed = a.commitment("speed-to-lead")
    assert (str(speed.within), str(speed.warn), speed.target) == (
        "4 business hours",
        "1 business hour",
        0.9,
    )
    assert a.commitment("cadence").until == 6
    assert agreements.quotas is not None and agreements.quotas.mql_volume[(2024, 5)] == 35
    assert date(2024, 12, 24) in a.calendar_spec.holidays_for_year(2024)
    assert date(2024, 5, 27) in a.calendar_spec.holidays_for_year(2024)  # Memorial Day


def test_hours_forms() -> None:
    a = load(
        BASE.replace(
            'mon-fri: "09:00-17:00"', 'mon, wed: "08:30-12:00, 13:00-17:30"\n    sat: "10:00-14:00"'
        )
    )
    assert dict(a.calendar_spec.hours) == {
        0: ((510, 720), (780, 1050)),
        2: ((510, 720), (780, 1050)),
        5: ((600, 840),),
    }


def test_in_effect_and_covering(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE)
    (tmp_path / "b.yaml").write_text(
        BASE.replace("name: t", "name: u").replace(
            "{start: 2024-01-01, end: 2024-12-31}", "{start: 2025-01-01, end: 2025-12-31}"
        )
    )
    s = load_agreements(tmp_path)
    assert s.in_effect(date(2025, 3, 1)).name == "u"
    assert [
        (a.name, lo, hi) for a, lo, hi in s.covering(date(2024, 12, 15), date(2025, 1, 15))
    ] == [
        ("t", date(2024, 12, 15), date(2024, 12, 31)),
        ("u", date(2025, 1, 1), date(2025, 1, 15)),
    ]
    with pytest.raises(AgreementError, match="no agreement in .* is in effect on 2026-01-01"):
        s.in_effect(date(2026, 1, 1))


def test_overlapping_periods(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE)
    (tmp_path / "b.yaml").write_text(
        BASE.replace("{start: 2024-01-01, end: 2024-12-31}", "{start: 2024-06-01, end: 2025-05-31}")
    )
    with pytest.raises(AgreementError) as err:
        load_agreements(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / 'b.yaml'}:1: period 2024-06-01..2025-05-31 overlaps {tmp_path / 'a.yaml'}"
        " (2024-01-01..2024-12-31): agreements' periods must not overlap"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      within: 4 business hours",
            "      withn: 4 business hours",
            "a.yaml:12: unknown key 'withn' in commitment speed; did you mean 'within'?",
        ),
        (
            "4 business hours",
            "4 bussiness hours",
            "a.yaml:12: commitment speed within: bad duration '4 bussiness hours': write"
            " '<n> <unit>' with unit business minutes|hours|days or minutes|hours|days|weeks,"
            " e.g. '4 business hours'",
        ),
        (
            "America/New_York",
            "America/Nowhere",
            "a.yaml:5: unknown time zone 'America/Nowhere': use an IANA name such as"
            " America/New_York",
        ),
        (
            '"09:00-17:00"',
            '"17:00-09:00"',
            "a.yaml:7: impossible working hours '17:00-09:00': a span must close after it"
            " opens (spans cannot cross midnight)",
        ),
        (
            "target: 90%",
            "target: 120%",
            "a.yaml:13: target '120%' for commitment speed is outside 0-100 %",
        ),
        (
            "    mon-fri",
            "    mon-fry",
            "a.yaml:7: bad day 'mon-fry' in calendar.hours: use mon..sun, a range like mon-fri"
            " or a list like 'mon, wed'",
        ),
        (
            "name: t",
            "name: t\ncolour: blue",
            "a.yaml:3: unknown key 'colour' in the agreement; allowed: slactl, name, title,"
            " period, signatories, calendar, definitions, commitments, points",
        ),
        (
            "measure: first_touch",
            "measure: first_tuch",
            "a.yaml:11: unknown measure 'first_tuch' in commitment speed; did you mean"
            " 'first_touch'?",
        ),
        (
            "  hours:",
            "  hours: [",
            "a.yaml:8: malformed YAML: expected ',' or ']', but got '<scalar>'; check indentation"
            " and quoting",
        ),
    ],
)
def test_errors_name_file_and_line(old: str, new: str, message: str) -> None:
    assert old in BASE
    assert error_of(BASE.replace(old, new, 1)) == message


def test_unknown_holiday_country() -> None:
    text = BASE.replace("  hours:", "  holidays: {country: XX}\n  hours:")
    assert error_of(text) == (
        "a.yaml:6: unknown holiday country 'XX': use an ISO 3166 code such as US, GB or DE"
    )


def test_condition_on_unknown_field() -> None:
    text = BASE + "definitions:\n  mql:\n    scor: '>= 60'\n"
    assert error_of(text) == (
        "a.yaml:16: definitions.mql: condition on unknown field 'scor'; did you mean 'score'?"
    )


def _lead(**kw):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return Lead(external_id="L-1", created_at=datetime(2024, 5, 1, tzinfo=UTC), **kw)


def test_conditions() -> None:
    text = BASE + (
        "definitions:\n"
        "  mql:\n"
        "    any:\n"
        "      - score: '>= 60'\n"
        "      - source: [demo-request, Contact-Sales]\n"
        "      - all:\n"
        "          - segment: Enterprise\n"
        "          - status: '!= closed'\n"
        "          - extra.industry: software\n"
    )
    mql = load(text).definitions.mql
    assert mql is not None
    assert mql.fields() == {"score", "source", "segment", "status", "extra.industry"}
    assert mql.matches(_lead(score=60.0))
    assert not mql.matches(_lead(score=59.5))
    assert mql.matches(_lead(source="contact-sales"))  # case-insensitive
    assert not mql.matches(_lead(source="webinar"))
    assert mql.matches(_lead(segment="enterprise", extra={"industry": "Software"}))
    # a missing status passes '!=' ...
    assert mql.matches(_lead(segment="enterprise", status=None, extra={"industry": "software"}))
    # ... but a missing score fails '>='
    assert not mql.matches(_lead(score=None))
    assert not mql.matches(
        _lead(segment="enterprise", status="Closed", extra={"industry": "software"})
    )
