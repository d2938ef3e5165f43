"""``slactl agreement show``: the agreement as the sign-off template, and its calendar.

The layout follows the template in the background material: per party a table of
Activity | Timeframe (| Target), the period both sides commit to, the signatures, and
then what the template leaves implicit — the business calendar every deadline runs on.
"""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from slactl.agreement.model import Agreement
from slactl.agreement.yamlfile import WEEKDAY_NAMES
from slactl.render.safe import table as data_table
from slactl.render.safe import text as data_text

PARTY_TITLES = {
    "marketing": "Marketing service level agreements",
    "sales": "Sales service level agreements",
    "shared": "Sales and Marketing service level agreements",
}
HOLIDAYS_SHOWN = 10


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _table(*columns: str) -> Table:
    # cells are data, never markup: an activity such as "[call] leads" prints as written
    table = data_table()
    for name in columns:
        table.add_column(name, justify="right" if name == "Target" else "left")
    return table


def _heading(text: str) -> Text:
    return data_text(text, style="bold")


def upcoming_holidays(
    agreement: Agreement, on: date, count: int = HOLIDAYS_SHOWN
) -> list[tuple[date, str]]:
    """The next ``count`` closed dates on or after ``on`` up to the agreement's last day
    (public holidays the company works are left out; company days off are in), with their
    names."""
    spec = agreement.calendar_spec
    end = agreement.period_end
    out: list[tuple[date, str]] = []
    for year in range(on.year, min(on.year + 3, end.year + 1)):
        names = spec.holiday_names(year)
        out += sorted((d, n) for d, n in names.items() if on <= d <= end)
        if len(out) >= count:
            break
    return out[:count]


def render_agreement(agreement: Agreement, on: date) -> RenderableType:
    """The sign-off sheet of ``agreement`` and its calendar; holidays from ``on``."""
    start, end = agreement.period_start, agreement.period_end
    parts: list[RenderableType] = [
        data_text(agreement.title, style="bold"),
        data_text(f"Service Level Agreement {agreement.name}, from {start} to {end}"),
    ]
    for party in ("marketing", "sales", "shared"):
        table = _table("Activity", "Timeframe", "Target")
        for c in agreement.commitments:
            if c.party == party:
                # a pausable deadline moves with the lead's pauses (SPEC 7.3): say so where
                # it is signed, or "within 4 business hours" reads as the whole promise
                paused = ", paused time not counted" if c.pausable else ""
                table.add_row(
                    data_text(c.activity or c.id),
                    data_text(c.timeframe() + paused),
                    data_text(f"{c.target:.0%}"),
                )
        if table.row_count:
            parts += [data_text(""), _heading(PARTY_TITLES[party]), table]
    parts += _lead_life(agreement)
    parts += [
        data_text(""),
        data_text("We, the undersigned, hereby commit to this SLA for the following time period:"),
        data_text(f"{start} to {end}"),
    ]
    signed = _table("Contact", "Name", "Date")
    for side in ("marketing", "sales"):
        s = agreement.signatories.get(side)
        signed.add_row(
            data_text(f"{side.title()} contact"),
            data_text(s.name if s and s.name else "—"),
            data_text(str(s.signed) if s and s.signed else "—"),
        )
    parts += [_heading("Signed"), signed]
    spec = agreement.calendar_spec
    cal = _table("Day", "Working hours")
    for wd, name in enumerate(WEEKDAY_NAMES):
        spans = spec.hours.get(wd)
        hours = ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in spans) if spans else "closed"
        cal.add_row(data_text(name), data_text(hours))
    parts += [data_text(""), _heading(f"Business calendar, time zone {spec.timezone}"), cal]
    where = spec.holiday_country or "no public calendar"
    if spec.holiday_country and spec.holiday_subdivision:
        where += f"-{spec.holiday_subdivision}"
    hol = _table("Date", "Holiday")
    for d, name in upcoming_holidays(agreement, on):
        hol.add_row(data_text(f"{d:%a %Y-%m-%d}"), data_text(name))
    if not hol.row_count:
        hol.add_row(data_text("—"), data_text("none"))
    heading = f"Next {HOLIDAYS_SHOWN} holidays from {on} to {end} ({where})"
    parts += [data_text(""), _heading(heading), hol]
    return Group(*parts)


def _lead_life(agreement: Agreement) -> list[RenderableType]:
    """The pauses a lead may take and the reasons a disposition must give (SPEC 7.3,
    7.4): terms both sides sign, so they are on the sheet."""
    d = agreement.definitions
    lines = []
    if d.pauses is not None:
        longest = f"; each at most {d.pauses.max}" if d.pauses.max is not None else ""
        lines.append(f"A lead may be paused for: {', '.join(d.pauses.reasons)}{longest}.")
    for outcome, allowed in d.reasons:
        lines.append(f"A disposition '{outcome}' gives one of: {', '.join(allowed)}.")
    if not lines:
        return []
    return [data_text(""), _heading("Pauses and reasons"), *map(data_text, lines)]
