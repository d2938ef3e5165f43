"""The report in every ``--format``: one formatter per value of ``ReportFormat``."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from enum import StrEnum

from slactl.compliance.report import CommitmentResult, Report


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


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
            q = int(c.quota) if float(c.quota).is_integer() else c.quota
            extra = f" ({c.actual or 0} of {q})"
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
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    title = f"{report.title} — {report.period.label}"
    if report.rep_filter:
        title += f" — {report.rep_filter}"
    t = Table(title=title, title_justify="left")
    # the terminal view leaves the activity text out: the commitment id says it
    for h in ["Party", "Commitment", *HEADERS[3:]]:
        t.add_column(h, justify="right" if h in HEADERS[3:9] else "left")
    for row, c in zip(_rows(report), report.commitments, strict=True):
        style = "" if c.compliance is None else ("green" if c.passed else "bold red")
        name = row[1]
        if c.measure == "mql_volume" and c.quota is not None:
            name += row[2][row[2].rindex(" (") :]
        t.add_row(row[0], name, *row[3:-1], Text(row[-1], style=style))
    f = report.funnel
    funnel = Table(title="Funnel", title_justify="left")
    for h in ("Leads", "MQL", "SQL", "Disqualified", "Returned"):
        funnel.add_column(h, justify="right")
    funnel.add_row(str(f.leads), str(f.mql), str(f.sql), str(f.disqualified), str(f.nurture))
    reps = Table(title="Reps", title_justify="left")
    reps.add_column("Rep")
    sales = [c for c in report.commitments if c.owner == "sales"]
    for c in sales:
        reps.add_column(c.id, justify="right")
    reps.add_column("Points", justify="right")
    for r in report.reps:
        cells = []
        for c in sales:
            counts = r.commitments.get(c.id)
            if not counts:
                cells.append("—")
                continue
            decided = counts["met"] + counts["breached"]
            cells.append(
                f"{counts['met']}/{decided}"
                + (f" +{counts['pending']}" if counts["pending"] else "")
            )
        reps.add_row(r.rep, *cells, str(r.points))
    footer = Text(
        f"as of {report.as_of.isoformat(timespec='minutes')}; agreement {report.agreement};"
        " met/decided (+pending) per rep",
        style="dim",
    )
    parts = [t, funnel]
    if report.reps:
        parts.append(reps)
    parts.append(footer)
    return Group(*parts)


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run: formulas start with = + - @ (or tab/CR)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def render_csv(report: Report) -> str:
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
                    report.as_of.isoformat(),
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
    return buf.getvalue()


def render_markdown(report: Report) -> str:
    def esc(x: str) -> str:
        return x.replace("|", "\\|")

    lines = [f"## {esc(report.title)} — {report.period.label}", ""]
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("|" + "|".join("---:" if h in HEADERS[3:9] else "---" for h in HEADERS) + "|")
    for row in _rows(report):
        lines.append("| " + " | ".join(esc(x) for x in row) + " |")
    f = report.funnel
    lines += [
        "",
        "| Leads | MQL | SQL | Disqualified | Returned |",
        "|---:|---:|---:|---:|---:|",
        f"| {f.leads} | {f.mql} | {f.sql} | {f.disqualified} | {f.nurture} |",
    ]
    if report.reps:
        lines += ["", "| Rep | Met | Breached | Pending | Points |", "|---|---:|---:|---:|---:|"]
        for r in report.reps:
            lines.append(f"| {esc(r.rep)} | {r.met} | {r.breached} | {r.pending} | {r.points} |")
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
}


def html_tables(report: Report) -> str:
    """The report's tables with inline styles (mail clients drop <style> blocks)."""
    e = html.escape
    out = [f'<table style="{_CSS["table"]}"><tr>']
    out += [f'<th style="{_CSS["th"]}">{e(h)}</th>' for h in HEADERS]
    out.append("</tr>")
    for row, c in zip(_rows(report), report.commitments, strict=True):
        out.append("<tr>")
        for i, cell in enumerate(row):
            style = _CSS["num"] if 3 <= i <= 8 else _CSS["td"]
            if i == 9 and c.compliance is not None:
                style = _CSS["pass"] if c.passed else _CSS["fail"]
            out.append(f'<td style="{style}">{e(cell)}</td>')
        out.append("</tr>")
    out.append("</table>")
    f = report.funnel
    out.append(f'<table style="{_CSS["table"]}"><tr>')
    for h in ("Leads", "MQL", "SQL", "Disqualified", "Returned"):
        out.append(f'<th style="{_CSS["th"]}">{h}</th>')
    out.append("</tr><tr>")
    for v in (f.leads, f.mql, f.sql, f.disqualified, f.nurture):
        out.append(f'<td style="{_CSS["num"]}">{v}</td>')
    out.append("</tr></table>")
    if report.reps:
        out.append(f'<table style="{_CSS["table"]}"><tr>')
        for h in ("Rep", "Met", "Breached", "Pending", "Points"):
            out.append(f'<th style="{_CSS["th"]}">{h}</th>')
        out.append("</tr>")
        for r in report.reps:
            out.append(f'<tr><td style="{_CSS["td"]}">{e(r.rep)}</td>')
            for v in (r.met, r.breached, r.pending, r.points):
                out.append(f'<td style="{_CSS["num"]}">{v}</td>')
            out.append("</tr>")
        out.append("</table>")
    return "".join(out)


def render_html(report: Report) -> str:
    title = html.escape(f"{report.title} — {report.period.label}")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<title>{title}</title></head>\n<body style="font-family:Helvetica,Arial,sans-serif">'
        f"<h2>{title}</h2>\n{html_tables(report)}\n"
        f'<p style="color:#666">As of {html.escape(report.as_of.isoformat(timespec="minutes"))};'
        f" agreement {html.escape(report.agreement)}.</p>\n</body></html>\n"
    )


FORMATTERS: dict[ReportFormat, Callable[[Report], object]] = {
    ReportFormat.table: render_table,
    ReportFormat.json: render_json,
    ReportFormat.csv: render_csv,
    ReportFormat.markdown: render_markdown,
    ReportFormat.html: render_html,
}
