"""Loading agreements (SPEC 3): the bundled example, conditions, and every error's message."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from slactl.agreement.directory import load_agreements
from slactl.agreement.loader import load_agreement_text
from slactl.errors import AgreementError

ROOT = Path(__file__).resolve().parents[2]

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


def test_condition_in_applies_to_names_its_line() -> None:
    text = BASE.replace(
        "      within: 4 business hours",
        "      applies_to:\n        any:\n          - segmnt: enterprise\n"
        "      within: 4 business hours",
    )
    assert error_of(text) == (
        "a.yaml:14: commitment speed: condition on unknown field 'segmnt'; did you mean 'segment'?"
    )


def test_mql_condition_is_parsed() -> None:
    text = BASE + "definitions:\n  mql:\n    any:\n      - score: '>= 60'\n      - source: [a, b]\n"
    a = load(text)
    assert a.definitions.mql is not None
    assert a.definitions.mql.describe() == "score >= 60 or source in [a, b]"
    assert a.definitions.touch_kinds == ("call", "email", "meeting")  # the default


@pytest.mark.parametrize(
    ("written", "target"), [("90%", 0.9), ("0.9", 0.9), ("100%", 1.0), ("0", 0.0), ("1", 1.0)]
)
def test_targets(written: str, target: float) -> None:
    a = load(BASE.replace("target: 90%", f"target: {written}"))
    assert a.commitment("speed").target == pytest.approx(target)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("90", "a.yaml:13: target 90 for commitment speed is outside 0-100 %; did you mean '90%'?"),
        ("-5%", "a.yaml:13: target '-5%' for commitment speed is outside 0-100 %"),
        (
            "lots",
            "a.yaml:13: bad target 'lots' for commitment speed: write a percentage like '90%'",
        ),
    ],
)
def test_bad_targets(written: str, message: str) -> None:
    assert error_of(BASE.replace("target: 90%", f"target: {written}")) == message


def test_hours_closed_and_duplicates() -> None:
    a = load(BASE.replace('mon-fri: "09:00-17:00"', 'mon-fri: "09:00-17:00"\n    sat: closed'))
    assert sorted(a.calendar_spec.hours) == [0, 1, 2, 3, 4]
    assert error_of(
        BASE.replace('mon-fri: "09:00-17:00"', 'mon-fri: "09:00-17:00"\n    fri: "09:00-12:00"')
    ) == ("a.yaml:8: Friday is given working hours twice")
    assert error_of(BASE.replace('mon-fri: "09:00-17:00"', "sun: closed")) == (
        "a.yaml:7: calendar.hours names no working day: give some hours"
    )


def test_holidays_add_and_remove() -> None:
    text = BASE.replace(
        "  hours:",
        "  holidays:\n    country: us\n    subdivision: NY\n"
        "    add: [2024-12-24]\n    remove: [2024-11-05]\n  hours:",
    )
    spec = load(text).calendar_spec
    closed = spec.holidays_for_year(2024)
    assert date(2024, 12, 24) in closed and date(2024, 12, 25) in closed
    assert date(2024, 11, 5) not in closed  # Election Day (NY), worked
    assert spec.holiday_names(2024)[date(2024, 12, 24)] == "Company day off"
    assert (spec.holiday_country, spec.holiday_subdivision) == ("US", "NY")


def test_unknown_subdivision() -> None:
    text = BASE.replace("  hours:", "  holidays: {country: US, subdivision: NX}\n  hours:")
    assert error_of(text) == (
        "a.yaml:6: unknown subdivision 'NX' of US; use an ISO 3166-2 code (AK, AL, AR, AS, AZ,"
        " CA, …)"
    )
    text = BASE.replace("  hours:", "  holidays: {country: DE, subdivision: BYY}\n  hours:")
    assert error_of(text) == "a.yaml:6: unknown subdivision 'BYY' of DE; did you mean 'BY'?"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("slactl: 1", "slactl: 2", "a.yaml:1: format version 2 is not supported: use 'slactl: 1'"),
        (
            "{start: 2024-01-01, end: 2024-12-31}",
            "{start: 2024-12-31, end: 2024-01-01}",
            "a.yaml:3: period ends (2024-01-01) before it starts (2024-12-31)",
        ),
        (
            "{start: 2024-01-01, end: 2024-12-31}",
            "{start: 2024-01-01, end: 2024-13-01}",
            "a.yaml:3: bad date '2024-13-01' for period.end: use YYYY-MM-DD",
        ),
        (
            "      target: 90%",
            "      target: 90%\n    - id: speed\n      measure: disposition\n"
            "      within: 2 days\n      target: 90%",
            "a.yaml:14: commitment id 'speed' is used twice (first on line 10)",
        ),
        (
            "      within: 4 business hours\n",
            "",
            "a.yaml:10: commitment speed (first_touch) needs 'within', e.g. '4 business hours'",
        ),
        (
            "name: t",
            "name: t\nname: u",
            "a.yaml:3: key 'name' appears twice",
        ),
        (
            "commitments:",
            "points: {met: ten}\ncommitments:",
            "a.yaml:8: points.met must be a whole number, e.g. 10 or -5",
        ),
        (
            "  sales:",
            "  finance:\n    - id: x\n  sales:",
            "a.yaml:9: unknown key 'finance' in commitments; allowed: sales, marketing, shared",
        ),
        (
            "      within: 4 business hours",
            "      within: 4 business hours\n      open_for: 2 days",
            "a.yaml:13: unknown key 'open_for' in commitment speed; allowed: id, activity,"
            " measure, target, within, warn, applies_to, pausable,"
            " calendar, escalate",
        ),
        (
            "      within: 4 business hours",
            "      within: 1.5 business days",
            "a.yaml:12: commitment speed within: bad duration '1.5 business days': days and"
            " weeks take whole numbers",
        ),
    ],
)
def test_more_errors(old: str, new: str, message: str) -> None:
    assert old in BASE
    assert error_of(BASE.replace(old, new, 1)) == message


def test_review_every_takes_weeks_or_days() -> None:
    shared = (
        "  shared:\n    - id: review\n      measure: review_meeting\n"
        "      every: {every}\n      target: 100%\n"
    )
    a = load(BASE + shared.format(every="2 weeks"))
    assert a.commitment("review").timeframe() == "every 2 weeks"
    assert load(BASE + shared.format(every="1 week")).commitment("review").timeframe() == (
        "every week"
    )
    assert error_of(BASE + shared.format(every="4 business hours")) == (
        "a.yaml:17: commitment review every: use calendar weeks or days, e.g. '1 week' or '2 weeks'"
    )


def test_quotas(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        BASE + "  marketing:\n    - id: vol\n      measure: mql_volume\n      target: 100%\n"
    )
    with pytest.raises(AgreementError) as err:
        load_agreements(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / 'a.yaml'}:15: commitment vol measures mql_volume but there is no"
        f" {tmp_path / 'quotas.yaml'}: add one with the monthly quotas"
    )
    (tmp_path / "quotas.yaml").write_text("mql_volume:\n  2024-05: 200\n  2024-06: 220\n")
    s = load_agreements(tmp_path)
    assert s.quotas is not None
    assert dict(s.quotas.mql_volume) == {(2024, 5): 200, (2024, 6): 220}
    (tmp_path / "quotas.yaml").write_text("mql_volume:\n  2024-05: 200\n  2024-13: 1\n")
    with pytest.raises(AgreementError) as err:
        load_agreements(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / 'quotas.yaml'}:3: bad month '2024-13' in mql_volume: use YYYY-MM"
    )
    (tmp_path / "quotas.yaml").write_text("mql_volume:\n  2024-05: [\n")
    with pytest.raises(AgreementError, match=r"quotas.yaml:3: malformed YAML"):
        load_agreements(tmp_path)


def test_no_quotas_file_means_none(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE)
    assert load_agreements(tmp_path).quotas is None


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(AgreementError) as err:
        load_agreements(tmp_path / "nope")
    assert str(err.value) == (
        f"{tmp_path / 'nope'}: no agreements directory; run 'slactl init' or pass --agreements DIR"
    )


def test_agreement_is_frozen_and_has_its_calendar() -> None:
    import dataclasses
    from datetime import datetime

    from slactl.clock import parse_duration

    a = load(BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "x"  # type: ignore[misc]
    start = datetime.fromisoformat("2024-05-03T16:30-04:00")
    assert a.calendar.add(start, parse_duration("4 business hours")).isoformat() == (
        "2024-05-06T12:30:00-04:00"
    )
