"""Lint for SPEC 7.3's keys: ``pausable`` where a measure cannot pause, ``pauses`` without
``max``, a pausable commitment without ``definitions.pauses``, pauses nothing honours."""

from __future__ import annotations

from pathlib import Path

from slactl.agreement.lint import lint

HEAD = """\
slactl: 1
name: p
period: {start: 2024-01-01, end: 2024-06-30}
calendar: {timezone: America/New_York, hours: {mon-fri: "09:00-17:00"}}
definitions:
  touch_kinds: [call]
"""


def check(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "p.yaml").write_text(text)
    return [f"{m.line}: {m.level}: {m.text}" for m in lint(tmp_path)]


def test_pausable_on_a_measure_that_cannot_pause_says_why(tmp_path: Path) -> None:
    got = check(
        tmp_path,
        HEAD
        + """\
  pauses: {reasons: [callback-requested], max: 10 business days}
commitments:
  sales:
    - {id: ft, measure: first_touch, within: 4 business hours, target: 90%, pausable: true}
    - {id: pers, measure: touches_before_return, minimum: 3, open_for: 5 business days,
       target: 100%, pausable: true}
""",
    )
    assert got == [
        "12: error: commitment pers: touches_before_return cannot pause (no deadline of its"
        " own for a pause to move); pausable is for first_touch, disposition, touch_cadence,"
        " acceptance, time_spent: remove it"
    ]


def test_pauses_without_max_and_pausable_without_pauses_warn(tmp_path: Path) -> None:
    # the two warnings about definitions.pauses name its line (they said line 1)
    body = """\
commitments:
  sales:
    - {id: ft, measure: first_touch, within: 4 business hours, target: 90%, pausable: true}
"""
    assert check(tmp_path, HEAD + "  pauses: {reasons: [callback-requested]}\n" + body) == [
        "7: warning: definitions.pauses has no max: a pause nobody resumes holds a lead's"
        " deadlines until its disposition; add e.g. 'max: 10 business days'"
    ]
    assert check(tmp_path, HEAD + body) == [
        "9: warning: ft is pausable but definitions.pauses is missing: no pause can be"
        " recorded, so nothing will move its deadlines; add definitions.pauses with the"
        " reasons a pause may give"
    ]
    plain = body.replace(", pausable: true", "")
    pauses = "  pauses: {reasons: [callback-requested], max: 10 business days}\n"
    assert check(tmp_path, HEAD + pauses + plain) == [
        "7: warning: definitions.pauses is set but no commitment is pausable: pauses are"
        " recorded and move nothing; add 'pausable: true' to the commitments they should move"
    ]


def test_assume_for_a_kind_that_is_not_a_touch_is_an_error(tmp_path: Path) -> None:
    # only touches count towards time spent: an 'assume' for any other kind (a typo of a
    # touch kind) counted nothing, silently
    got = check(
        tmp_path,
        HEAD
        + """\
commitments:
  sales:
    - {id: time, measure: time_spent, minimum: 30 minutes, within: 2 business days,
       target: 90%, assume: {call: 5 minutes, emial: 2 minutes}}
""",
    )
    assert got == [
        "9: error: commitment time assume.emial: 'emial' is not a touch kind, so it never"
        " counts; use one of call (definitions.touch_kinds)"
    ]
