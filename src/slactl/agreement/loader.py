"""YAML -> validated, frozen agreement objects (SPEC section 3).

Every error is one line, ``FILE:LINE: what is wrong and how to fix it``, raised as
``AgreementError``. YAML mappings are read into ``LineDict``s that remember the line of
each key, so that a message can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml

from slactl.agreement.conditions import ConditionError, parse_condition
from slactl.agreement.model import (
    MEASURES,
    PARTIES,
    PAUSABLE_MEASURES,
    Agreement,
    CalendarSpec,
    Commitment,
    Definitions,
    Escalation,
    PauseRules,
    Points,
    Quotas,
    Signatory,
)
from slactl.clock import CalendarError, Duration, DurationError, parse_duration, parse_hours
from slactl.errors import AgreementError
from slactl.records import RESERVED_KINDS
from slactl.timeparse import FIRST_DAY, LAST_DAY

if TYPE_CHECKING:
    from slactl.agreement.team import Team
    from slactl.periods import Period
    from slactl.timeparse import ZoneRule

QUOTAS_FILE = "quotas.yaml"
TEAM_FILE = "team.yaml"  # SPEC 8.1, read by read_team
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

TOP_KEYS = (
    "slactl",
    "name",
    "title",
    "period",
    "signatories",
    "calendar",
    "definitions",
    "commitments",
    "points",
)
# SPEC 8: keys of the lead measures with deadlines: whose calendar, and notify's steps
DEADLINE_KEYS = ("calendar", "escalate")
COMMITMENT_KEYS = {
    "first_touch": ("within", "warn", "applies_to", "pausable", *DEADLINE_KEYS),
    "disposition": ("within", "warn", "applies_to", "pausable", *DEADLINE_KEYS),
    "touches_before_return": ("minimum", "open_for", "applies_to"),
    "touch_cadence": ("max_gap", "until", "warn", "applies_to", "pausable", *DEADLINE_KEYS),
    "complete_fields": ("fields", "applies_to"),
    "mql_volume": (),
    "review_meeting": ("every",),
    "acceptance": ("within", "warn", "applies_to", "pausable", *DEADLINE_KEYS),
    "time_spent": ("minimum", "within", "assume", "warn", "applies_to", "pausable", *DEADLINE_KEYS),
    "opportunity": ("within", "warn", "applies_to"),  # SPEC 9: from the qualification
    "pipeline": (),  # SPEC 9: against quotas.yaml's pipeline
}
# Bounds on what an agreement may say (docs/agreement.md): a deadline of at most a year,
# a few touches, dates that every time zone can reach a day either side of
MAX_DURATION = {
    "business_minutes": 366 * 24 * 60,
    "business_hours": 366 * 24,
    "business_days": 366,
    "minutes": 366 * 24 * 60,
    "hours": 366 * 24,
    "days": 366,
    "weeks": 53,
}
MAX_TOUCHES = 1000
COMMON_COMMITMENT_KEYS = ("id", "activity", "measure", "target")
COMPLETE_FIELDS = ("first_name", "last_name", "company", "email", "phone", "title")


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # the composer recurses once per level: refuse nesting deeper than MAX_DEPTH before
        # it exhausts Python's stack (a RecursionError)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise AgreementError(
                    f"{self.name}:{mark.line + 1}: nested more than {MAX_DEPTH} levels deep:"
                    " an agreement needs far fewer; check the brackets"
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise AgreementError(
                f"{loader.name}:{key_node.start_mark.line + 1}: key '{key}' appears twice"
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    # an impossible date such as 2024-13-01 stays text, so the reader can name its key
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> Any:
    # Python refuses to read an integer of over 4300 digits (a ValueError); no agreement
    # needs one of over 18
    if len(str(node.value).lstrip("+-0").replace("_", "")) > 18:
        raise AgreementError(
            f"{loader.name}:{node.start_mark.line + 1}: the number {str(node.value)[:20]}…"
            " is too large"
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)

# What a YAML file may hold: agreements are written by hand and are small. Deeper nesting
# would exhaust Python's stack in the composer; aliases that expand to millions of values
# (a "billion laughs" document of a few lines) would exhaust memory and time downstream.
MAX_DEPTH = 50
MAX_VALUES = 20_000


def _check_expansion(root: yaml.Node, path: Path) -> None:
    """Refuse a document whose aliases expand to more than ``MAX_VALUES`` values, or
    refer to themselves. Each node is counted once (memoised), so the check is linear in
    the file however far the aliases would expand."""
    sizes: dict[int, int] = {}
    pending: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        line = node.start_mark.line + 1
        if key in pending:
            raise AgreementError(f"{path}:{line}: an alias refers to the value that holds it")
        pending.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        pending.discard(key)
        if total > MAX_VALUES:
            raise AgreementError(
                f"{path}:{line}: aliases here expand to more than {MAX_VALUES} values:"
                " write the values out instead"
            )
        sizes[key] = total
        return total

    size(root)


def read_yaml(text: str, path: Path) -> Any:
    loader = None
    try:
        loader = _Loader(text)
        loader.name = str(path)
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, path)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "malformed YAML"
        raise AgreementError(
            f"{path}:{line}: malformed YAML: {problem}; check indentation and quoting"
        ) from None
    except yaml.reader.ReaderError as exc:  # a NUL byte or another control character
        c = exc.character
        code = c if isinstance(c, int) else ord(str(c)[:1] or " ")
        line = text.count("\n", 0, exc.position) + 1
        raise AgreementError(
            f"{path}:{line}: not a YAML text file: it holds the control character"
            f" U+{code:04X}; save it as plain UTF-8 text"
        ) from None
    except yaml.YAMLError as exc:
        raise AgreementError(f"{path}: malformed YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()


class _Reader:
    """Reads one agreement document, collecting errors (the first is raised)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[tuple[int, str]] = []

    def fail(self, line: int | None, message: str) -> None:
        self.errors.append((line or 1, message))

    def line(self, mapping: Any, key: Any) -> int:
        if isinstance(mapping, LineDict):
            return mapping.key_lines.get(key, mapping.line)
        return 1

    def mapping(self, value: Any, where: str, line: int) -> LineDict | None:
        if isinstance(value, LineDict):
            return value
        if value is None:
            self.fail(line, f"'{where}' is missing or empty: add it (see docs/agreement.md)")
        else:
            self.fail(line, f"'{where}' must be a mapping")
        return None

    def check_keys(
        self, mapping: LineDict, allowed: tuple[str, ...] | list[str], where: str
    ) -> None:
        for key in mapping:
            if key not in allowed:
                close = get_close_matches(str(key), list(allowed), n=1)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else (f"; allowed: {', '.join(allowed)}")
                )
                self.fail(self.line(mapping, key), f"unknown key '{key}' in {where}{hint}")

    def date(self, value: Any, line: int, what: str) -> date | None:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(line, f"bad date {value!r} for {what}: use YYYY-MM-DD")
            return None

    def duration(self, value: Any, line: int, what: str) -> Duration | None:
        try:
            d = parse_duration(value)
        except DurationError as exc:
            self.fail(line, f"{what}: {exc}")
            return None
        most = MAX_DURATION[d.unit]
        if d.amount > most:
            longest = Duration(most, d.unit)
            self.fail(line, f"{what}: {d} is longer than a year; at most {longest}")
            return None
        return d

    def target(self, value: Any, line: int, what: str) -> float:
        """``90%`` or ``0.9``. A bare number is a fraction: ``target: 90`` is an error
        (did you mean '90%'?) rather than a guess between 90 % and 9000 %."""
        text = str(value).strip()
        percent = text.endswith("%")
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(text[:-1]) / 100 if percent else float(text)
        except ValueError:
            self.fail(line, f"bad target {value!r} for {what}: write a percentage like '90%'")
            return 1.0
        if not 0 <= number <= 1:
            hint = "" if percent or number < 0 else f"; did you mean '{text}%'?"
            self.fail(line, f"target {value!r} for {what} is outside 0-100 %{hint}")
            return 1.0
        return number


def _weekdays(spec: str) -> list[int] | None:
    days: list[int] = []
    for part in str(spec).lower().replace(" ", "").split(","):
        if "-" in part:
            a, _, b = part.partition("-")
            if a not in WEEKDAYS or b not in WEEKDAYS:
                return None
            i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
            if j < i:
                return None
            days.extend(range(i, j + 1))
        elif part in WEEKDAYS:
            days.append(WEEKDAYS.index(part))
        else:
            return None
    return days


def _read_calendar(r: _Reader, doc: LineDict) -> CalendarSpec | None:
    line = r.line(doc, "calendar")
    cal = r.mapping(doc.get("calendar"), "calendar", line)
    if cal is None:
        return None
    r.check_keys(cal, ("timezone", "hours", "holidays"), "calendar")
    tz = cal.get("timezone")
    tz_line = r.line(cal, "timezone")
    if not tz:
        r.fail(cal.line, "calendar needs a 'timezone' (an IANA name such as America/New_York)")
    else:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError):
            r.fail(tz_line, f"unknown time zone '{tz}': use an IANA name such as America/New_York")
    hours: dict[int, tuple[tuple[int, int], ...]] = {}
    named: set[int] = set()
    errors_before = len(r.errors)
    hours_map = r.mapping(cal.get("hours"), "calendar.hours", r.line(cal, "hours"))
    if hours_map is not None:
        for key, value in hours_map.items():
            key_line = r.line(hours_map, key)
            days = _weekdays(str(key))
            if days is None:
                r.fail(
                    key_line,
                    f"bad day '{key}' in calendar.hours: use mon..sun, a range like mon-fri"
                    " or a list like 'mon, wed'",
                )
                continue
            try:
                closed = value is None or str(value).strip().lower() == "closed"
                spans = () if closed else parse_hours(str(value))
            except CalendarError as exc:
                r.fail(key_line, str(exc))
                continue
            for d in days:
                if d in named:
                    r.fail(key_line, f"{WEEKDAY_NAMES[d]} is given working hours twice")
                named.add(d)
                if spans:
                    hours[d] = spans
                else:
                    hours.pop(d, None)
        if not hours and len(r.errors) == errors_before:
            r.fail(hours_map.line, "calendar.hours names no working day: give some hours")
    country = subdivision = None
    add: list[date] = []
    remove: list[date] = []
    hol_line = r.line(cal, "holidays")
    hol = cal.get("holidays")
    if hol is not None:
        hol_map = r.mapping(hol, "calendar.holidays", hol_line)
        if hol_map is not None:
            r.check_keys(hol_map, ("country", "subdivision", "add", "remove"), "calendar.holidays")
            country = hol_map.get("country")
            subdivision = hol_map.get("subdivision")
            if country is not None:
                import holidays as holidays_lib

                supported = holidays_lib.list_supported_countries()
                c_line = r.line(hol_map, "country")
                if str(country).upper() not in supported:
                    r.fail(
                        c_line,
                        f"unknown holiday country '{country}': use an ISO 3166 code such as"
                        " US, GB or DE",
                    )
                    country = None
                else:
                    country = str(country).upper()
                    subs = supported[country]
                    if subdivision is not None and str(subdivision) not in subs:
                        close = get_close_matches(str(subdivision), list(subs), n=1)
                        some = ", ".join(list(subs)[:6])
                        hint = (
                            f"; did you mean '{close[0]}'?"
                            if close
                            else f"; use an ISO 3166-2 code ({some}, …)"
                        )
                        r.fail(
                            r.line(hol_map, "subdivision"),
                            f"unknown subdivision '{subdivision}' of {country}{hint}",
                        )
                        subdivision = None
            elif subdivision is not None:
                r.fail(r.line(hol_map, "subdivision"), "holidays.subdivision needs a country")
            for key, bucket in (("add", add), ("remove", remove)):
                items = hol_map.get(key) or []
                k_line = r.line(hol_map, key)
                if not isinstance(items, list):
                    r.fail(k_line, f"holidays.{key} takes a list of dates")
                    continue
                for item in items:
                    day = r.date(item, k_line, f"holidays.{key}")
                    if day:
                        bucket.append(day)
    return CalendarSpec(
        timezone=str(tz or "UTC"),
        hours=hours,
        holiday_country=country,
        holiday_subdivision=str(subdivision) if subdivision is not None else None,
        holidays_add=tuple(add),
        holidays_remove=tuple(remove),
    )


def _read_definitions(r: _Reader, doc: LineDict) -> Definitions:
    line = r.line(doc, "definitions")
    defs = r.mapping(doc.get("definitions", LineDict()), "definitions", line)
    if defs is None:
        return Definitions(
            None, ("call", "email", "meeting"), ("qualified", "disqualified", "nurture")
        )
    r.check_keys(
        defs, ("mql", "touch_kinds", "outcomes", "reasons", "pauses", "currency"), "definitions"
    )
    mql = None
    if "mql" in defs:
        mql = _condition(r, defs["mql"], r.line(defs, "mql"), "definitions.mql")
    kinds = defs.get("touch_kinds", ["call", "email", "meeting"])
    outcomes = defs.get("outcomes", ["qualified", "disqualified", "nurture"])
    for key, value in (("touch_kinds", kinds), ("outcomes", outcomes)):
        if not isinstance(value, list) or not value:
            r.fail(r.line(defs, key), f"definitions.{key} takes a non-empty list")
    kinds = [str(k).strip().lower() for k in kinds] if isinstance(kinds, list) else []
    outcomes = [str(o).strip().lower() for o in outcomes] if isinstance(outcomes, list) else []
    reserved = RESERVED_KINDS & set(kinds)
    if reserved:
        r.fail(
            r.line(defs, "touch_kinds"),
            f"'{sorted(reserved)[0]}' is an event of its own and cannot be a touch kind",
        )
    reasons = _read_reasons(r, defs, outcomes)
    pauses = _read_pauses(r, defs)
    currency = None
    if "currency" in defs:  # SPEC 9: one currency per agreement
        currency = str(defs["currency"]).strip().upper()
        if not re.fullmatch("[A-Z]{3}", currency):
            r.fail(
                r.line(defs, "currency"),
                f"definitions.currency {defs['currency']!r}: use an ISO 4217 code such as USD",
            )
    return Definitions(mql, tuple(kinds), tuple(outcomes), reasons, pauses, currency)


def _reason_list(r: _Reader, value: Any, line: int, where: str) -> tuple[str, ...]:
    """A non-empty list of reasons, each a plain name (``no-budget``)."""
    if not isinstance(value, list) or not value:
        r.fail(line, f"{where} takes a non-empty list of reasons, e.g. [no-budget, student]")
        return ()
    out: list[str] = []
    for v in value:
        name = str(v).strip().lower()
        if not name or isinstance(v, (dict, list)):
            r.fail(line, f"{where}: each reason is a plain name such as no-budget")
        elif name in out:
            r.fail(line, f"{where}: reason '{name}' is listed twice")
        else:
            out.append(name)
    return tuple(out)


def _read_reasons(
    r: _Reader, defs: LineDict, outcomes: list[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``definitions.reasons``: outcome -> the reasons a disposition with it may give."""
    if "reasons" not in defs:
        return ()
    reasons = r.mapping(defs["reasons"], "definitions.reasons", r.line(defs, "reasons"))
    if reasons is None:
        return ()
    out = []
    for outcome, value in reasons.items():
        line = r.line(reasons, outcome)
        name = str(outcome).strip().lower()
        if name not in outcomes:
            close = get_close_matches(name, outcomes, n=1)
            hint = (
                f"; did you mean '{close[0]}'?" if close else f"; use one of {', '.join(outcomes)}"
            )
            r.fail(line, f"definitions.reasons: '{outcome}' is not an outcome{hint}")
            continue
        out.append((name, _reason_list(r, value, line, f"definitions.reasons.{name}")))
    return tuple(out)


def _read_pauses(r: _Reader, defs: LineDict) -> PauseRules | None:
    """``definitions.pauses: {reasons: [...], max: 10 business days}``."""
    if "pauses" not in defs:
        return None
    pauses = r.mapping(defs["pauses"], "definitions.pauses", r.line(defs, "pauses"))
    if pauses is None:
        return None
    r.check_keys(pauses, ("reasons", "max"), "definitions.pauses")
    line = r.line(defs, "pauses")
    if "reasons" not in pauses:
        r.fail(line, "definitions.pauses needs 'reasons', e.g. [callback-requested]")
    reasons = _reason_list(
        r, pauses.get("reasons", ["-"]), r.line(pauses, "reasons"), "definitions.pauses.reasons"
    )
    longest = None
    if "max" in pauses:
        longest = r.duration(pauses["max"], r.line(pauses, "max"), "definitions.pauses.max")
    return PauseRules(reasons, longest)


def _condition(r: _Reader, obj: Any, line: int, where: str) -> Any:
    def lines(mapping: Any, key: Any) -> int | None:
        return mapping.key_lines.get(key) if isinstance(mapping, LineDict) else None

    try:
        return parse_condition(obj, line, lines)
    except ConditionError as exc:
        r.fail(exc.line or line, f"{where}: {exc}")
        return None


def _read_commitments(r: _Reader, doc: LineDict) -> list[Commitment]:
    out: list[Commitment] = []
    line = r.line(doc, "commitments")
    if "commitments" not in doc:  # a calendar alone is enough for `slactl deadline`
        return out
    parties = r.mapping(doc.get("commitments"), "commitments", line)
    if parties is None:
        return out
    r.check_keys(parties, PARTIES, "commitments")
    seen: dict[str, int] = {}
    for party, items in parties.items():
        if party not in PARTIES:
            continue
        p_line = r.line(parties, party)
        if not isinstance(items, list):
            r.fail(p_line, f"commitments.{party} takes a list of commitments")
            continue
        for item in items:
            if not isinstance(item, LineDict):
                r.fail(p_line, f"each commitment under {party} must be a mapping with an id")
                continue
            c = _read_commitment(r, party, item, seen)
            if c is not None:
                out.append(c)
    return out


def _read_commitment(
    r: _Reader, party: str, item: LineDict, seen: dict[str, int]
) -> Commitment | None:
    cid = item.get("id")
    where = f"commitment {cid}" if cid else f"a {party} commitment"
    if not cid:
        r.fail(item.line, f"{where} needs an 'id'")
        return None
    cid = str(cid)
    if cid in seen:
        r.fail(item.line, f"commitment id '{cid}' is used twice (first on line {seen[cid]})")
    seen[cid] = item.line
    measure = item.get("measure")
    if measure not in MEASURES:
        close = get_close_matches(str(measure), MEASURES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; use one of {', '.join(MEASURES)}"
        r.fail(r.line(item, "measure"), f"unknown measure '{measure}' in {where}{hint}")
        return None
    if "pausable" in item and measure not in PAUSABLE_MEASURES:  # SPEC 7.3: say why
        r.fail(
            r.line(item, "pausable"),
            f"{where}: {measure} cannot pause (no deadline of its own for a pause to move);"
            f" pausable is for {', '.join(PAUSABLE_MEASURES)}: remove it",
        )
    allowed = COMMON_COMMITMENT_KEYS + COMMITMENT_KEYS[measure]
    if "pausable" not in allowed and "pausable" in item:
        allowed = (*allowed, "pausable")  # refused above, with the reason
    r.check_keys(item, allowed, where)
    if "target" not in item:
        r.fail(item.line, f"{where} needs a 'target' such as '90%'")
    target = r.target(item.get("target", "100%"), r.line(item, "target"), where)

    def dur(key: str, required: bool = False) -> Duration | None:
        if key not in item:
            if required:
                r.fail(item.line, f"{where} ({measure}) needs '{key}', e.g. '4 business hours'")
            return None
        return r.duration(item[key], r.line(item, key), f"{where} {key}")

    def count(key: str) -> int | None:
        if key not in item:
            r.fail(item.line, f"{where} ({measure}) needs '{key}', a whole number of touches")
            return None
        value = item[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            r.fail(r.line(item, key), f"{where} {key} must be a whole number of at least 1")
            return None
        if value > MAX_TOUCHES:
            r.fail(r.line(item, key), f"{where} {key} {value} is too many: at most {MAX_TOUCHES}")
            return None
        return value

    applies_to = None
    if "applies_to" in item:
        applies_to = _condition(r, item["applies_to"], r.line(item, "applies_to"), where)
    kw: dict[str, Any] = {}
    if "pausable" in item:
        if not isinstance(item["pausable"], bool):
            r.fail(r.line(item, "pausable"), f"{where} pausable takes true or false")
        kw["pausable"] = item["pausable"] is True
    if "calendar" in item:
        if item["calendar"] != "owner":
            r.fail(
                r.line(item, "calendar"),
                f"{where} calendar takes 'owner' (the owner's calendar) or is left out",
            )
        else:
            kw["calendar"] = "owner"
    if "escalate" in item:
        kw["escalate"] = _read_escalate(r, item, where)
    if measure in ("first_touch", "disposition", "acceptance", "opportunity"):
        kw["within"] = dur("within", True)
        kw["warn"] = dur("warn")
    elif measure == "time_spent":
        kw["within"] = dur("within", True)
        kw["warn"] = dur("warn")
        if "minimum" not in item:
            r.fail(item.line, f"{where} (time_spent) needs 'minimum', e.g. '15 minutes'")
        else:
            kw["minimum_time"] = r.duration(
                item["minimum"], r.line(item, "minimum"), f"{where} minimum"
            )
            if kw["minimum_time"] is not None and kw["minimum_time"].business:
                r.fail(
                    r.line(item, "minimum"),
                    f"{where} minimum is time spent: use minutes or hours, e.g. '15 minutes'",
                )
        kw["assume"] = _read_assume(r, item, where)
    elif measure == "touches_before_return":
        kw["minimum"] = count("minimum")
        kw["open_for"] = dur("open_for", True)
    elif measure == "touch_cadence":
        kw["max_gap"] = dur("max_gap", True)
        kw["until"] = count("until")
        kw["warn"] = dur("warn")
    elif measure == "complete_fields":
        fields = item.get("fields")
        if not isinstance(fields, list) or not fields:
            r.fail(
                r.line(item, "fields") if "fields" in item else item.line,
                f"{where} needs 'fields', a list such as [first_name, email, phone]",
            )
            fields = []
        for f in fields:
            if f not in COMPLETE_FIELDS and not str(f).startswith("extra."):
                r.fail(r.line(item, "fields"), f"unknown field '{f}' in {where} fields")
        kw["fields"] = tuple(str(f) for f in fields)
    elif measure == "review_meeting":
        every_text = item.get("every", "1 week")
        every = r.duration(every_text, r.line(item, "every"), f"{where} every")
        if every is not None and every.unit not in ("weeks", "days"):
            r.fail(
                r.line(item, "every"),
                f"{where} every: use calendar weeks or days, e.g. '1 week' or '2 weeks'",
            )
            every = None
        kw["every"] = every
        kw["every_text"] = str(every_text)
    return Commitment(
        id=cid,
        party=party,
        measure=str(measure),
        activity=str(item["activity"]) if item.get("activity") else None,
        target=target,
        line=item.line,
        applies_to=applies_to,
        **kw,
    )


def _read_escalate(r: _Reader, item: LineDict, where: str) -> tuple[Escalation, ...]:
    """``escalate: [{after: 1 business day, to: manager}, …]`` (SPEC 8.2)."""
    line = r.line(item, "escalate")
    steps = item["escalate"]
    if not isinstance(steps, list):
        r.fail(
            line, f"{where} escalate takes a list such as [{{after: 1 business day, to: manager}}]"
        )
        return ()
    out = []
    for step in steps:
        s_line = step.line if isinstance(step, LineDict) else line
        if not isinstance(step, LineDict) or "after" not in step or "to" not in step:
            r.fail(s_line, f"{where} escalate: each step needs 'after' and 'to'")
            continue
        r.check_keys(step, ("after", "to"), f"{where} escalate")
        after = r.duration(step["after"], r.line(step, "after"), f"{where} escalate after")
        to = str(step["to"]).strip()
        if to not in ("manager", "rep") and ("@" not in to or " " in to):
            r.fail(
                r.line(step, "to"), f"{where} escalate to '{to}': use manager, rep or an address"
            )
            continue
        if after is not None:
            out.append(Escalation(after, to))
    return tuple(out)


def _read_assume(r: _Reader, item: LineDict, where: str) -> tuple[tuple[str, Duration], ...]:
    """time_spent ``assume: {email: 2 minutes}``: the time a touch of a kind counts for
    when it carries no duration."""
    if "assume" not in item:
        return ()
    line = r.line(item, "assume")
    assume = r.mapping(item["assume"], f"{where} assume", line)
    if assume is None:
        return ()
    out = []
    for kind, value in assume.items():
        d = r.duration(value, r.line(assume, kind), f"{where} assume.{kind}")
        if d is not None and d.business:
            r.fail(r.line(assume, kind), f"{where} assume.{kind}: use minutes, e.g. '2 minutes'")
        elif d is not None:
            out.append((str(kind).strip().lower(), d))
    return tuple(out)


def _read_agreement(r: _Reader, doc: Any) -> Agreement | None:
    if not isinstance(doc, LineDict):
        r.fail(1, "an agreement file must be a YAML mapping (see docs/agreement.md)")
        return None
    r.check_keys(doc, TOP_KEYS, "the agreement")
    version = doc.get("slactl", 1)
    if version != 1:
        r.fail(
            r.line(doc, "slactl"), f"format version {version!r} is not supported: use 'slactl: 1'"
        )
    name = doc.get("name")
    if not name:
        r.fail(doc.line, "the agreement needs a 'name'")
    start = end = None
    period = r.mapping(doc.get("period"), "period", r.line(doc, "period"))
    if period is not None:
        r.check_keys(period, ("start", "end"), "period")
        start = r.date(period.get("start"), r.line(period, "start"), "period.start")
        end = r.date(period.get("end"), r.line(period, "end"), "period.end")
        if start and end and end < start:
            r.fail(period.line, f"period ends ({end}) before it starts ({start})")
        for key, day in (("start", start), ("end", end)):
            if day and not FIRST_DAY <= day <= LAST_DAY:
                r.fail(
                    r.line(period, key),
                    f"period.{key} {day} is outside {FIRST_DAY}..{LAST_DAY}, the dates slactl"
                    " works with: give the agreement's real dates",
                )
    signatories: dict[str, Signatory] = {}
    sigs = doc.get("signatories")
    if sigs is not None:
        sig_map = r.mapping(sigs, "signatories", r.line(doc, "signatories"))
        if sig_map is not None:
            r.check_keys(sig_map, ("marketing", "sales"), "signatories")
            for side, value in sig_map.items():
                if isinstance(value, LineDict):
                    r.check_keys(value, ("name", "signed"), f"signatories.{side}")
                    signed = value.get("signed")
                    d = r.date(signed, r.line(value, "signed"), "signed") if signed else None
                    signatories[str(side)] = Signatory(str(value.get("name") or ""), d)
                else:
                    signatories[str(side)] = Signatory(str(value or ""), None)
    calendar = _read_calendar(r, doc)
    definitions = _read_definitions(r, doc)
    commitments = _read_commitments(r, doc)
    for c in commitments:
        if c.measure == "pipeline" and definitions.currency is None:  # SPEC 9
            r.fail(
                c.line,
                f"commitment {c.id} measures pipeline, an amount: name the agreement's one"
                " currency in definitions.currency (e.g. currency: USD)",
            )
    points = None
    if "points" in doc:
        p = r.mapping(doc["points"], "points", r.line(doc, "points"))
        if p is not None:
            r.check_keys(p, ("met", "breached"), "points")
            values = {}
            for key in ("met", "breached"):
                value = p.get(key, 0)
                if not isinstance(value, int) or isinstance(value, bool):
                    r.fail(r.line(p, key), f"points.{key} must be a whole number, e.g. 10 or -5")
                    value = 0
                values[key] = value
            points = Points(**values)
    if r.errors or calendar is None or start is None or end is None:
        if not r.errors:
            r.fail(doc.line, "the agreement needs 'period' and 'calendar'")
        return None
    return Agreement(
        name=str(name),
        title=str(doc.get("title") or name),
        period_start=start,
        period_end=end,
        signatories=signatories,
        calendar_spec=calendar,
        definitions=definitions,
        commitments=tuple(commitments),
        points=points,
        path=r.path,
        format_version=int(version) if isinstance(version, int) else 1,
    )


def read_agreement(text: str, path: Path) -> tuple[Agreement | None, list[tuple[int, str]]]:
    """Parse an agreement, returning it (or None) and every (line, message) found."""
    r = _Reader(path)
    try:
        doc = read_yaml(text, path)
    except AgreementError as exc:
        return None, [_line_and_message(str(exc))]
    agreement = _read_agreement(r, doc)
    return agreement, r.errors


def _line_and_message(text: str) -> tuple[int, str]:
    """Split ``FILE:LINE: message`` (as ``read_yaml`` raises it) into (LINE, message)."""
    m = re.match(r"^.*?:(\d+): (.*)$", text)
    return (int(m.group(1)), m.group(2)) if m else (1, text.split(": ", 1)[-1])


def load_agreement_text(text: str, path: Path = Path("<inline>")) -> Agreement:
    agreement, errors = read_agreement(text, path)
    if errors:
        line, message = errors[0]
        raise AgreementError(f"{path}:{line}: {message}")
    assert agreement is not None
    return agreement


def load_agreement(path: Path) -> Agreement:
    return load_agreement_text(_read_text(path), path)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AgreementError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AgreementError(f"{path}: cannot read: {exc}") from None


def read_quotas(text: str, path: Path) -> tuple[Quotas | None, list[tuple[int, str]]]:
    errors: list[tuple[int, str]] = []
    try:
        doc = read_yaml(text, path)
    except AgreementError as exc:
        return None, [_line_and_message(str(exc))]
    if not isinstance(doc, LineDict):
        return None, [(1, "quotas.yaml must be a mapping with 'mql_volume:'")]
    for key in doc:
        if key not in ("mql_volume", "pipeline"):
            errors.append(
                (doc.key_lines[key], f"unknown key '{key}' in quotas: use mql_volume or pipeline")
            )
    found: dict[str, dict[tuple[int, int], Any]] = {}
    for name in ("mql_volume", "pipeline"):
        volume = doc.get(name) or LineDict()
        months: dict[tuple[int, int], Any] = found.setdefault(name, {})
        if not isinstance(volume, LineDict):
            return None, [(doc.key_lines.get(name, 1), f"{name} maps YYYY-MM to a number")]
        for key, value in volume.items():
            line = volume.key_lines[key]
            m = re.fullmatch(r"(\d{4})-(\d{2})", str(key))
            if not m or not 1 <= int(m.group(2)) <= 12:
                errors.append((line, f"bad month '{key}' in {name}: use YYYY-MM"))
                continue
            if name == "pipeline":  # an amount in the agreement's currency
                if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                    errors.append(
                        (line, f"pipeline quota for {key} must be an amount of 0 or more")
                    )
                    continue
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                errors.append((line, f"quota for {key} must be a whole number of MQLs"))
                continue
            months[(int(m.group(1)), int(m.group(2)))] = value
    return Quotas(found["mql_volume"], path, found["pipeline"]), sorted(errors)


def load_quotas(path: Path) -> Quotas:
    quotas, errors = read_quotas(_read_text(path), path)
    if errors:
        line, message = errors[0]
        raise AgreementError(f"{path}:{line}: {message}")
    assert quotas is not None
    return quotas


@dataclass(frozen=True)
class AgreementSet:
    """Every agreement in a directory, sorted by period, and the quotas."""

    agreements: tuple[Agreement, ...]
    quotas: Quotas | None = None
    directory: Path | None = None
    team: Team | None = None  # team.yaml, when the directory has one (SPEC 8.1)
    _by_name: dict[str, Agreement] = field(default_factory=dict, compare=False, repr=False)
    _spans: list[tuple[datetime, datetime]] = field(
        default_factory=list, compare=False, repr=False
    )  # filled by spans() on first use

    def in_effect(self, d: date) -> Agreement:
        for a in self.agreements:
            if a.contains(d):
                return a
        where = f" in {self.directory}" if self.directory else ""
        raise AgreementError(
            f"no agreement{where} is in effect on {d.isoformat()}: add one whose period"
            " contains that date"
        )

    def find(self, d: date) -> Agreement | None:
        for a in self.agreements:
            if a.contains(d):
                return a
        return None

    def zone_on(self, d: date) -> tzinfo:
        """The time zone local times of day ``d`` are read in: that of the agreement in
        effect on ``d``, else of the last one before it, else of the first."""
        found = self.find(d)
        if found is None:
            before = [a for a in self.agreements if a.period_start <= d]
            found = before[-1] if before else self.agreements[0]
        return ZoneInfo(found.calendar_spec.timezone)

    def local_zones(self) -> ZoneRule:
        """What a time without an offset is read in: the one zone of every agreement, or,
        when they differ, the zone of the agreement in effect on the time's date."""
        zones = {a.calendar_spec.timezone for a in self.agreements}
        if len(zones) == 1:
            return ZoneInfo(zones.pop())
        return LocalZones(self)

    def spans(self) -> list[tuple[datetime, datetime]]:
        """The instants each agreement is in effect between, in order: from midnight of
        its first day in its own zone to midnight after its last day, or, when the next
        agreement starts the day after, to the instant that one starts (midnight in its
        zone). Agreements in different zones then neither overlap nor leave an hour
        between them: the new one takes over at its own midnight."""
        if self._spans or not self.agreements:
            return self._spans
        out = self._spans
        items = self.agreements
        for i, a in enumerate(items):
            tz = ZoneInfo(a.calendar_spec.timezone)
            lo = datetime.combine(a.period_start, time(), tzinfo=tz)
            hi = datetime.combine(a.period_end + timedelta(days=1), time(), tzinfo=tz)
            if i + 1 < len(items) and items[i + 1].period_start == a.period_end + timedelta(1):
                nxt = items[i + 1]
                hi = datetime.combine(
                    nxt.period_start, time(), tzinfo=ZoneInfo(nxt.calendar_spec.timezone)
                )
            out.append((lo, hi))
        return out

    def at(self, t: datetime) -> Agreement | None:
        """The agreement in effect at instant ``t`` (see ``spans``)."""
        for a, (lo, hi) in zip(self.agreements, self.spans(), strict=True):
            if lo <= t < hi:
                return a
        return None

    def zone_at(self, t: datetime) -> tzinfo:
        """The time zone of instant ``t``: that of the agreement in effect then (see
        ``spans``), else of the last one begun by then, else of the first."""
        chosen = self.agreements[0]
        for a, (lo, _) in zip(self.agreements, self.spans(), strict=True):
            if lo <= t:
                chosen = a
        return ZoneInfo(chosen.calendar_spec.timezone)

    def local_day(self, t: datetime) -> date:
        """The date of instant ``t`` in its zone (``zone_at``)."""
        return t.astimezone(self.zone_at(t)).date()

    def parts(self, period: Period) -> list[tuple[Agreement, Period]]:
        """``period`` cut where agreements begin and end (gaps left out), each part with
        the instants it starts and ends at where it meets another agreement."""
        from slactl.periods import Period

        spans = dict(zip((id(a) for a in self.agreements), self.spans(), strict=True))
        out = []
        for a, lo, hi in self.covering(period.start, period.end):
            span = spans[id(a)]
            cut = (
                span[0] if lo == a.period_start else None,
                span[1] if hi == a.period_end else None,
            )
            out.append((a, Period(lo, hi, period.label, cut)))
        return out

    def covering(self, start: date, end: date) -> list[tuple[Agreement, date, date]]:
        """The period [start, end] cut at agreement boundaries (gaps left out)."""
        out = []
        for a in self.agreements:
            lo, hi = max(start, a.period_start), min(end, a.period_end)
            if lo <= hi:
                out.append((a, lo, hi))
        return out


class LocalZones:
    """The zone of day ``d`` (``AgreementSet.zone_on``) as a function of the local date,
    for ``parse_instant``; its text names every agreement's start and zone, so that an
    import's row hashes change when the agreements' zones do."""

    def __init__(self, agreements: AgreementSet) -> None:
        self.agreements = agreements

    def __call__(self, d: date) -> tzinfo:
        return self.agreements.zone_on(d)

    def __str__(self) -> str:
        return ";".join(
            f"{a.period_start.isoformat()}={a.calendar_spec.timezone}"
            for a in self.agreements.agreements
        )


NOT_AGREEMENTS = (QUOTAS_FILE, "quotas.yml", TEAM_FILE, "team.yml")


def agreement_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.name not in NOT_AGREEMENTS)


def load_agreements(directory: Path) -> AgreementSet:
    """Load every agreement in ``directory`` and its quotas; overlapping periods are an error."""
    if not directory.is_dir():
        raise AgreementError(
            f"{directory}: no agreements directory; run 'slactl init' or pass --agreements DIR"
        )
    files = agreement_files(directory)
    if not files:
        raise AgreementError(f"{directory}: no agreement files (*.yaml); run 'slactl init'")
    agreements = sorted((load_agreement(p) for p in files), key=lambda a: a.period_start)
    check_overlaps(agreements)
    team = team_in(directory)
    if team is not None:
        agreements = [replace(a, team=team) for a in agreements]
    quotas_path = directory / QUOTAS_FILE
    quotas = load_quotas(quotas_path) if quotas_path.is_file() else None
    if quotas is None:
        for a in agreements:
            for c in a.commitments:
                if c.measure in ("mql_volume", "pipeline"):
                    raise AgreementError(
                        f"{a.path}:{c.line}: commitment {c.id} measures {c.measure} but there"
                        f" is no {quotas_path}: add one with the monthly quotas"
                    )
    return AgreementSet(tuple(agreements), quotas, directory, team)


def overlaps(agreements: list[Agreement]) -> list[tuple[Agreement, Agreement]]:
    ordered = sorted(agreements, key=lambda a: a.period_start)
    return [
        (a, b)
        for i, a in enumerate(ordered)
        for b in ordered[i + 1 :]
        if b.period_start <= a.period_end
    ]


def check_overlaps(agreements: list[Agreement]) -> None:
    for a, b in overlaps(agreements):
        raise AgreementError(
            f"{b.path}:1: period {b.period_start}..{b.period_end} overlaps {a.path}"
            f" ({a.period_start}..{a.period_end}): agreements' periods must not overlap"
        )


# -- team.yaml (SPEC 8.1); the records are in team.py ------------------------------------

REP_KEYS = ("name", "email", "team", "timezone", "hours", "away")
TEAM_KEYS = ("manager", "webhook")
MAX_AWAY_DAYS = 3660  # a range of ten years is a typo, not a vacation


def _team_hours(
    r: _Reader, value: Any, line: int, where: str
) -> dict[int, tuple[tuple[int, int], ...]]:
    hours: dict[int, tuple[tuple[int, int], ...]] = {}
    errors_before = len(r.errors)
    if not isinstance(value, LineDict):
        r.fail(line, f'{where} hours must be a mapping such as {{mon-fri: "09:00-17:00"}}')
        return hours
    for key, spans_text in value.items():
        key_line = r.line(value, key)
        days = _weekdays(str(key))
        if days is None:
            r.fail(
                key_line, f"bad day '{key}' in {where} hours: use mon..sun or a range like mon-fri"
            )
            continue
        try:
            closed = spans_text is None or str(spans_text).strip().lower() == "closed"
            spans = () if closed else parse_hours(str(spans_text))
        except CalendarError as exc:
            r.fail(key_line, f"{where} hours: {exc}")
            continue
        for d in days:
            if d in hours:
                r.fail(key_line, f"{where}: {WEEKDAY_NAMES[d]} is given working hours twice")
            if spans:
                hours[d] = spans
    if not hours and len(r.errors) == errors_before:
        r.fail(line, f"{where} hours names no working day: give some hours or leave hours out")
    return hours


def _away(r: _Reader, value: Any, line: int, where: str) -> frozenset[date]:
    if not isinstance(value, list):
        r.fail(line, f"{where} away takes a list of dates and ranges like 2024-05-13..2024-05-17")
        return frozenset()
    days: set[date] = set()
    for item in value:
        text = item.isoformat() if isinstance(item, date) else str(item).strip()
        if ".." in text:
            a_text, _, b_text = text.partition("..")
            a = r.date(a_text, line, f"{where} away")
            b = r.date(b_text, line, f"{where} away")
            if a is None or b is None:
                continue
            if b < a:
                r.fail(line, f"{where} away range {text} ends before it starts: swap its dates")
                continue
            if (b - a).days > MAX_AWAY_DAYS:
                r.fail(line, f"{where} away range {text} is longer than ten years")
                continue
            days.update(a + timedelta(days=n) for n in range((b - a).days + 1))
        else:
            d = r.date(text, line, f"{where} away")
            if d is not None:
                days.add(d)
    return frozenset(days)


def _email(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text if "@" in text and " " not in text and not text.startswith("@") else None


def read_team(text: str, path: Path) -> tuple[Team | None, list[tuple[int, str]]]:
    """Parse ``team.yaml``, returning it (or None) and every (line, message) found."""
    from zoneinfo import ZoneInfoNotFoundError

    from slactl.agreement.team import Rep, Team, TeamInfo

    r = _Reader(path)
    try:
        doc = read_yaml(text, path)
    except AgreementError as exc:
        return None, [_line_and_message(str(exc))]
    if doc is None:
        return Team({}, {}, path), []
    if not isinstance(doc, LineDict):
        return None, [(1, "team.yaml must be a mapping with 'reps' and 'teams'")]
    r.check_keys(doc, ("reps", "teams"), "team.yaml")
    teams: dict[str, TeamInfo] = {}
    raw_teams = doc.get("teams") or LineDict()
    if not isinstance(raw_teams, LineDict):
        r.fail(r.line(doc, "teams"), "'teams' must be a mapping of team name -> {manager, webhook}")
        raw_teams = LineDict()
    reps: dict[str, Rep] = {}
    raw_reps = doc.get("reps") or LineDict()
    if not isinstance(raw_reps, LineDict):
        r.fail(r.line(doc, "reps"), "'reps' must be a mapping of rep -> {name, email, team, …}")
        raw_reps = LineDict()
    for key, item in raw_reps.items():
        line = r.line(raw_reps, key)
        where = f"rep {key}"
        if item is None:
            item = LineDict()
        if not isinstance(item, LineDict):
            r.fail(line, f"{where} must be a mapping such as {{email: a@example.com, team: east}}")
            continue
        r.check_keys(item, REP_KEYS, where)
        email = None
        if item.get("email") is not None:
            email = _email(item["email"])
            if email is None:
                r.fail(r.line(item, "email"), f"{where} email {item['email']!r} is not an address")
        team = item.get("team")
        if isinstance(team, list):
            r.fail(r.line(item, "team"), f"{where} is in {len(team)} teams: a rep has one team")
            team = None
        elif team is not None:
            team = str(team)
            if team not in raw_teams:
                r.fail(r.line(item, "team"), f"{where} team '{team}' is not under 'teams': add it")
        tz = item.get("timezone")
        if tz is not None:
            try:
                ZoneInfo(str(tz))
            except (ZoneInfoNotFoundError, ValueError):
                r.fail(
                    r.line(item, "timezone"),
                    f"{where}: unknown time zone '{tz}': use an IANA name such as America/New_York",
                )
                tz = None
        hours = None
        if "hours" in item:
            hours = _team_hours(r, item["hours"], r.line(item, "hours"), where)
        away: frozenset[date] = frozenset()
        if "away" in item:
            away = _away(r, item["away"], r.line(item, "away"), where)
        name = item.get("name")
        reps[str(key)] = Rep(
            str(key),
            str(name) if name is not None else None,
            email,
            team,
            str(tz) if tz is not None else None,
            hours,
            away,
            line,
        )
    for key, item in raw_teams.items():
        line = r.line(raw_teams, key)
        where = f"team {key}"
        if item is None:
            item = LineDict()
        if not isinstance(item, LineDict):
            r.fail(line, f"{where} must be a mapping such as {{manager: maria@example.com}}")
            continue
        r.check_keys(item, TEAM_KEYS, where)
        manager = None
        if item.get("manager") is not None:
            m = str(item["manager"]).strip()
            manager = _email(m)
            if manager is None and m in reps:
                manager = reps[m].email
            if manager is None:
                r.fail(
                    r.line(item, "manager"),
                    f"{where} manager '{m}' has no email: give an address, or a rep with an email",
                )
        webhook = item.get("webhook")
        if webhook is not None and not str(webhook).startswith(("http://", "https://")):
            r.fail(r.line(item, "webhook"), f"{where} webhook must be an http(s) URL")
            webhook = None
        teams[str(key)] = TeamInfo(
            str(key), manager, str(webhook) if webhook is not None else None, line
        )
    return Team(reps, teams, path), r.errors


def load_team(path: Path) -> Team:
    """``team.yaml`` read and checked; the first error raised as ``AgreementError``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AgreementError(f"{path}: cannot read: {exc}") from None
    team, errors = read_team(text, path)
    if errors:
        line, message = sorted(errors)[0]
        raise AgreementError(f"{path}:{line}: {message}")
    assert team is not None
    return team


def team_in(directory: Path) -> Team | None:
    """``directory``'s team.yaml, checked, or None when it has none."""
    path = directory / TEAM_FILE
    return load_team(path) if path.is_file() else None
