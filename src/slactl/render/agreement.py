"""``slactl agreement show``: the agreement as the sign-off template, and its calendar."""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from slactl.agreement.loader import WEEKDAY_NAMES
from slactl.agreement.model import Agreement

PARTY_TITLES = {
    "marketing": "Marketing service level agreements",
    "sales": "Sales service level agreements",
    "shared": "Sales and Marketing service level agreements",
}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def upcoming_holidays(agreement: Agreement, on: date, count: int = 10) -> list[tuple[date, str]]:
    spec = agreement.calendar_spec
    out: list[tuple[date, str]] = []
    for year in range(on.year, on.year + 3):
        names = spec.holiday_names(year)
        out += sorted((d, n) for d, n in names.items() if d >= on)
        if len(out) >= count:
            break
    return out[:count]


def render_agreement(agreement: Agreement, on: date) -> RenderableType:
    parts: list[RenderableType] = [
        Text(agreement.title, style="bold"),
        Text(
            f"Service Level Agreement {agreement.name}, from {agreement.period_start}"
            f" to {agreement.period_end}"
        ),
        Text(""),
    ]
    for party in ("marketing", "sales", "shared"):
        table = Table(title=PARTY_TITLES[party], title_justify="left", expand=False)
        table.add_column("Activity")
        table.add_column("Timeframe")
        table.add_column("Target", justify="right")
        for c in agreement.commitments:
            if c.party == party:
                table.add_row(c.activity or c.id, c.timeframe(), f"{c.target:.0%}")
        if table.row_count:
            parts.append(table)
    signed = Table(title="Signed", title_justify="left")
    signed.add_column("Contact")
    signed.add_column("Name")
    signed.add_column("Date")
    for side in ("marketing", "sales"):
        s = agreement.signatories.get(side)
        if s:
            signed.add_row(f"{side.title()} contact", s.name, str(s.signed or "—"))
    if signed.row_count:
        parts.append(signed)
    spec = agreement.calendar_spec
    cal = Table(title=f"Calendar ({spec.timezone})", title_justify="left")
    cal.add_column("Day")
    cal.add_column("Working hours")
    for wd, name in enumerate(WEEKDAY_NAMES):
        spans = spec.hours.get(wd)
        cal.add_row(
            name, ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in spans) if spans else "closed"
        )
    parts.append(cal)
    hol = Table(title=f"Next holidays after {on}", title_justify="left")
    hol.add_column("Date")
    hol.add_column("Holiday")
    for d, name in upcoming_holidays(agreement, on):
        hol.add_row(f"{d:%a %Y-%m-%d}", name)
    parts.append(hol)
    return Group(*parts)
