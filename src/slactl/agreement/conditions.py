"""Conditions on a lead (SPEC 3.1): ``definitions.mql`` and ``applies_to``.

A mapping of field -> test, all of which must hold; ``any:`` / ``all:`` lists nest. A test
is a scalar (equals; case-insensitive for text), a list (one of) or a comparison string
(``">= 60"``, ``"< 10"``, ``"!= closed"``). A missing value fails every test but ``!=``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime
from typing import Any

from slactl.records import LEAD_FIELDS

_COMPARISON = re.compile(r"^\s*(>=|<=|!=|==|>|<)\s*(.*?)\s*$")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


class ConditionError(ValueError):
    """A condition that cannot be read; ``line`` points at it."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _norm(value: Any) -> Any:
    return value.strip().casefold() if isinstance(value, str) else value


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _instant(expected: Any, value: datetime) -> tuple[Any, Any] | None:
    """(value, expected) comparable, for a time column tested against an ISO date or time:
    a date compares with the value's own date, a time without offset is in the value's zone."""
    text = str(expected).strip()
    try:
        if len(text) == 10:
            return value.date(), date.fromisoformat(text)
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value, when if when.tzinfo else when.replace(tzinfo=value.tzinfo)


def _equals(value: Any, expected: Any) -> bool:
    if isinstance(value, datetime):
        when = _instant(expected, value)
        if when is not None:
            return bool(when[0] == when[1])
    a, b = _number(value), _number(expected)
    if a is not None and b is not None:
        return a == b
    return bool(_norm(str(value)) == _norm(str(expected)))


@dataclass(frozen=True)
class FieldTest:
    """One field's test."""

    field: str
    op: str  # "eq", "in", or a comparison operator
    value: Any
    line: int | None = _field(default=None, compare=False)  # where, not what: not compared

    def matches(self, lead: Any) -> bool:
        value = lead.get(self.field)
        if _missing(value):
            return self.op == "!="
        if self.op == "eq":
            return _equals(value, self.value)
        if self.op == "in":
            return any(_equals(value, v) for v in self.value)
        if self.op in ("==", "!="):
            eq = _equals(value, self.value)
            return eq if self.op == "==" else not eq
        a, b = _number(value), _number(self.value)
        if a is not None and b is not None:
            return _OPS[self.op](a, b)
        if isinstance(value, datetime):
            when = _instant(self.value, value)
            if when is not None:
                return bool(_OPS[self.op](*when))
        return bool(_OPS[self.op](_norm(str(value)), _norm(str(self.value))))

    def describe(self) -> str:
        if self.op == "eq":
            return f"{self.field} = {self.value}"
        if self.op == "in":
            return f"{self.field} in [{', '.join(map(str, self.value))}]"
        return f"{self.field} {self.op} {self.value}"


@dataclass(frozen=True)
class Condition:
    """``all`` of ``parts`` must hold (``mode="all"``) or ``any`` of them (``mode="any"``)."""

    mode: str
    parts: tuple[Condition | FieldTest, ...]
    line: int | None = _field(default=None, compare=False)  # where, not what: not compared

    def matches(self, lead: Any) -> bool:
        if self.mode == "any":
            return any(p.matches(lead) for p in self.parts)
        return all(p.matches(lead) for p in self.parts)

    def fields(self) -> set[str]:
        out: set[str] = set()
        for p in self.parts:
            out |= p.fields() if isinstance(p, Condition) else {p.field}
        return out

    def describe(self) -> str:
        joiner = " or " if self.mode == "any" else " and "
        texts = [
            f"({p.describe()})" if isinstance(p, Condition) and len(p.parts) > 1 else p.describe()
            for p in self.parts
        ]
        return joiner.join(texts)


def known_field(name: str) -> bool:
    return name in LEAD_FIELDS or (name.startswith("extra.") and len(name) > 6)


def parse_condition(obj: Any, line: int | None = None, lines: Any = None) -> Condition:
    """Build a ``Condition`` from its YAML form.

    ``lines`` optionally maps (id(mapping), key) -> line number, for messages.
    """

    def line_of(mapping: Any, key: Any) -> int | None:
        if lines is None:
            return line
        return lines(mapping, key) or line

    def build(node: Any, mode: str, at: int | None) -> Condition:
        if isinstance(node, list):
            parts = tuple(build_one(item, at) for item in node)
            return Condition(mode, parts, at)
        if isinstance(node, dict):
            parts_list: list[Condition | FieldTest] = []
            for key, test in node.items():
                key_line = line_of(node, key)
                if key in ("any", "all"):
                    if not isinstance(test, list):
                        raise ConditionError(f"'{key}:' takes a list of conditions", key_line)
                    parts_list.append(build(test, key, key_line))
                    continue
                parts_list.append(parse_test(str(key), test, key_line))
            return Condition(mode, tuple(parts_list), at)
        raise ConditionError(
            "a condition is a mapping of lead field to test, or 'any:' / 'all:' with a list",
            at,
        )

    def build_one(node: Any, at: int | None) -> Condition | FieldTest:
        cond = build(node, "all", at)
        return cond.parts[0] if len(cond.parts) == 1 else cond

    top = build(obj, "all", line)
    # `mql: {any: [...]}` is the any-condition itself, not "all of (any of ...)"
    if len(top.parts) == 1 and isinstance(top.parts[0], Condition):
        return top.parts[0]
    return top


def parse_test(field: str, test: Any, line: int | None = None) -> FieldTest:
    if not known_field(field):
        from difflib import get_close_matches

        close = get_close_matches(field, LEAD_FIELDS, n=1)
        hint = (
            f"; did you mean '{close[0]}'?" if close else ("; use a lead column or extra.<column>")
        )
        raise ConditionError(f"condition on unknown field '{field}'{hint}", line)
    if isinstance(test, list):
        return FieldTest(field, "in", tuple(test), line)
    if isinstance(test, dict) or test is None:
        raise ConditionError(
            f"bad test for '{field}': use a value, a list of values or a comparison like '>= 60'",
            line,
        )
    if isinstance(test, str):
        m = _COMPARISON.match(test)
        if m:
            op, value = m.groups()
            if not value:
                raise ConditionError(f"bad test {test!r} for '{field}': nothing to compare", line)
            return FieldTest(field, op, value, line)
    return FieldTest(field, "eq", test, line)
