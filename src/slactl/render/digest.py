"""The digest's plain-text and HTML bodies (HTML with inline styles: mail clients drop
<style> blocks)."""

from __future__ import annotations

import html

from slactl.digest import Digest
from slactl.render.report import _CSS, html_tables, pct


def _volume(d: Digest) -> str:
    c = next((c for c in d.month_to_date.commitments if c.measure == "mql_volume"), None)
    if c is None or c.quota is None:
        return "no MQL quota for this month"
    q = int(c.quota) if float(c.quota).is_integer() else c.quota
    return f"{c.actual or 0} MQLs of a quota of {q} so far in {d.month_to_date.period.label}"


def _trend(d: Digest, cid: str) -> str:
    return " → ".join("—" if x is None else f"{x * 100:.0f}%" for x in d.trend_of(cid))


def digest_text(d: Digest) -> str:
    r = d.week
    lines = [
        d.subject(),
        "",
        f"{r.title}, week {r.period.start}..{r.period.end}"
        f" (as of {r.as_of.astimezone(d.tz):%Y-%m-%d %H:%M})",
        "",
    ]
    lines.append(
        f"{'Commitment':<28} {'Target':>6} {'Met':>4} {'Brch':>4} {'Pend':>4}"
        f" {'Compl.':>7}  Result  Trend (4 weeks → this)"
    )
    for c in r.commitments:
        result = "n/a" if c.compliance is None else ("pass" if c.passed else "FAIL")
        lines.append(
            f"{c.id:<28} {c.target * 100:>5.0f}% {c.met:>4} {c.breached:>4} {c.pending:>4}"
            f" {pct(c.compliance):>7}  {result:<6}  {_trend(d, c.id)}"
        )
    lines += ["", "Marketing: " + _volume(d), ""]
    if r.reps and d.rep is None:
        lines.append("Reps (met / breached / pending, points):")
        for rep in r.reps:
            lines.append(
                f"  {rep.rep:<20} {rep.met:>3} / {rep.breached:>3} / {rep.pending:>3}"
                f"  {rep.points:>5}"
            )
        lines.append("")
    lines.append(f"Due, at risk or overdue in the coming week: {len(d.upcoming)}")
    for i in d.upcoming[:25]:
        o = i.outcome
        state = "OVERDUE" if i.left.total_seconds() < 0 else o.state.value.replace("_", " ")
        lines.append(
            f"  {i.lead:<12} {o.commitment_id:<26} {o.deadline.astimezone(d.tz):%a %m-%d %H:%M}"
            f"  {state}  ({o.owner or '—'})"
        )
    if len(d.upcoming) > 25:
        lines.append(f"  … and {len(d.upcoming) - 25} more: run 'slactl status --rep REP'")
    return "\n".join(lines) + "\n"


def digest_html(d: Digest) -> str:
    e = html.escape
    r = d.week
    parts = [
        '<!DOCTYPE html><html><body style="font-family:Helvetica,Arial,sans-serif">',
        f"<h2>{e(d.subject())}</h2>",
        f"<p>{e(r.title)}, week {r.period.start}..{r.period.end}</p>",
        html_tables(r),
        f'<table style="{_CSS["table"]}"><tr><th style="{_CSS["th"]}">Commitment</th>'
        f'<th style="{_CSS["th"]}">Trend (4 weeks → this)</th></tr>',
    ]
    for c in r.commitments:
        parts.append(
            f'<tr><td style="{_CSS["td"]}">{e(c.id)}</td>'
            f'<td style="{_CSS["td"]}">{e(_trend(d, c.id))}</td></tr>'
        )
    parts.append("</table>")
    parts.append(f"<p><b>Marketing:</b> {e(_volume(d))}</p>")
    parts.append(f"<h3>Due, at risk or overdue in the coming week: {len(d.upcoming)}</h3>")
    if d.upcoming:
        parts.append(f'<table style="{_CSS["table"]}"><tr>')
        for h in ("Lead", "Commitment", "Due", "State", "Owner"):
            parts.append(f'<th style="{_CSS["th"]}">{h}</th>')
        parts.append("</tr>")
        for i in d.upcoming[:25]:
            o = i.outcome
            state = "OVERDUE" if i.left.total_seconds() < 0 else o.state.value.replace("_", " ")
            style = _CSS["fail"] if state in ("OVERDUE", "at risk") else _CSS["td"]
            parts.append(
                f'<tr><td style="{_CSS["td"]}">{e(i.lead)}</td>'
                f'<td style="{_CSS["td"]}">{e(o.commitment_id)}</td>'
                f'<td style="{_CSS["td"]}">{o.deadline.astimezone(d.tz):%a %m-%d %H:%M}</td>'
                f'<td style="{style}">{e(state)}</td>'
                f'<td style="{_CSS["td"]}">{e(o.owner or "—")}</td></tr>'
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
