"""A measure is registered once on each side: its spec in ``agreement.model.MEASURE_SPECS``
(the YAML keys, lead or period, deadline, who controls it) and its evaluation in
``compliance.measures.MEASURES``. These tests fail when a measure is added to one side only,
or when what the spec says disagrees with what the loader and the engine do."""

from __future__ import annotations

from pathlib import Path

import pytest

from slactl.agreement.loader import load_agreement_text
from slactl.agreement.model import MEASURE_SPECS, PAUSABLE_MEASURES
from slactl.compliance.measures import LEAD_MEASURES, MEASURES, PERIOD_MEASURES
from slactl.errors import AgreementError

DOCS = Path(__file__).resolve().parents[2] / "docs"

BASE = """\
slactl: 1
name: registry
title: Registry
period: {start: 2024-01-01, end: 2024-12-31}
calendar: {timezone: UTC, hours: {mon-fri: "09:00-17:00"}}
definitions:
  mql: {score: ">= 60"}
  touch_kinds: [call]
  outcomes: [qualified]
commitments:
  sales:
"""


def test_every_spec_has_an_evaluation_and_no_more() -> None:
    assert set(MEASURES) == set(MEASURE_SPECS)


def test_lead_and_period_split_as_the_specs_say() -> None:
    assert set(LEAD_MEASURES) == {n for n, m in MEASURE_SPECS.items() if m.per == "lead"}
    assert set(PERIOD_MEASURES) == {n for n, m in MEASURE_SPECS.items() if m.per == "period"}
    assert not set(LEAD_MEASURES) & set(PERIOD_MEASURES)


def test_only_deadline_measures_pause() -> None:
    assert PAUSABLE_MEASURES == (
        "first_touch",
        "disposition",
        "touch_cadence",
        "acceptance",
        "time_spent",
    )


@pytest.mark.parametrize("name", sorted(MEASURE_SPECS))
def test_the_loader_refuses_a_key_the_spec_does_not_list(name: str) -> None:
    """Every measure's commitment refuses a key outside its spec, naming the ones allowed."""
    text = BASE + f"    - {{id: c1, measure: {name}, target: 90%, bogus_key: 1}}\n"
    with pytest.raises(AgreementError, match="unknown key 'bogus_key'"):
        load_agreement_text(text)


@pytest.mark.parametrize("name", sorted(MEASURE_SPECS))
def test_every_measure_is_documented(name: str) -> None:
    assert f"`{name}`" in (DOCS / "compliance.md").read_text(encoding="utf-8")
