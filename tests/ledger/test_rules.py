"""The reason and pause rules of the agreement in effect at an event's time (SPEC 7.3,
7.4), as ``slactl import`` and the commands share them: the period's edges are local
midnights in the agreement's own zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slactl.agreement.loader import load_agreement_text
from slactl.ledger.rules import event_rules, fault, in_effect, minutes
from tests.ledger.test_import_lead_life import RULES


def test_the_period_runs_from_local_midnight_to_local_midnight() -> None:
    (rules,) = event_rules([load_agreement_text(RULES)])
    # 2024-01-01 00:00 EST is 05:00 UTC; 2025-01-01 00:00 EST likewise
    assert (rules.start, rules.end) == (
        datetime(2024, 1, 1, 5, tzinfo=UTC),
        datetime(2025, 1, 1, 5, tzinfo=UTC),
    )
    last_evening = datetime(2025, 1, 1, 4, 59, tzinfo=UTC)  # 23:59 on 2024-12-31 in New York
    assert in_effect((rules,), last_evening) is rules
    assert in_effect((rules,), datetime(2025, 1, 1, 5, tzinfo=UTC)) is None
    assert fault((rules,), "pause", None, "out-of-office", last_evening) is None


@pytest.mark.parametrize(
    ("kind", "outcome", "reason", "message"),
    [
        ("disposition", "disqualified", "student", None),
        ("disposition", "nurture", None, None),  # no list for nurture: any reason or none
        ("disposition", "nurture", "anything", None),
        ("call", None, "whatever", None),
        ("pause", None, "callback-requested", None),
        (
            "disposition",
            "disqualified",
            "wrong persona",
            "reason 'wrong persona' is not in definitions.reasons.disqualified:"
            " did you mean 'wrong-persona'?",
        ),
        (
            "pause",
            None,
            None,
            "a pause needs a reason: one of callback-requested, out-of-office"
            " (definitions.pauses.reasons)",
        ),
    ],
)
def test_fault(kind: str, outcome: str | None, reason: str | None, message: str | None) -> None:
    rules = event_rules([load_agreement_text(RULES)])
    at = datetime(2024, 5, 3, 14, tzinfo=UTC)
    assert fault(rules, kind, outcome, reason, at) == message
    assert fault((), kind, outcome, reason, at) is None  # no agreements: nothing checked


@pytest.mark.parametrize(
    ("text", "value"), [("12", 12.0), ("12.5", 12.5), (".5", 0.5), ("0", 0.0), ("0:12:30", 12.5)]
)
def test_minutes_typed(text: str, value: float) -> None:
    assert minutes(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "--duration '-1': negative; minutes spent are 0 or more"),
        ("nan", "--duration 'nan': not a number of minutes; write e.g. 12 or 12.5 (or 0:12:30)"),
        ("1e1", "--duration '1e1': not a number of minutes; write e.g. 12 or 12.5 (or 0:12:30)"),
        ("12,5", "--duration '12,5': not a number of minutes; write e.g. 12 or 12.5 (or 0:12:30)"),
    ],
)
def test_minutes_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        minutes(text)
    assert str(err.value) == message
