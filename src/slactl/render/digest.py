"""The digest's plain-text and HTML bodies.

The HTML uses inline styles only (mail clients drop <style> blocks) and the same
commitment, funnel and rep tables as ``slactl report --format html`` (``html_tables``).
"""

from __future__ import annotations

import html
from collections.abc import Collection
from dataclasses import replace
from datetime import timedelta

from slactl.render.report import _CSS, html_tables, leads, pct
from slactl.render.safe import clean
from slactl.render.status import business_amount
from slactl.usecases.digest import Digest
from slactl.usecases.reading import StatusItem

MAX_UPCOMING = 25  # a longer list belongs in `slactl status`


def _state(i: StatusItem) -> str:
    if i.left < timedelta(0):
        return "OVERDUE"
    return "AT RISK" if i.outcome.state.value == "at_risk" else "due"


def _result(d: Digest, cid: str) -> str:
    c = next(c for c in d.commitments if c.id == cid)
    return "n/a" if c.compliance is None else ("pass" if c.passed else "FAIL")


def _trend_labels(d: Digest) -> list[str]:
    return [f"W{p.start.isocalendar()[1]:02d}" for p in d.trend_periods()]


def _trend_cells(d: Digest, cid: str) -> list[str]:
    return ["—" if x is None else f"{x * 100:.0f}%" for x in d.trend_of(cid)]


def _ratio(met: int, breached: int) -> float | None:
    return round(met / (met + breached), 4) if met + breached else None


def volume_line(d: Digest) -> str:
    """Marketing's MQLs against the month's quota, so far."""
    c = next((c for c in d.month_to_date.commitments if c.measure == "mql_volume"), None)
    label = d.month_to_date.period.label
    if c is None or c.quota is None:
        return f"no MQL quota for {label}"
    quota = leads(c.quota)
    share = f" ({(c.actual or 0) / c.quota:.0%})" if c.quota else ""
    return f"{c.actual or 0} MQLs of a quota of {quota} so far in {label}{share}"


def _heading(d: Digest) -> str:
    r = d.week
    who = f"{d.rep}'s leads, " if d.rep else ""
    return (
        f"{r.title}: {who}{r.period.label} ({r.period.start}..{r.period.end}),"
        f" as of {r.as_of.astimezone(d.tz):%Y-%m-%d %H:%M %Z}"
    )


def _upcoming_row(d: Digest, i: StatusItem) -> list[str]:
    o = i.outcome
    assert o.deadline is not None
    return [
        i.lead,
        i.company or "",
        o.commitment_id,
        f"{o.deadline.astimezone(d.tz):%a %m-%d %H:%M}",
        business_amount(i.left),
        _state(i),
        o.owner or "—",
    ]


UPCOMING_HEADERS = ["Lead", "Company", "Commitment", "Due", "Business time", "State", "Owner"]


def _columns(rows: list[list[str]], right: Collection[int] = ()) -> list[str]:
    """Rows of cells as aligned lines; columns in ``right`` are right-aligned. Cells are
    data: control characters go (``--dry-run`` prints this on a terminal)."""
    rows = [[clean(cell) for cell in row] for row in rows]
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(w) if k in right else cell.ljust(w)
            for k, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def digest_text(d: Digest) -> str:
    r = d.week
    lines = [d.subject(), "", _heading(d), ""]
    rows = [["Commitment", "Target", "Met", "Breached", "Pending", "Compliance", "Result"]]
    rows[0] += _trend_labels(d)
    for c in d.commitments:
        rows.append(
            [c.id, f"{c.target:.0%}", str(c.met), str(c.breached), str(c.pending)]
            + [pct(c.compliance), _result(d, c.id), *_trend_cells(d, c.id)]
        )
    lines += _columns(rows, right={1, 2, 3, 4, 5, 7, 8, 9, 10, 11})
    lines += ["", f"Trend: compliance in the four weeks before and in {r.period.label}."]
    lines += ["", "Marketing: " + volume_line(d)]  # the team's MQLs, also in a rep's digest
    if r.reps and d.rep is None:
        lines += ["", "Reps:"]
        reps = [["Rep", "Met", "Breached", "Pending", "Compliance", "Points"]]
        reps += [
            [x.rep, str(x.met), str(x.breached), str(x.pending)]
            + [pct(_ratio(x.met, x.breached)), str(x.points)]
            for x in r.reps
        ]
        lines += ["  " + x for x in _columns(reps, right={1, 2, 3, 4, 5})]
    lines += ["", f"Due, at risk or overdue in the coming week: {len(d.upcoming)}"]
    if d.upcoming:
        rows = [UPCOMING_HEADERS] + [_upcoming_row(d, i) for i in d.upcoming[:MAX_UPCOMING]]
        lines += ["  " + x for x in _columns(rows)]
    if len(d.upcoming) > MAX_UPCOMING:
        more = len(d.upcoming) - MAX_UPCOMING
        lines.append(f"  … and {more} more: run 'slactl status --rep REP'")
    if r.notes:
        lines += ["", *(f"Note: {n}" for n in r.notes)]
    return "\n".join(lines) + "\n"


def _table(headers: list[str], rows: list[list[tuple[str, str]]]) -> str:
    """A table with inline styles; each cell is (text, style key)."""
    e = html.escape
    out = [f'<table style="{_CSS["table"]}"><tr>']
    out += [f'<th style="{_CSS["th"]}">{e(h)}</th>' for h in headers]
    out.append("</tr>")
    for row in rows:
        out.append("<tr>")
        out += [f'<td style="{_CSS[style]}">{e(text)}</td>' for text, style in row]
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def trend_png(d: Digest) -> bytes:
    """The trend as a PNG for the email (clients show an inline image, not SVG or JS):
    each commitment's compliance in the four weeks before and this week, its target
    dashed."""
    from slactl.render import charts

    series = [(c.id, d.trend_of(c.id), c.target) for c in d.commitments]
    fig = charts.trend_chart(_trend_labels(d), series, columns=4, width=8.0)
    return charts.to_png(fig)


def digest_html(d: Digest, *, chart_cid: str | None = None) -> str:
    """The HTML body; ``chart_cid``: the content id of ``trend_png``'s image, shown above
    the trend table."""
    e = html.escape
    r = d.week
    trend_rows = []
    for c in d.commitments:
        result = _result(d, c.id)
        style = {"pass": "pass", "FAIL": "fail"}.get(result, "td")
        trend_rows.append(
            [(c.id, "td"), (result, style)] + [(x, "num") for x in _trend_cells(d, c.id)]
        )
    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="font-family:Helvetica,Arial,sans-serif;font-size:14px">',
        f'<h2 style="margin:0 0 8px 0">{e(d.subject())}</h2>',
        f"<p>{e(_heading(d))}</p>",
        html_tables(replace(r, commitments=d.commitments)),
        '<h3 style="margin:16px 0 8px 0">Trend: compliance, four weeks before and this week</h3>',
        (
            f'<p><img src="cid:{e(chart_cid)}" alt="Compliance per commitment, five weeks,'
            ' against target" style="max-width:100%;height:auto" width="800"></p>'
            if chart_cid
            else ""
        ),
        _table(["Commitment", "Result", *_trend_labels(d)], trend_rows),
        f"<p><b>Marketing:</b> {e(volume_line(d))}</p>",
        f'<h3 style="margin:16px 0 8px 0">Due, at risk or overdue in the coming week:'
        f" {len(d.upcoming)}</h3>",
    ]
    if d.upcoming:
        rows = []
        for i in d.upcoming[:MAX_UPCOMING]:
            cells = _upcoming_row(d, i)
            state = "fail" if cells[5] in ("OVERDUE", "AT RISK") else "td"
            rows.append(
                [(x, "td") for x in cells[:4]]
                + [(cells[4], "num"), (cells[5], state)]
                + [(cells[6], "td")]
            )
        parts.append(_table(UPCOMING_HEADERS, rows))
    if len(d.upcoming) > MAX_UPCOMING:
        more = len(d.upcoming) - MAX_UPCOMING
        parts.append(f"<p>… and {more} more: run <code>slactl status --rep REP</code></p>")
    parts += [f"<p><i>Note: {e(n)}</i></p>" for n in r.notes]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
