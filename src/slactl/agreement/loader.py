"""YAML -> validated, frozen agreement objects (SPEC section 3).

Every error is one line, ``FILE:LINE: what is wrong and how to fix it``, raised as
``AgreementError``. YAML mappings are read into ``LineDict``s that remember the line of
each key, so that a message can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from slactl.agreement.conditions import ConditionError, parse_condition
from slactl.agreement.model import (
    MEASURE_SPECS,
    MEASURES,
    PARTIES,
    PAUSABLE_MEASURES,
    Agreement,
    CalendarSpec,
    Commitment,
    Definitions,
    Escalation,
    Key,
    PauseRules,
    Points,
    Quotas,
    Signatory,
)
from slactl.agreement.yamlfile import (
    WEEKDAY_NAMES,
    LineDict,
    Reader,
    line_and_message,
    read_text,
    read_yaml,
    weekdays,
)
from slactl.clock import CalendarError, parse_hours
from slactl.errors import AgreementError
from slactl.records import CONTACT_FIELDS, RESERVED_KINDS, is_email
from slactl.timeparse import FIRST_DAY, LAST_DAY

QUOTAS_FILE = "quotas.yaml"
TEAM_FILE = "team.yaml"  # SPEC 8.1, read by read_team

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
MAX_TOUCHES = 1000
COMMON_COMMITMENT_KEYS = ("id", "activity", "measure", "target")


def _read_calendar(r: Reader, doc: LineDict) -> CalendarSpec | None:
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
            days = weekdays(str(key))
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
                from slactl.agreement.public_holidays import supported_countries

                supported = supported_countries()
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


def _read_definitions(r: Reader, doc: LineDict) -> Definitions:
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


def _reason_list(r: Reader, value: Any, line: int, where: str) -> tuple[str, ...]:
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
    r: Reader, defs: LineDict, outcomes: list[str]
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


def _read_pauses(r: Reader, defs: LineDict) -> PauseRules | None:
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
    return PauseRules(reasons, longest, line)


def _condition(r: Reader, obj: Any, line: int, where: str) -> Any:
    def lines(mapping: Any, key: Any) -> int | None:
        return mapping.key_lines.get(key) if isinstance(mapping, LineDict) else None

    try:
        return parse_condition(obj, line, lines)
    except ConditionError as exc:
        r.fail(exc.line or line, f"{where}: {exc}")
        return None


def _read_commitments(r: Reader, doc: LineDict) -> list[Commitment]:
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
    r: Reader, party: str, item: LineDict, seen: dict[str, int]
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
    allowed = COMMON_COMMITMENT_KEYS + MEASURE_SPECS[measure].yaml_keys
    if "pausable" not in allowed and "pausable" in item:
        allowed = (*allowed, "pausable")  # refused above, with the reason
    r.check_keys(item, allowed, where)
    if "target" not in item:
        r.fail(item.line, f"{where} needs a 'target' such as '90%'")
    target = r.target(item.get("target", "100%"), r.line(item, "target"), where)

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
    for key in MEASURE_SPECS[measure].keys:  # the measure's own keys, as its spec reads them
        kw.update(_KEY_READERS[key.read](r, item, key, where, str(measure)))
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


# How each kind of key (``model.Key.read``) is read: (reader, commitment, its key, where,
# measure) -> the Commitment fields it fills; a key left out fails when it is required.


def _read_duration(r: Reader, item: LineDict, key: Key, where: str, measure: str) -> dict[str, Any]:
    if key.name not in item:
        if key.required:
            r.fail(item.line, f"{where} ({measure}) needs '{key.name}', e.g. '4 business hours'")
        return {}
    value = r.duration(item[key.name], r.line(item, key.name), f"{where} {key.name}")
    return {key.field or key.name: value}


def _read_touches(r: Reader, item: LineDict, key: Key, where: str, measure: str) -> dict[str, Any]:
    """A whole number of touches, 1 to ``MAX_TOUCHES``."""
    field = key.field or key.name
    if key.name not in item:
        if key.required:
            r.fail(item.line, f"{where} ({measure}) needs '{key.name}', a whole number of touches")
        return {}
    value, line = item[key.name], r.line(item, key.name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        r.fail(line, f"{where} {key.name} must be a whole number of at least 1")
        return {field: None}
    if value > MAX_TOUCHES:
        r.fail(line, f"{where} {key.name} {value} is too many: at most {MAX_TOUCHES}")
        return {field: None}
    return {field: value}


def _read_minutes(r: Reader, item: LineDict, key: Key, where: str, measure: str) -> dict[str, Any]:
    """Time spent: minutes or hours, never business time."""
    if key.name not in item:
        if key.required:
            r.fail(item.line, f"{where} ({measure}) needs '{key.name}', e.g. '15 minutes'")
        return {}
    line = r.line(item, key.name)
    value = r.duration(item[key.name], line, f"{where} {key.name}")
    if value is not None and value.business:
        r.fail(line, f"{where} {key.name} is time spent: use minutes or hours, e.g. '15 minutes'")
    return {key.field or key.name: value}


def _read_fields(r: Reader, item: LineDict, key: Key, where: str, measure: str) -> dict[str, Any]:
    """A non-empty list of the lead's contact fields or ``extra.*``."""
    if key.name not in item and not key.required:
        return {}
    fields = item.get(key.name)
    if not isinstance(fields, list) or not fields:
        r.fail(
            r.line(item, key.name) if key.name in item else item.line,
            f"{where} needs '{key.name}', a list such as [first_name, email, phone]",
        )
        fields = []
    for f in fields:
        if f not in CONTACT_FIELDS and not str(f).startswith("extra."):
            r.fail(r.line(item, key.name), f"unknown field '{f}' in {where} {key.name}")
    return {key.field or key.name: tuple(str(f) for f in fields)}


def _read_every(r: Reader, item: LineDict, key: Key, where: str, measure: str) -> dict[str, Any]:
    """Calendar days or weeks (default 1 week), kept as written for display too."""
    text = item.get(key.name, "1 week")
    line = r.line(item, key.name)
    every = r.duration(text, line, f"{where} {key.name}")
    if every is not None and every.unit not in ("weeks", "days"):
        r.fail(line, f"{where} {key.name}: use calendar weeks or days, e.g. '1 week' or '2 weeks'")
        every = None
    field = key.field or key.name
    return {field: every, f"{field}_text": str(text)}


def _read_assume(r: Reader, item: LineDict, key: Key, where: str, measure: str) -> dict[str, Any]:
    """time_spent ``assume: {email: 2 minutes}``: the time a touch of a kind counts for
    when it carries no duration."""
    if key.name not in item:
        return {}
    line = r.line(item, key.name)
    assume = r.mapping(item[key.name], f"{where} {key.name}", line)
    if assume is None:
        return {}
    out = []
    for kind, value in assume.items():
        what = f"{where} {key.name}.{kind}"
        d = r.duration(value, r.line(assume, kind), what)
        if d is not None and d.business:
            r.fail(r.line(assume, kind), f"{what}: use minutes, e.g. '2 minutes'")
        elif d is not None:
            out.append((str(kind).strip().lower(), d))
    return {key.field or key.name: tuple(out)}


_KEY_READERS: dict[str, Callable[[Reader, LineDict, Key, str, str], dict[str, Any]]] = {
    "duration": _read_duration,
    "touches": _read_touches,
    "minutes": _read_minutes,
    "fields": _read_fields,
    "every": _read_every,
    "assume": _read_assume,
}


def _read_escalate(r: Reader, item: LineDict, where: str) -> tuple[Escalation, ...]:
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
        if to not in ("manager", "rep") and not is_email(to):
            r.fail(
                r.line(step, "to"), f"{where} escalate to '{to}': use manager, rep or an address"
            )
            continue
        if after is not None:
            out.append(Escalation(after, to))
    return tuple(out)


def _read_agreement(r: Reader, doc: Any) -> Agreement | None:
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
        # SPEC 7.5: assume gives a time to touches without a duration; any other kind is
        # never counted (a typo, 'emial', would silently count nothing)
        for kind, _ in c.assume:
            if kind not in definitions.touch_kinds:
                r.fail(
                    c.line,
                    f"commitment {c.id} assume.{kind}: '{kind}' is not a touch kind, so it"
                    f" never counts; use one of {', '.join(definitions.touch_kinds)}"
                    " (definitions.touch_kinds)",
                )
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
    r = Reader(path)
    try:
        doc = read_yaml(text, path)
    except AgreementError as exc:
        return None, [line_and_message(str(exc))]
    agreement = _read_agreement(r, doc)
    return agreement, r.errors


def load_agreement_text(text: str, path: Path = Path("<inline>")) -> Agreement:
    agreement, errors = read_agreement(text, path)
    if errors:
        line, message = errors[0]
        raise AgreementError(f"{path}:{line}: {message}")
    assert agreement is not None
    return agreement


def load_agreement(path: Path) -> Agreement:
    return load_agreement_text(read_text(path), path)


def read_quotas(text: str, path: Path) -> tuple[Quotas | None, list[tuple[int, str]]]:
    errors: list[tuple[int, str]] = []
    try:
        doc = read_yaml(text, path)
    except AgreementError as exc:
        return None, [line_and_message(str(exc))]
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
    quotas, errors = read_quotas(read_text(path), path)
    if errors:
        line, message = errors[0]
        raise AgreementError(f"{path}:{line}: {message}")
    assert quotas is not None
    return quotas
