"""Conditions on a lead (SPEC 3.1), as `definitions.mql` and `applies_to` use them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from slactl.agreement.conditions import ConditionError, parse_condition
from slactl.records import Lead


def lead(**kw: Any) -> Lead:
    kw.setdefault("created_at", datetime(2024, 5, 3, 14, 0, tzinfo=UTC))
    return Lead(external_id="L-1", **kw)


def cond(text: str):  # type: ignore[no-untyped-def]
    return parse_condition(yaml.safe_load(text), 1)


@pytest.mark.parametrize(
    ("test", "value", "expected"),
    [
        # a scalar is "equals", case-insensitive for text
        ("source: Demo-Request", "demo-request", True),
        ("source: demo-request", " DEMO-REQUEST ", True),
        ("source: demo-request", "webinar", False),
        # a list is "one of"
        ("source: [demo-request, contact-sales]", "Contact-Sales", True),
        ("source: [demo-request, contact-sales]", "webinar", False),
        # comparisons on text
        ("status: '!= closed'", "open", True),
        ("status: '!= closed'", "CLOSED", False),
        ("status: '== open'", "Open", True),
        ("status: '== open'", "closed", False),
    ],
)
def test_text_tests(test: str, value: str, expected: bool) -> None:
    field = test.split(":")[0]
    assert cond(test).matches(lead(**{field: value})) is expected


@pytest.mark.parametrize(
    ("test", "score", "expected"),
    [
        ("'>= 60'", 60.0, True),
        ("'>= 60'", 59.5, False),
        ("'> 60'", 60.0, False),
        ("'> 60'", 60.5, True),
        ("'< 10'", 9.0, True),
        ("'< 10'", 10.0, False),
        ("'<= 10'", 10.0, True),
        ("'<= 10'", 10.5, False),
        ("'== 75'", 75.0, True),
        ("'!= 75'", 75.0, False),
        ("'>=60'", 61.0, True),  # spaces are optional
        ("75", 75.0, True),  # numeric equality: 75 == 75.0
        ("[50, 75]", 75.0, True),
        ("[50, 70]", 75.0, False),
    ],
)
def test_numeric_comparisons(test: str, score: float, expected: bool) -> None:
    assert cond(f"score: {test}").matches(lead(score=score)) is expected


def test_numbers_compare_as_numbers_only_when_both_sides_are_numbers() -> None:
    # as numbers 9 < 10; as text "9" > "10"
    assert cond("extra.employees: '< 10'").matches(lead(extra={"employees": "9"}))
    assert not cond("extra.employees: '< 10'").matches(lead(extra={"employees": "10"}))
    # text against text compares as (case-folded) text
    assert cond("company: '< m'").matches(lead(company="Acme"))
    assert not cond("company: '< m'").matches(lead(company="Zenith"))


@pytest.mark.parametrize(
    "test", ["'>= 60'", "'< 10'", "60", "[60, 70]", "'== 60'", "'> 0'", "'<= 100'"]
)
@pytest.mark.parametrize("missing", [None, ""])
def test_a_missing_value_fails_every_test_but_not_equal(test: str, missing: Any) -> None:
    field = "score" if missing is None else "segment"
    assert not cond(f"{field}: {test}").matches(lead(**{field: missing}))


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_a_missing_value_passes_not_equal(missing: Any) -> None:
    assert cond("status: '!= closed'").matches(lead(status=missing))


def test_extra_columns() -> None:
    c = cond("extra.industry: software")
    assert c.matches(lead(extra={"industry": "Software"}))
    assert not c.matches(lead(extra={"industry": "retail"}))
    assert not c.matches(lead())  # the column is missing
    assert cond("extra.industry: '!= retail'").matches(lead())


def test_all_fields_of_a_mapping_must_hold() -> None:
    c = cond("segment: enterprise\nscore: '>= 60'")
    assert c.matches(lead(segment="Enterprise", score=80.0))
    assert not c.matches(lead(segment="Enterprise", score=40.0))
    assert not c.matches(lead(segment="smb", score=80.0))


def test_any_and_all_nest() -> None:
    c = cond(
        """
any:
  - score: '>= 60'
  - source: [demo-request, contact-sales]
  - all:
      - segment: enterprise
      - status: '!= closed'
      - any:
          - extra.industry: software
          - extra.industry: fintech
"""
    )
    assert c.fields() == {"score", "source", "segment", "status", "extra.industry"}
    assert c.matches(lead(score=60.0))
    assert c.matches(lead(source="contact-sales"))
    assert c.matches(lead(segment="enterprise", extra={"industry": "fintech"}))
    assert not c.matches(lead(segment="enterprise", extra={"industry": "retail"}))
    assert not c.matches(
        lead(segment="enterprise", status="closed", extra={"industry": "software"})
    )
    assert not c.matches(lead(score=10.0, source="webinar"))
    assert c.describe() == (
        "score >= 60 or source in [demo-request, contact-sales] or (segment = enterprise"
        " and status != closed and (extra.industry = software or extra.industry = fintech))"
    )


def test_all_list_at_top_level() -> None:
    c = cond("all:\n  - score: '>= 60'\n  - segment: enterprise\n")
    assert c.matches(lead(score=70.0, segment="enterprise"))
    assert not c.matches(lead(score=70.0, segment="smb"))


def test_time_columns_compare_with_iso_dates_and_times() -> None:
    early = lead(created_at=datetime(2024, 4, 30, 23, 0, tzinfo=UTC))
    may = lead(created_at=datetime(2024, 5, 1, 0, 30, tzinfo=UTC))
    after = cond("created_at: '>= 2024-05-01'")
    assert after.matches(may) and not after.matches(early)
    before_noon = cond("created_at: '< 2024-05-01T12:00:00+00:00'")
    assert before_noon.matches(may)
    assert not before_noon.matches(lead(created_at=datetime(2024, 5, 1, 12, tzinfo=UTC)))
    # an unquoted YAML date is a date: equality on the lead's date
    on_day = cond("created_at: 2024-05-01")
    assert on_day.matches(may) and not on_day.matches(early)
    assert not cond("handed_off_at: '>= 2024-05-01'").matches(may)  # missing


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("scor: '>= 60'", 1, "condition on unknown field 'scor'; did you mean 'score'?"),
        (
            "colour: blue",
            1,
            "condition on unknown field 'colour'; use a lead column or extra.<column>",
        ),
        (
            "extra.: x",
            1,
            "condition on unknown field 'extra.'; use a lead column or extra.<column>",
        ),
        ("any: {score: 1}", 1, "'any:' takes a list of conditions"),
        (
            "score: {gt: 1}",
            1,
            "bad test for 'score': use a value, a list of values or a comparison like '>= 60'",
        ),
        (
            "score:",
            1,
            "bad test for 'score': use a value, a list of values or a comparison like '>= 60'",
        ),
        ("score: '>='", 1, "bad test '>=' for 'score': nothing to compare"),
        (
            "- 60",
            1,
            "a condition is a mapping of lead field to test, or 'any:' / 'all:' with a list",
        ),
    ],
)
def test_bad_conditions(text: str, line: int, message: str) -> None:
    with pytest.raises(ConditionError) as err:
        parse_condition(yaml.safe_load(text), 1)
    assert str(err.value) == message
    assert err.value.line == line


def test_fields_of_a_flat_condition() -> None:
    assert cond("segment: enterprise\nextra.region: emea").fields() == {
        "segment",
        "extra.region",
    }
