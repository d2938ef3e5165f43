"""``slactl agreement diff``: what changed between two agreements, in words.

Commitments are matched by id; each line names one change, old value → new value.
"""

from __future__ import annotations

from collections.abc import Sequence

from slactl.agreement.model import (
    Agreement,
    CalendarSpec,
    Commitment,
    Definitions,
    Escalation,
    PauseRules,
    Signatory,
)
from slactl.agreement.yamlfile import WEEKDAY_NAMES

# a commitment's terms, in the order the agreement states them
_TERMS = ("measure", "within", "warn", "minimum", "open_for", "max_gap", "until")


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def _hours(spans: Sequence[tuple[int, int]] | None) -> str:
    if not spans:
        return "closed"
    return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans)


def _val(x: object) -> str:
    return "none" if x is None else str(x)


def _listed(old: Sequence[str], new: Sequence[str]) -> list[str]:
    added = [x for x in new if x not in old]
    removed = [x for x in old if x not in new]
    out = [f"{x} added" for x in added] + [f"{x} removed" for x in removed]
    return out or [f"{', '.join(old)} → {', '.join(new)}"]  # same items, new order


def _assumed(assume: Sequence[tuple[str, object]]) -> str:
    return ", ".join(f"{kind} {d}" for kind, d in assume) or "none"


def _steps(steps: Sequence[Escalation]) -> str:
    return ", ".join(f"{e.to} after {e.after}" for e in steps) or "none"


def _commitment(old: Commitment, new: Commitment) -> list[str]:
    out = []
    for name in _TERMS:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(f"{name.replace('_', ' ')} {_val(a)} → {_val(b)}")
    if old.every != new.every:
        out.append(f"every {old.every_text or old.every} → {new.every_text or new.every}")
    if old.target != new.target:
        out.append(f"target {_pct(old.target)} → {_pct(new.target)}")
    if old.minimum_time != new.minimum_time:
        out.append(f"minimum {_val(old.minimum_time)} → {_val(new.minimum_time)}")
    if old.assume != new.assume:
        out.append(f"assume {_assumed(old.assume)} → {_assumed(new.assume)}")
    if old.pausable != new.pausable:  # SPEC 7.3
        out.append("pausable " + ("yes → no" if old.pausable else "no → yes"))
    if old.calendar != new.calendar:  # SPEC 8.1
        out.append(f"calendar {old.calendar or 'agreement'} → {new.calendar or 'agreement'}")
    if old.escalate != new.escalate:  # SPEC 8.2
        out.append(f"escalate {_steps(old.escalate)} → {_steps(new.escalate)}")
    if old.fields != new.fields:
        out.append("fields " + "; ".join(_listed(old.fields, new.fields)))
    a = old.applies_to.describe() if old.applies_to else "every MQL"
    b = new.applies_to.describe() if new.applies_to else "every MQL"
    if a != b:
        out.append(f"applies to {a} → {b}")
    if old.party != new.party:
        out.append(f"owner {old.party} → {new.party}")
    if old.activity != new.activity:
        out.append(f"activity {old.activity or 'none'!r} → {new.activity or 'none'!r}")
    return out


def _commitments(old: Agreement, new: Agreement) -> list[str]:
    lines = []
    olds = {c.id: c for c in old.commitments}
    news = {c.id: c for c in new.commitments}
    for cid, c in news.items():
        if cid not in olds:
            lines.append(f"commitment {cid} added ({c.party}: {c.measure}, {c.timeframe()})")
        else:
            changes = _commitment(olds[cid], c)
            if changes:
                lines.append(f"{cid}: " + "; ".join(changes))
    lines += [f"commitment {cid} removed" for cid in olds if cid not in news]
    return lines


def _calendar(a: CalendarSpec, b: CalendarSpec) -> list[str]:
    lines = []
    if a.timezone != b.timezone:
        lines.append(f"calendar: time zone {a.timezone} → {b.timezone}")
    for wd, name in enumerate(WEEKDAY_NAMES):
        ha, hb = a.hours.get(wd), b.hours.get(wd)
        if tuple(ha or ()) == tuple(hb or ()):
            continue
        if not ha:
            lines.append(f"calendar: {name} {_hours(hb)} added")
        elif not hb:
            lines.append(f"calendar: {name} {_hours(ha)} removed")
        else:
            lines.append(f"calendar: {name} {_hours(ha)} → {_hours(hb)}")
    if a.holiday_country != b.holiday_country:
        ca, cb = a.holiday_country or "none", b.holiday_country or "none"
        lines.append(f"calendar: public holidays {ca} → {cb}")
    if a.holiday_subdivision != b.holiday_subdivision:
        lines.append(
            f"calendar: holiday subdivision {a.holiday_subdivision or 'none'}"
            f" → {b.holiday_subdivision or 'none'}"
        )
    lines += [f"holiday {d} added" for d in sorted(set(b.holidays_add) - set(a.holidays_add))]
    lines += [f"holiday {d} removed" for d in sorted(set(a.holidays_add) - set(b.holidays_add))]
    lines += [
        f"public holiday {d} now worked"
        for d in sorted(set(b.holidays_remove) - set(a.holidays_remove))
    ]
    lines += [
        f"public holiday {d} no longer worked"
        for d in sorted(set(a.holidays_remove) - set(b.holidays_remove))
    ]
    return lines


def _definitions(a: Definitions, b: Definitions) -> list[str]:
    lines = []
    ma = a.mql.describe() if a.mql else "handoffs only"
    mb = b.mql.describe() if b.mql else "handoffs only"
    if ma != mb:
        lines.append(f"mql definition: {ma} → {mb}")
    if a.touch_kinds != b.touch_kinds:
        lines.append("touch kinds: " + "; ".join(_listed(a.touch_kinds, b.touch_kinds)))
    if a.outcomes != b.outcomes:
        lines.append("outcomes: " + "; ".join(_listed(a.outcomes, b.outcomes)))
    ra, rb = dict(a.reasons), dict(b.reasons)  # SPEC 7.4: outcome -> the reasons allowed
    for outcome in [*ra, *(o for o in rb if o not in ra)]:
        if ra.get(outcome) != rb.get(outcome):
            was, now = ra.get(outcome), rb.get(outcome)
            change = _listed(was, now) if was and now else [f"{_any(was)} → {_any(now)}"]
            lines.append(f"reasons for {outcome}: " + "; ".join(change))
    pa, pb = a.pauses, b.pauses  # SPEC 7.3
    if (pa is None) != (pb is None):
        lines.append(f"pauses: {_pauses(pa)} → {_pauses(pb)}")
    elif pa is not None and pb is not None:
        if pa.reasons != pb.reasons:
            lines.append("pause reasons: " + "; ".join(_listed(pa.reasons, pb.reasons)))
        if pa.max != pb.max:
            lines.append(f"pause max: {_val(pa.max)} → {_val(pb.max)}")
    if a.currency != b.currency:  # SPEC 9
        lines.append(f"currency: {_val(a.currency)} → {_val(b.currency)}")
    return lines


def _any(reasons: Sequence[str] | None) -> str:
    return ", ".join(reasons) if reasons else "any reason"


def _pauses(rules: PauseRules | None) -> str:
    if rules is None:
        return "off"
    most = f", at most {rules.max}" if rules.max is not None else ", no limit"
    return f"on ({', '.join(rules.reasons)}{most})"


def _signatory(s: Signatory | None) -> str:
    if s is None:
        return "none"
    return f"{s.name}, signed {s.signed}" if s.signed else f"{s.name}, not signed"


def _signatories(old: Agreement, new: Agreement) -> list[str]:
    lines = []
    for side in sorted(set(old.signatories) | set(new.signatories)):
        a, b = old.signatories.get(side), new.signatories.get(side)
        if a != b:
            lines.append(f"signatory {side}: {_signatory(a)} → {_signatory(b)}")
    return lines


def _paperwork(old: Agreement, new: Agreement) -> tuple[list[str], list[str]]:
    """What changes no outcome: (name and period, title and signatories)."""
    head, tail = [], []
    if old.name != new.name:
        head.append(f"name: {old.name} → {new.name}")
    if (old.period_start, old.period_end) != (new.period_start, new.period_end):
        head.append(
            f"period: {old.period_start}..{old.period_end} → {new.period_start}..{new.period_end}"
        )
    if old.title != new.title:
        tail.append(f"title: {old.title!r} → {new.title!r}")
    tail += _signatories(old, new)
    return head, tail


def diff_agreements(old: Agreement, new: Agreement, *, terms_only: bool = False) -> list[str]:
    """Every difference between two agreements, one line each; empty when they agree.

    ``terms_only`` leaves out what changes no outcome (name, period, title, signatories):
    ``whatif`` applies a draft to whatever period it is asked about."""
    terms = _commitments(old, new)
    terms += _calendar(old.calendar_spec, new.calendar_spec)
    terms += _definitions(old.definitions, new.definitions)
    if old.points != new.points:
        pa = f"met {old.points.met}, breached {old.points.breached}" if old.points else "none"
        pb = f"met {new.points.met}, breached {new.points.breached}" if new.points else "none"
        terms.append(f"points: {pa} → {pb}")
    if terms_only:
        return terms
    head, tail = _paperwork(old, new)
    return head + terms + tail
