"""The loader reads each measure's commitment from its spec in ``MEASURE_SPECS``: every
key the spec declares is read into its ``Commitment`` field, and every required one is
asked for by name when it is left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from slactl.agreement.loader import read_agreement
from slactl.agreement.model import MEASURE_SPECS, Key
from slactl.clock import parse_duration

BASE = """\
slactl: 1
name: keys
title: Keys
period: {start: 2024-01-01, end: 2024-12-31}
calendar: {timezone: UTC, hours: {mon-fri: "09:00-17:00"}}
definitions:
  mql: {score: ">= 60"}
  touch_kinds: [call, email]
  outcomes: [qualified]
  currency: USD
commitments:
  sales:
"""

# a valid value of each kind of key, as written and as read
VALID = {
    "duration": ("6 business hours", parse_duration("6 business hours")),
    "touches": ("3", 3),
    "minutes": ("15 minutes", parse_duration("15 minutes")),
    "fields": ("[email, phone]", ("email", "phone")),
    "every": ("2 weeks", parse_duration("2 weeks")),
    "assume": ("{email: 2 minutes}", (("email", parse_duration("2 minutes")),)),
}


def _read(measure: str, keys: tuple[Key, ...]) -> tuple[object, list[tuple[int, str]]]:
    body = "".join(f", {k.name}: {VALID[k.read][0]}" for k in keys)
    text = BASE + f"    - {{id: c1, measure: {measure}, target: 90%{body}}}\n"
    return read_agreement(text, Path("a.yaml"))


def test_every_kind_of_key_in_the_specs_has_a_valid_example() -> None:
    assert {k.read for m in MEASURE_SPECS.values() for k in m.keys} == set(VALID)


@pytest.mark.parametrize("name", sorted(MEASURE_SPECS))
def test_each_declared_key_fills_its_commitment_field(name: str) -> None:
    spec = MEASURE_SPECS[name]
    agreement, errors = _read(name, spec.keys)
    assert errors == []
    assert agreement is not None
    (c,) = agreement.commitments
    for k in spec.keys:
        assert getattr(c, k.field or k.name) == VALID[k.read][1], k.name


@pytest.mark.parametrize(
    ("name", "key"),
    [(n, k) for n, m in sorted(MEASURE_SPECS.items()) for k in m.keys if k.required],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_a_required_key_left_out_is_asked_for(name: str, key: Key) -> None:
    others = tuple(k for k in MEASURE_SPECS[name].keys if k != key)
    _, errors = _read(name, others)
    assert len(errors) == 1
    line, message = errors[0]
    assert line == 13
    assert message.startswith(f"commitment c1 ({name}) needs '{key.name}', ") or (
        message.startswith(f"commitment c1 needs '{key.name}', ")  # fields: says what kind
    )
