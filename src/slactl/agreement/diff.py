"""``slactl agreement diff``: what changed between two agreements, in words."""

from __future__ import annotations

from slactl.agreement.loader import WEEKDAY_NAMES
from slactl.agreement.model import Agreement, Commitment

_TERMS = ("measure", "within", "warn", "minimum", "open_for", "max_gap", "until", "every")


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def _hours(spans: tuple[tuple[int, int], ...] | None) -> str:
    if not spans:
        return "closed"
    return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans)


def _commitment(old: Commitment, new: Commitment) -> list[str]:
    out = []
    for name in _TERMS:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(f"{name} {a if a is not None else '—'} → {b if b is not None else '—'}")
    if old.target != new.target:
        out.append(f"target {_pct(old.target)} → {_pct(new.target)}")
    if old.fields != new.fields:
        out.append(f"fields {', '.join(old.fields)} → {', '.join(new.fields)}")
    a = old.applies_to.describe() if old.applies_to else "every MQL"
    b = new.applies_to.describe() if new.applies_to else "every MQL"
    if a != b:
        out.append(f"applies to {a} → {b}")
    if old.activity != new.activity:
        out.append(f"activity {old.activity!r} → {new.activity!r}")
    return out


def diff_agreements(old: Agreement, new: Agreement) -> list[str]:
    lines: list[str] = []
    if (old.period_start, old.period_end) != (new.period_start, new.period_end):
        lines.append(
            f"period: {old.period_start}..{old.period_end} → {new.period_start}..{new.period_end}"
        )
    if old.title != new.title:
        lines.append(f"title: {old.title!r} → {new.title!r}")
    olds = {c.id: c for c in old.commitments}
    news = {c.id: c for c in new.commitments}
    for cid, c in news.items():
        if cid not in olds:
            lines.append(f"commitment {cid} added ({c.party}, {c.measure}, {c.timeframe()})")
        else:
            changes = _commitment(olds[cid], c)
            if changes:
                lines.append(f"{cid}: " + "; ".join(changes))
    for cid in olds:
        if cid not in news:
            lines.append(f"commitment {cid} removed")
    a, b = old.calendar_spec, new.calendar_spec
    if a.timezone != b.timezone:
        lines.append(f"calendar: time zone {a.timezone} → {b.timezone}")
    for wd, name in enumerate(WEEKDAY_NAMES):
        ha, hb = a.hours.get(wd), b.hours.get(wd)
        if ha == hb:
            continue
        if not ha:
            lines.append(f"calendar: {name} {_hours(hb)} added")
        elif not hb:
            lines.append(f"calendar: {name} {_hours(ha)} removed")
        else:
            lines.append(f"calendar: {name} {_hours(ha)} → {_hours(hb)}")
    if (a.holiday_country, a.holiday_subdivision) != (b.holiday_country, b.holiday_subdivision):
        lines.append(
            f"calendar: public holidays {a.holiday_country or '—'}/{a.holiday_subdivision or '—'}"
            f" → {b.holiday_country or '—'}/{b.holiday_subdivision or '—'}"
        )
    for d in sorted(set(b.holidays_add) - set(a.holidays_add)):
        lines.append(f"holiday {d} added")
    for d in sorted(set(a.holidays_add) - set(b.holidays_add)):
        lines.append(f"holiday {d} removed")
    for d in sorted(set(b.holidays_remove) - set(a.holidays_remove)):
        lines.append(f"public holiday {d} now worked")
    for d in sorted(set(a.holidays_remove) - set(b.holidays_remove)):
        lines.append(f"public holiday {d} no longer worked")
    da, db = old.definitions, new.definitions
    ma = da.mql.describe() if da.mql else "handoffs only"
    mb = db.mql.describe() if db.mql else "handoffs only"
    if ma != mb:
        lines.append(f"MQL definition: {ma} → {mb}")
    if da.touch_kinds != db.touch_kinds:
        lines.append(f"touch kinds: {', '.join(da.touch_kinds)} → {', '.join(db.touch_kinds)}")
    if da.outcomes != db.outcomes:
        lines.append(f"outcomes: {', '.join(da.outcomes)} → {', '.join(db.outcomes)}")
    if old.points != new.points:
        pa = f"met {old.points.met}, breached {old.points.breached}" if old.points else "none"
        pb = f"met {new.points.met}, breached {new.points.breached}" if new.points else "none"
        lines.append(f"points: {pa} → {pb}")
    return lines
