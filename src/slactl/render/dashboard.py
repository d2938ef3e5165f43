"""The dashboard as one self-contained HTML page: inline CSS, inline SVG charts, one tiny
inline script that records script errors; nothing fetched at view time."""

from __future__ import annotations

import html
from datetime import datetime, timedelta, tzinfo

from slactl.compliance.report import Report
from slactl.render import charts
from slactl.render.report import PARTY, money, pct, summary_html
from slactl.render.status import business_amount
from slactl.usecases.dashboard import MAX_LEADS_PER_REP, Dashboard, percentile

_PAGE_CSS = """
*{box-sizing:border-box}
body{font-family:Helvetica,Arial,sans-serif;color:#24292f;margin:0 auto;max-width:1180px;
 padding:16px 24px;font-size:14px;line-height:1.4}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:14px;margin:14px 0 6px}
.meta{color:#57606a;margin:0 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:170px}
.card .fig{font-size:22px;font-weight:bold}
.card.pass{border-left:6px solid #1a7f37}.card.fail{border-left:6px solid #cf222e}
.card.na{border-left:6px solid #8c959f}
.card .id{font-weight:bold}.card .sub{color:#57606a;font-size:12px}
table{border-collapse:collapse;font-size:13px;margin:0 0 12px}
th{border:1px solid #d0d7de;padding:3px 8px;background:#f6f8fa;text-align:left}
td{border:1px solid #d0d7de;padding:3px 8px;vertical-align:top}
td.num{text-align:right}td.pass{color:#1a7f37;font-weight:bold}
td.fail{color:#cf222e;font-weight:bold}td.at_risk{color:#9a6700;font-weight:bold}
td.breached{color:#cf222e;font-weight:bold}
table.leads td:nth-child(-n+4){white-space:nowrap}
p.note{color:#57606a;font-size:13px}
svg{max-width:100%;height:auto}
td.tc{font-size:11px;text-align:center;padding:3px 4px;min-width:26px}
td.tc.pass{background:#dafbe1;color:#1a7f37}td.tc.fail{background:#ffebe9;color:#cf222e}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:13px}
dl.legend dt{font-weight:bold}dl.legend dd{margin:0}
section{break-inside:avoid-page}
@media print{body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}
 .card{min-width:140px}section.leads{break-inside:auto}}
"""

# records any script error on <html data-errors="…">, for the browser test and for anyone
# inspecting the page; the page itself needs no script
_ERRORS_SCRIPT = (
    "<script>window.addEventListener('error',function(e){var d=document.documentElement;"
    "d.setAttribute('data-errors',(d.getAttribute('data-errors')||'')+e.message+';')});"
    "</script>"
)


def _e(x: object) -> str:
    return html.escape(str(x))


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"c{self.n}"


def _local(t: datetime, tz: tzinfo) -> str:
    return f"{t.astimezone(tz):%a %Y-%m-%d %H:%M}"


def _header(d: Dashboard, tz: tzinfo) -> str:
    r = d.report
    who = f" — {r.rep_filter}'s leads" if r.rep_filter else ""
    return (
        f"<header><h1>{_e(r.title)} — {_e(r.period.label)}{_e(who)}</h1>"
        f'<p class="meta" id="meta">Period <b>{r.period.start}</b> to <b>{r.period.end}</b>'
        f" · as of <b>{_e(_local(r.as_of, tz))}</b>"
        f" · agreement <b>{_e(', '.join(d.agreements) or r.agreement)}</b></p></header>"
    )


def _cards(r: Report) -> str:
    out = ['<div class="cards">']
    for c in r.commitments:
        kind = "na" if c.compliance is None else ("pass" if c.passed else "fail")
        verdict = {"na": "n/a", "pass": "pass", "fail": "FAIL"}[kind]
        out.append(
            f'<div class="card {kind}" data-commitment="{_e(c.id)}">'
            f'<div class="id">{_e(c.id)}</div>'
            f'<div class="fig">{_e(pct(c.compliance))} <small>{verdict}</small></div>'
            f'<div class="sub">target {c.target:.0%} · {_e(PARTY.get(c.owner, c.owner))}'
            f" · {c.met} met, {c.breached} breached, {c.pending} pending</div></div>"
        )
    out.append("</div>")
    return "".join(out)


def _trend_labels(d: Dashboard) -> list[str]:
    if d.trend_unit == "month":
        return [p.start.strftime("%b") for p in (t.period for t in d.trend)]
    return [f"W{p.start.isocalendar()[1]:02d}" for p in (t.period for t in d.trend)]


def _trend_series(d: Dashboard) -> list[tuple[str, list[float | None], float]]:
    out = []
    for c in d.report.commitments:
        values: list[float | None] = []
        for t in d.trend:
            found = (
                next((x for x in t.report.commitments if x.id == c.id), None) if t.report else None
            )
            values.append(found.compliance if found else None)
        out.append((c.id, values, c.target))
    return out


def _trend_table(d: Dashboard, labels: list[str]) -> str:
    rows = ["<tr><th>Commitment</th>" + "".join(f"<th>{_e(x)}</th>" for x in labels) + "</tr>"]
    for cid, values, target in _trend_series(d):
        cells = "".join(
            '<td class="num">—</td>'
            if v is None
            else f'<td class="num {"pass" if v >= target else "fail"}">{v * 100:.0f}%</td>'
            for v in values
        )
        rows.append(f"<tr><td>{_e(cid)}</td>{cells}</tr>")
    return f'<table class="trend">{"".join(rows)}</table>'


def _speed(d: Dashboard, ids: _Ids) -> str:
    s = d.speed
    if s is None:
        return "<p>No first-touch commitment in this agreement.</p>"
    every = sorted(v for values in s.minutes.values() for v in values)
    if not every:
        return f"<p>No lead of <b>{_e(s.commitment_id)}</b> touched in this period yet.</p>"
    svg = charts.to_svg(charts.speed_chart(s.minutes, s.within_minutes), ids())
    rows = ["<tr><th>Rep</th><th>Leads</th><th>Median</th><th>90th percentile</th></tr>"]

    def fmt(x: float | None) -> str:
        return "—" if x is None else business_amount(timedelta(minutes=x)).removesuffix(" left")

    for rep, values in [("All reps", every), *s.minutes.items()]:
        rows.append(
            f"<tr><td>{_e(rep)}</td><td class='num'>{len(values)}</td>"
            f"<td class='num'>{fmt(percentile(values, 0.5))}</td>"
            f"<td class='num'>{fmt(percentile(values, 0.9))}</td></tr>"
        )
    untouched = (
        f"<p class='note'>{s.untouched} lead{'s' * (s.untouched != 1)} breached with no touch"
        " at all are not in the distribution.</p>"
        if s.untouched
        else ""
    )
    return (
        f"<p>Business time from clock start to the first touch (or an earlier disposition),"
        f" commitment <b>{_e(s.commitment_id)}</b>.</p>{svg}"
        f'<table class="speed">{"".join(rows)}</table>{untouched}'
    )


def _funnel(r: Report, ids: _Ids) -> str:
    f = r.funnel
    stages = [("Leads", f.leads), ("MQL", f.mql), ("SQL", f.sql)]
    svg = charts.to_svg(
        charts.funnel_chart([*stages, ("Disqualified", f.disqualified), ("Nurture", f.nurture)]),
        ids(),
    )

    def rate(a: int, b: int) -> str:
        return "—" if not a else f"{b / a:.1%}"

    rows = (
        "<tr><th>Step</th><th>From</th><th>To</th><th>Conversion</th></tr>"
        f"<tr><td>Lead → MQL</td><td class='num'>{f.leads}</td><td class='num'>{f.mql}</td>"
        f"<td class='num'>{rate(f.leads, f.mql)}</td></tr>"
        f"<tr><td>MQL → SQL</td><td class='num'>{f.mql}</td><td class='num'>{f.sql}</td>"
        f"<td class='num'>{rate(f.mql, f.sql)}</td></tr>"
        f"<tr><td>Lead → SQL</td><td class='num'>{f.leads}</td><td class='num'>{f.sql}</td>"
        f"<td class='num'>{rate(f.leads, f.sql)}</td></tr>"
    )
    if f.has_pipeline:  # SPEC 9: what the SQLs turned into
        median = f.median_sales_cycle
        cur = f" {_e(r.currency)}" if r.currency else ""
        rows += (
            f"<tr><td>SQL → Opportunity</td><td class='num'>{f.sql}</td>"
            f"<td class='num'>{f.opportunities}</td>"
            f"<td class='num'>{rate(f.sql, f.opportunities)}</td></tr>"
            f"<tr><td>Opportunity → Won</td><td class='num'>{f.opportunities}</td>"
            f"<td class='num'>{f.won}</td><td class='num'>{rate(f.opportunities, f.won)}</td></tr>"
            f"<tr><td>Pipeline created</td><td></td><td class='num'>{money(f.pipeline)}"
            f"{cur}</td><td></td></tr>"
            f"<tr><td>Won amount</td><td></td><td class='num'>{money(f.won_amount)}{cur}</td>"
            "<td></td></tr>"
            "<tr><td>Median sales cycle</td><td></td><td class='num'>"
            f"{'—' if median is None else f'{median:g} days'}</td><td></td></tr>"
        )
    return f'{svg}<table class="funnel">{rows}</table>'


def _reps(d: Dashboard, labels: list[str]) -> str:
    """Each rep's figures and, as a strip of cells, the rep's compliance per week (or
    month) of the trend: green at or above the lowest sales target, red below."""
    r = d.report
    if not r.reps:
        return "<p>No sales outcome for any rep in this period.</p>"
    bar = min((c.target for c in r.commitments if c.owner == "sales"), default=1.0)
    head = (
        "<tr><th>Rep</th><th>Met</th><th>Breached</th><th>Pending</th><th>Compliance</th>"
        f"<th>Points</th><th colspan='{len(labels)}'>Compliance per {d.trend_unit}"
        f" ({_e(labels[0])}–{_e(labels[-1])})</th></tr>"
    )
    rows = [head]
    for x in r.reps:
        cells = []
        for label, t in zip(labels, d.trend, strict=True):
            found = next((y for y in t.report.reps if y.rep == x.rep), None) if t.report else None
            v = found.compliance if found else None
            kind = "" if v is None else ("pass" if v >= bar else "fail")
            text = "·" if v is None else f"{v * 100:.0f}"
            cells.append(f"<td class='tc {kind}' title='{_e(label)}'>{text}</td>")
        rows.append(
            f"<tr data-rep='{_e(x.rep)}'><td>{_e(x.rep)}</td><td class='num'>{x.met}</td>"
            f"<td class='num'>{x.breached}</td><td class='num'>{x.pending}</td>"
            f"<td class='num'>{pct(x.compliance)}</td><td class='num'>{x.points}</td>"
            f"{''.join(cells)}</tr>"
        )
    return f'<table class="reps">{"".join(rows)}</table>'


def _leads(d: Dashboard, tz: tzinfo) -> str:
    out = []
    total = sum(len(v) for v in d.leads.values())
    if not total:
        return "<p>No breached or at-risk lead in this period.</p>"
    for c in d.report.commitments:
        lines = d.leads.get(c.id, ())
        if not lines:
            continue
        out.append(f"<h3 id='leads-{_e(c.id)}'>{_e(c.id)} — {len(lines)} listed</h3>")
        out.append(
            '<table class="leads"><tr><th>Rep</th><th>Lead</th><th>State</th>'
            "<th>Deadline</th><th>Why</th></tr>"
        )
        for line in lines:
            o = line.outcome
            due = _local(o.deadline, tz) if o.deadline else "—"
            out.append(
                f"<tr data-lead='{_e(o.lead_id)}'><td>{_e(o.owner or '—')}</td>"
                f"<td>{_e(o.lead_id)}</td><td class='{line.state}'>"
                f"{'breached' if line.state == 'breached' else 'at risk'}</td>"
                f"<td>{_e(due)}</td><td>{_e(o.reason)}</td></tr>"
            )
        out.append("</table>")
        left = d.leads_left_out.get(c.id)
        if left:
            out.append(
                f"<p class='note'>… and {left} more (the first {MAX_LEADS_PER_REP} of each"
                " rep are listed): <code>slactl status --rep REP</code> lists a rep's open"
                " work, <code>slactl explain LEAD</code> explains any lead.</p>"
            )
    return "".join(out)


_LEGEND = (
    '<dl class="legend">'
    "<dt>Compliance</dt><dd>met ÷ (met + breached) among the period's leads (pending and"
    " at-risk leads are not decided yet and do not count).</dd>"
    "<dt>Target</dt><dd>the agreement's figure; the black tick on a bar, the dashed line"
    " on a trend.</dd>"
    "<dt>Pass / FAIL</dt><dd>green: compliance at or above target; red: below;"
    " grey (n/a): nothing decided yet.</dd>"
    "<dt>At risk</dt><dd>still open, with less than the agreement's warning share of the"
    " business time left.</dd>"
    "<dt>Breached</dt><dd>the deadline passed without the required activity.</dd>"
    "<dt>Business time</dt><dd>time inside the agreement's business hours, holidays"
    " excluded.</dd>"
    "<dt>Points</dt><dd>met × points.met + breached × points.breached (sales).</dd>"
    "<dt>Why</dt><dd>the one-line reason <code>slactl explain LEAD</code> gives.</dd>"
    "</dl>"
)


def render_dashboard(d: Dashboard, tz: tzinfo) -> str:
    """The whole page; ``tz`` is the zone times are shown in."""
    r = d.report
    ids = _Ids()
    labels = _trend_labels(d)
    bars = charts.to_svg(
        charts.commitment_bars([(c.id, c.compliance, c.target, c.passed) for c in r.commitments]),
        ids(),
    )
    trend_svg = charts.to_svg(charts.trend_chart(labels, _trend_series(d)), ids())
    span = f"{d.trend[0].period.start}..{d.trend[-1].period.end}" if d.trend else ""
    unit = "week, the last 13 weeks" if d.trend_unit == "week" else "month, over the year"
    title = _e(f"{r.title} — {r.period.label}")
    notes = "".join(f"<p class='note'>Note: {_e(n)}</p>" for n in r.notes)
    notes += "".join(f"<p class='note'>Warning: {_e(w)}</p>" for w in r.warnings)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{_ERRORS_SCRIPT}<style>{_PAGE_CSS}</style></head>\n<body>\n"
        f"{_header(d, tz)}\n"
        f'<section id="commitments"><h2>Commitments against target</h2>{_cards(r)}{bars}'
        f"</section>\n"
        f'<section id="trend"><h2>Trend: compliance per {unit} ({span})</h2>{trend_svg}'
        f"{_trend_table(d, labels)}</section>\n"
        f'<section id="speed"><h2>Speed to lead</h2>{_speed(d, ids)}</section>\n'
        f'<section id="funnel"><h2>Funnel</h2>{_funnel(r, ids)}</section>\n'
        f'<section id="reps"><h2>Reps</h2>{_reps(d, labels)}</section>\n'
        f'<section id="summary"><h2>Summary</h2>{summary_html(r)}</section>\n'
        f'<section id="leads" class="leads"><h2>Breached and at-risk leads</h2>'
        f"{_leads(d, tz)}</section>\n"
        f'<section id="legend"><h2>Legend</h2>{_LEGEND}{notes}</section>\n'
        "</body></html>\n"
    )
