"""The report in every ``--format``: one formatter per value of ``ReportFormat``. The
CSV and HTML modules are imported by their formatters: the cell formats here (``pct``,
``money``) serve every table, ``status``'s among them."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from slactl.compliance.report import CommitmentResult, Report
from slactl.render.safe import clean


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def leads(quota: float) -> str:
    """A quota as a number of leads: whole (a week's or a custom period's share of a monthly
    quota is fractional, 6.94; it shows as 7, and compliance uses the exact figure)."""
    return str(math.floor(quota + 0.5))


def _target(c: CommitmentResult) -> str:
    return f"{c.target * 100:g}%"


def _status(c: CommitmentResult) -> str:
    if c.compliance is None:
        return "n/a"
    return "pass" if c.passed else "FAIL"


PARTY = {"sales": "Sales", "marketing": "Marketing", "shared": "Shared"}


def _rows(report: Report) -> list[list[str]]:
    rows = []
    for c in report.commitments:
        extra = ""
        if c.measure == "mql_volume" and c.quota is not None:
            extra = f" ({c.actual or 0} of {leads(c.quota)})"
        elif c.measure == "pipeline" and c.quota is not None:
            extra = f" ({money(c.actual or 0)} of {money(c.quota)}{_in(report.currency)})"
        elif c.measure == "mql_volume":
            extra = f" ({c.actual or 0}, no quota)"
        rows.append(
            [
                PARTY.get(c.owner, c.owner),
                c.id,
                (c.activity or c.measure) + extra,
                _target(c),
                str(c.met),
                str(c.breached),
                str(c.pending),
                str(c.at_risk),
                pct(c.compliance),
                _status(c),
            ]
        )
    return rows


HEADERS = [
    "Party",
    "Commitment",
    "Activity",
    "Target",
    "Met",
    "Breached",
    "Pending",
    "At risk",
    "Compliance",
    "Result",
]


def render_table(report: Report):  # type: ignore[no-untyped-def]
    from rich import box
    from rich.console import Group

    from slactl.render.safe import table, text

    title = f"{report.title} — {report.period.label}"
    if report.rep_filter:
        title += f" — {report.rep_filter}"
    # fits 80 columns: no vertical rules, the party and activity under the commitment id
    t = table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    # the ids whole (Rich folds a long one mid-word at 80 columns): the activity wraps instead
    longest = max((len(c.id) for c in report.commitments), default=0)
    t.add_column("Commitment", ratio=1, min_width=max(12, longest), overflow="fold")
    for h in HEADERS[3:8]:
        t.add_column(h, justify="right", no_wrap=True)
    t.add_column("Compliance", justify="right", no_wrap=True)
    for row, c in zip(_rows(report), report.commitments, strict=True):
        style = "" if c.compliance is None else ("green" if c.passed else "bold red")
        name = text(c.id, style="bold")
        name.append(f"\n{row[0]}: {row[2]}", style="dim")
        t.add_row(name, *row[3:8], text(f"{row[8]} {row[9]}", style=style))
    funnel = table(title="Funnel", title_justify="left", box=box.SIMPLE_HEAD)
    heads, cells = funnel_cells(report)
    for h in heads:
        funnel.add_column(h, justify="right")
    funnel.add_row(*cells)
    money_part = pipeline_cells(report)
    if money_part is not None:
        pipe = table(
            title="Pipeline",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            collapse_padding=True,
            pad_edge=False,
        )
        # fits 80 columns with amounts in the millions: short headers on two lines, the
        # figures whole (with the long headers, Rich cut them to "30,000.…")
        for h in PIPELINE_TABLE_HEADERS:
            pipe.add_column(h, justify="right", no_wrap=True)
        pipe.add_row(*money_part[1])
    reps = table(title="Reps (sales commitments)", title_justify="left", box=box.SIMPLE_HEAD)
    reps.add_column("Rep")
    for h in ("Met", "Breached", "Pending", "Compliance", "Points"):
        reps.add_column(h, justify="right")
    for r in report.reps:
        reps.add_row(
            r.rep, str(r.met), str(r.breached), str(r.pending), pct(r.compliance), str(r.points)
        )
    footer = text(
        f"as of {report.as_of.isoformat(timespec='minutes')}; agreement {report.agreement}",
        style="dim",
    )
    parts: list[Any] = [t, funnel]
    if money_part is not None:
        parts.append(pipe)
    if report.reps:
        parts.append(reps)
    if report.quality.recorded:
        # fits 80 columns: the figures whole (with the reasons in a column of their own,
        # Rich squeezed 100.0% to "100.…"), one space between them and no edges, the
        # reasons in a table of their own
        q = table(
            title="Quality (per lead source)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            padding=0,
            show_edge=False,
        )
        q.add_column("Source", ratio=1, min_width=10, overflow="fold")
        for h in QUALITY_HEADERS[1:-1]:
            q.add_column(h, justify="right", no_wrap=True)
        for row in report.quality.source_rows():
            q.add_row(*row[:-1])
        parts += [q, text("")]  # (without its edges the table has no blank line below)
        reasons = [
            (s.source, outcome, reason, str(n))
            for _, s in sorted(report.quality.sources.items())
            for outcome, by in sorted(s.reasons.items())
            for reason, n in sorted(by.items())
        ]
        if reasons:
            why = table(title="Reasons", title_justify="left", box=box.SIMPLE_HEAD)
            for h in ("Source", "Outcome", "Reason", "Cycles"):
                why.add_column(h, justify="right" if h == "Cycles" else "left")
            for reason_row in reasons:
                why.add_row(*reason_row)
            parts.append(why)
        ft = table(
            title="Business minutes to first touch", title_justify="left", box=box.SIMPLE_HEAD
        )
        for h in FIRST_TOUCH_HEADERS:
            ft.add_column(h, justify="left" if h == "Rep" else "right")
        for row in report.quality.first_touch_rows():
            ft.add_row(*row)
        parts.append(ft)
    if winner := winner_line(report):
        parts.append(text(winner, style="bold"))
    parts.append(footer)
    return Group(*parts)


QUALITY_HEADERS = [
    "Source",
    "Cycles",
    "Accepted",
    "Qualified",
    "Disqualified",
    "Returned",
    "Acceptance",
    "MQL→SQL",
    "Reasons",
]
FIRST_TOUCH_HEADERS = ["Rep", "Touched", "Median", "P90"]


def _in(currency: str | None) -> str:
    """`` USD`` after an amount, when the report's amounts have one currency."""
    return f" {currency}" if currency else ""


def money(x: float) -> str:
    """An amount with thousands separators, cents only when there are any."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def funnel_cells(report: Report) -> tuple[list[str], list[str]]:
    """The funnel's headers and cells; ``Recycled`` only when a cycle was (SPEC 7.1), the
    pipeline's (SPEC 9) only when an opportunity was created or won in the period."""
    f = report.funnel
    heads = ["Leads", "MQL", "SQL", "Disqualified", "Nurture"]
    cells = [str(v) for v in (f.leads, f.mql, f.sql, f.disqualified, f.nurture)]
    if f.recycled:
        heads.append("Recycled")
        cells.append(str(f.recycled))
    return heads, cells


def winner_line(report: Report) -> str | None:
    """``Winning team of 2024-Q2: east (240 points).``, for a report that names one."""
    if not report.names_winner:
        return None
    if report.winner is None:
        return f"No winning team in {report.period.label}: no team has a decided pair."
    w = report.winner
    return f"Winning team of {report.period.label}: {w.team} ({w.points} points)."


def pipeline_cells(report: Report) -> tuple[list[str], list[str]] | None:
    """The funnel's pipeline part (SPEC 9), each step's conversion and the median sales
    cycle; None when no opportunity was created or won in the period."""
    f = report.funnel
    if f.has_pipeline:
        rates = f.rates
        median = f.median_sales_cycle
        return [*PIPELINE_HEADERS], [
            str(f.opportunities),
            str(f.won),
            money(f.pipeline),
            money(f.won_amount),
            pct(rates["mql_to_sql"]),
            pct(rates["sql_to_opportunity"]),
            pct(rates["opportunity_to_won"]),
            "—" if median is None else f"{median:g} days",
        ]
    return None


PIPELINE_HEADERS = (
    "Opportunities",
    "Won",
    "Pipeline",
    "Won amount",
    "MQL→SQL",
    "SQL→Opp",
    "Opp→Won",
    "Median cycle",
)

# the terminal table's: "Opp" as in the rates, two words on two lines
PIPELINE_TABLE_HEADERS = (
    "Opps",
    "Won",
    "Pipeline",
    "Won\namount",
    "MQL→SQL",
    "SQL→Opp",
    "Opp→Won",
    "Median\ncycle",
)


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run: formulas start with = + - @ (or tab/CR)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def render_csv(report: Report) -> str:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "agreement",
            "period_start",
            "period_end",
            "as_of",
            "party",
            "commitment",
            "measure",
            "target",
            "met",
            "breached",
            "pending",
            "at_risk",
            "compliance",
            "passed",
            "actual",
            "quota",
        ]
    )
    for c in report.commitments:
        j = c.to_json()
        w.writerow(
            [
                _safe_cell(str(v))
                for v in (
                    report.agreement,
                    report.period.start,
                    report.period.end,
                    report.as_of.isoformat(timespec="seconds"),
                    c.owner,
                    c.id,
                    c.measure,
                    c.target,
                    c.met,
                    c.breached,
                    c.pending,
                    c.at_risk,
                    "" if c.compliance is None else c.compliance,
                    str(c.passed).lower(),
                    j.get("actual", ""),
                    j.get("quota", ""),
                )
            ]
        )
    if report.funnel.has_pipeline:  # SPEC 9: the funnel's figures, one row each, in actual
        funnel = report.funnel.to_json()
        figures = {k: funnel[k] for k in ("opportunities", "won", "pipeline", "won_amount")}
        figures |= {**funnel["rates"], "median_sales_cycle_days": funnel["median_sales_cycle_days"]}
        for name, value in figures.items():
            row = [report.agreement, report.period.start, report.period.end]
            row += [report.as_of.isoformat(timespec="seconds"), "funnel", name, "funnel"]
            row += [""] * 7 + ["" if value is None else value, ""]
            w.writerow([_safe_cell(str(v)) for v in row])
    return buf.getvalue()


def render_markdown(report: Report) -> str:
    def esc(x: str) -> str:
        return clean(x).replace("|", "\\|")

    lines = [f"## {esc(report.title)} — {report.period.label}", ""]
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("|" + "|".join("---:" if h in HEADERS[3:9] else "---" for h in HEADERS) + "|")
    for row in _rows(report):
        lines.append("| " + " | ".join(esc(x) for x in row) + " |")
    heads, cells = funnel_cells(report)
    lines += [
        "",
        "| " + " | ".join(heads) + " |",
        "|" + "---:|" * len(heads),
        "| " + " | ".join(cells) + " |",
    ]
    money_part = pipeline_cells(report)
    if money_part is not None:
        lines += [
            "",
            "| " + " | ".join(money_part[0]) + " |",
            "|" + "---:|" * len(money_part[0]),
            "| " + " | ".join(money_part[1]) + " |",
        ]
    if report.reps:
        lines += [
            "",
            "| Rep | Met | Breached | Pending | Compliance | Points |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in report.reps:
            lines.append(
                f"| {esc(r.rep)} | {r.met} | {r.breached} | {r.pending} | {pct(r.compliance)}"
                f" | {r.points} |"
            )
    if report.quality.recorded:
        for heads, rows in (
            (QUALITY_HEADERS, report.quality.source_rows()),
            (FIRST_TOUCH_HEADERS, report.quality.first_touch_rows()),
        ):
            lines += ["", "| " + " | ".join(heads) + " |"]
            lines.append(
                "|" + "|".join("---" if i == 0 else "---:" for i in range(len(heads))) + "|"
            )
            lines += ["| " + " | ".join(esc(x) for x in row) + " |" for row in rows]
    if winner := winner_line(report):
        lines += ["", f"**{esc(winner)}**"]
    lines += ["", f"_As of {report.as_of.isoformat(timespec='minutes')}._", ""]
    return "\n".join(lines)


_CSS = {
    "table": "border-collapse:collapse;font-family:Helvetica,Arial,sans-serif;font-size:14px;"
    "margin:0 0 16px 0",
    "th": "border:1px solid #ccc;padding:4px 8px;background:#f3f3f3;text-align:left",
    "td": "border:1px solid #ccc;padding:4px 8px",
    "num": "border:1px solid #ccc;padding:4px 8px;text-align:right",
    "pass": "border:1px solid #ccc;padding:4px 8px;color:#1a7f37;font-weight:bold",
    "fail": "border:1px solid #ccc;padding:4px 8px;color:#cf222e;font-weight:bold",
    "note": "color:#666;font-family:Helvetica,Arial,sans-serif;font-size:13px",
    "body": "font-family:Helvetica,Arial,sans-serif",
}
_STYLE_BLOCK = (
    "body{"
    + _CSS["body"]
    + "}table{"
    + _CSS["table"]
    + "}th{"
    + _CSS["th"]
    + "}td{"
    + _CSS["td"]
    + "}td.num{text-align:right}td.pass{color:#1a7f37;font-weight:bold}"
    "td.fail{color:#cf222e;font-weight:bold}p.note{" + _CSS["note"] + "}"
)


class _Html:
    """Tags with inline styles (mail clients drop <style> blocks) or with classes."""

    def __init__(self, inline: bool) -> None:
        self.inline = inline

    def attr(self, kind: str) -> str:
        if self.inline:
            return f' style="{_CSS[kind]}"'
        return f' class="{kind}"' if kind in ("num", "pass", "fail", "note") else ""

    def table(self, headers: list[str], rows: list[list[tuple[str, str]]]) -> str:
        """``rows`` of (text, kind) cells; kind is td, num, pass or fail."""
        from html import escape as e

        out = [f"<table{self.attr('table')}><tr>"]
        out += [f"<th{self.attr('th')}>{e(h)}</th>" for h in headers]
        out.append("</tr>")
        for row in rows:
            out.append("<tr>" + "".join(f"<td{self.attr(k)}>{e(v)}</td>" for v, k in row))
            out.append("</tr>")
        out.append("</table>")
        return "".join(out)


def _html_tables(report: Report, h: _Html) -> str:
    rows = []
    for row, c in zip(_rows(report), report.commitments, strict=True):
        cells = [(v, "num" if 3 <= i <= 8 else "td") for i, v in enumerate(row)]
        if c.compliance is not None:
            cells[9] = (row[9], "pass" if c.passed else "fail")
        rows.append(cells)
    out = [h.table(HEADERS, rows)]
    f_heads, f_cells = funnel_cells(report)
    out.append(h.table(f_heads, [[(v, "num") for v in f_cells]]))
    money_part = pipeline_cells(report)
    if money_part is not None:
        out.append(h.table(money_part[0], [[(v, "num") for v in money_part[1]]]))
    if report.reps:
        out.append(
            h.table(
                ["Rep", "Met", "Breached", "Pending", "Compliance", "Points"],
                [
                    [(r.rep, "td")]
                    + [
                        (v, "num")
                        for v in (
                            str(r.met),
                            str(r.breached),
                            str(r.pending),
                            pct(r.compliance),
                            str(r.points),
                        )
                    ]
                    for r in report.reps
                ],
            )
        )
    if report.quality.recorded:
        for q_heads, q_rows in (
            (QUALITY_HEADERS, report.quality.source_rows()),
            (FIRST_TOUCH_HEADERS, report.quality.first_touch_rows()),
        ):
            cells_of = [[(v, "td" if i == 0 else "num") for i, v in enumerate(r)] for r in q_rows]
            out.append(h.table(q_heads, cells_of))
    return "\n".join(out)


def html_tables(report: Report) -> str:
    """The report's tables with inline styles, for an email body."""
    return _html_tables(report, _Html(inline=True))


def render_report_html(report: Report, *, inline_styles: bool) -> str:
    """The report as a standalone HTML page; ``inline_styles`` puts every style on its
    element (for email, where clients drop <style> blocks), else one <style> block."""
    from html import escape

    h = _Html(inline_styles)
    title = escape(f"{report.title} — {report.period.label}")
    if report.rep_filter:
        title += escape(f" — {report.rep_filter}")
    head = "" if inline_styles else f"<style>{_STYLE_BLOCK}</style>"
    body = f' style="{_CSS["body"]}"' if inline_styles else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>{head}</head>\n<body{body}>\n<h2>{title}</h2>\n"
        f"{_summary(report, h)}"
        "</body></html>\n"
    )


def _summary(report: Report, h: _Html) -> str:
    from html import escape

    as_of = escape(report.as_of.isoformat(timespec="minutes"))
    winner = winner_line(report)
    return (
        f"{_html_tables(report, h)}\n"
        + (f"<p><strong>{escape(winner)}</strong></p>\n" if winner else "")
        + f"<p{h.attr('note')}>Period {report.period.start} to {report.period.end}; as of"
        f" {as_of}; agreement {escape(report.agreement)}. Compliance is met ÷ (met +"
        " breached); pending and at-risk leads are not decided yet.</p>\n"
    )


def summary_html(report: Report) -> str:
    """The page's tables and period line with classes: the dashboard's summary section
    (``report --format html`` is this section on a page of its own)."""
    return _summary(report, _Html(inline=False))


def render_html(report: Report) -> str:
    return render_report_html(report, inline_styles=False)


FORMATTERS: dict[ReportFormat, Callable[[Report], object]] = {
    ReportFormat.table: render_table,
    ReportFormat.json: render_json,
    ReportFormat.csv: render_csv,
    ReportFormat.markdown: render_markdown,
    ReportFormat.html: render_html,
}


# -- a published period (slactl publish) --------------------------------------------------

CHANGES_SHOWN = 20  # in the table; --format json lists them all


def _since(view: Any) -> list[list[str]]:
    """Per commitment: the published compliance, today's, and the change."""
    now = {c.id: c for c in view.current.commitments}
    rows = []
    for c in view.published.commitments:
        cur = now.get(c.id)
        rows.append(
            [
                c.id,
                f"{pct(c.compliance)} ({c.met}/{c.breached}/{c.pending})",
                f"{pct(cur.compliance)} ({cur.met}/{cur.breached}/{cur.pending})" if cur else "—",
                "=" if cur and cur.to_json() == c.to_json() else "changed",
            ]
        )
    return rows


def published_heading(view: Any) -> str:
    p = view.publication
    again = f"; published {p.earlier + 1} times, this is the latest" if p.earlier else ""
    return (
        f"Published {p.published_at:%Y-%m-%d %H:%M} UTC by {p.published_by}"
        f" (figures as of {p.report['as_of']}){again}. {len(view.changes)} change"
        f"{'' if len(view.changes) == 1 else 's'} recorded since; --current shows today's figures."
    )


def render_published_table(view: Any):  # type: ignore[no-untyped-def]
    from rich import box
    from rich.console import Group

    from slactl.render.safe import table, text

    since = table(title="Since publication (met/breached/pending)", title_justify="left",
                  box=box.SIMPLE_HEAD)  # fmt: skip
    for h in ("Commitment", "Published", "Now", ""):
        since.add_column(h)
    for row in _since(view):
        since.add_row(*row)
    parts: list[Any] = [render_table(view.published), text(published_heading(view)), since]
    if view.changes:
        changes = table(title="Recorded since publication", title_justify="left",
                        box=box.SIMPLE_HEAD)  # fmt: skip
        for h in ("Lead", "What", "Source"):
            changes.add_column(h, overflow="fold")
        for ch in view.changes[:CHANGES_SHOWN]:
            changes.add_row(ch.lead, ch.what, ch.source)
        parts.append(changes)
        if len(view.changes) > CHANGES_SHOWN:
            more = len(view.changes) - CHANGES_SHOWN
            parts.append(text(f"… {more} more: --format json lists them all"))
    return Group(*parts)


def render_published_json(view: Any) -> str:
    """SPEC 6.1's keys with the published figures, and ``published`` and
    ``since_publication`` beside them (docs/ledger.md)."""
    out = view.published.to_json()
    out["published"] = view.publication.to_json()
    out["since_publication"] = {
        "as_of": view.current.as_of.isoformat(),
        "commitments": [c.to_json() for c in view.current.commitments],
        "changes": [c.to_json() for c in view.changes],
    }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"
