"""Renderers: every --format has one, the table at a fixed width, CSV safe for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from slactl.agreement.loader import load_agreement_text
from slactl.cli.report_cmds import Format
from slactl.compliance.report import build_report
from slactl.periods import month
from slactl.records import Event, Lead, LeadHistory
from slactl.render.report import FORMATTERS, ReportFormat, html_tables, render_report_html

AGREEMENT = """\
slactl: 1
name: tiny
title: Tiny SLA
period: {start: 2024-01-01, end: 2024-12-31}
calendar: {timezone: America/New_York, hours: {mon-fri: "09:00-17:00"}}
definitions: {mql: {score: ">= 60"}}
commitments:
  sales:
    - {id: ft, activity: First touch, measure: first_touch, within: 4 business hours, target: 90%}
  marketing:
    - {id: complete, activity: "=HYPERLINK(evil)", measure: complete_fields, fields: [email], target: 50%}
points: {met: 10, breached: -5}
"""


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def report():  # type: ignore[no-untyped-def]
    a = load_agreement_text(AGREEMENT, Path("tiny.yaml"))
    h1 = LeadHistory(
        Lead("A", _t("2024-05-06T09:00-04:00"), email="a@x.com", owner="alice", score=70),
        (Event("call", _t("2024-05-06T10:00-04:00"), "alice"),),
    )
    h2 = LeadHistory(
        Lead("B", _t("2024-05-06T09:00-04:00"), email="nope", owner="bob", score=90),
        (Event("call", _t("2024-05-07T10:00-04:00"), "bob"),),
    )
    p = month("2024-05")
    return build_report(
        [(a, p)], [h1, h2], as_of=_t("2024-06-03T09:00-04:00"), period=p, leads_created=2
    )


def test_every_format_has_a_formatter() -> None:
    assert (
        {f.value for f in Format}
        == {f.value for f in ReportFormat}
        == {f.value for f in FORMATTERS}
    )
    r = report()
    for f in ReportFormat:
        assert FORMATTERS[f](r) is not None


GOLDEN_TABLE = """\
Tiny SLA — 2024-05

 Commitment                   Target  Met  Breached  Pending  At risk  Compliance
 ────────────────────────────────────────────────────────────────────────────────
 ft                              90%    1         1        0        0  50.0% FAIL
 Sales: First touch
 complete                        50%    1         1        0        0  50.0% pass
 Marketing: =HYPERLINK(evil)

Funnel

  Leads   MQL   SQL   Disqualified   Nurture
 ────────────────────────────────────────────
      2     2     0              0         0

Reps (sales commitments)

  Rep     Met   Breached   Pending   Compliance   Points
 ────────────────────────────────────────────────────────
  alice     1          0         0       100.0%       10
  bob       0          1         0         0.0%       -5

as of 2024-06-03T09:00-04:00; agreement tiny
"""


def test_golden_table() -> None:
    console = Console(file=io.StringIO(), width=100, color_system=None, legacy_windows=False)
    console.print(FORMATTERS[ReportFormat.table](report()))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\n".join(line.rstrip() for line in out.splitlines()) + "\n" == GOLDEN_TABLE


GOLDEN_MARKDOWN = """\
## Tiny SLA — 2024-05

| Party | Commitment | Activity | Target | Met | Breached | Pending | At risk | Compliance | Result |
|---|---|---|---:|---:|---:|---:|---:|---:|---|
| Sales | ft | First touch | 90% | 1 | 1 | 0 | 0 | 50.0% | FAIL |
| Marketing | complete | =HYPERLINK(evil) | 50% | 1 | 1 | 0 | 0 | 50.0% | pass |

| Leads | MQL | SQL | Disqualified | Nurture |
|---:|---:|---:|---:|---:|
| 2 | 2 | 0 | 0 | 0 |

| Rep | Met | Breached | Pending | Compliance | Points |
|---|---:|---:|---:|---:|---:|
| alice | 1 | 0 | 0 | 100.0% | 10 |
| bob | 0 | 1 | 0 | 0.0% | -5 |

_As of 2024-06-03T09:00-04:00._
"""


def test_golden_markdown() -> None:
    assert FORMATTERS[ReportFormat.markdown](report()) == GOLDEN_MARKDOWN


def test_golden_csv() -> None:
    assert FORMATTERS[ReportFormat.csv](report()) == (
        "agreement,period_start,period_end,as_of,party,commitment,measure,target,met,breached,"
        "pending,at_risk,compliance,passed,actual,quota\n"
        "tiny,2024-05-01,2024-05-31,2024-06-03T09:00:00-04:00,sales,ft,first_touch,0.9,1,1,0,0,"
        "0.5,false,,\n"
        "tiny,2024-05-01,2024-05-31,2024-06-03T09:00:00-04:00,marketing,complete,complete_fields,"
        "0.5,1,1,0,0,0.5,true,,\n"
    )


def test_html_page_with_a_style_block_or_inline_styles() -> None:
    page = render_report_html(report(), inline_styles=False)
    assert page.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    assert "<title>Tiny SLA — 2024-05</title><style>" in page
    assert '<td>Sales</td><td>ft</td><td>First touch</td><td class="num">90%</td>' in page
    assert '<td class="fail">FAIL</td>' in page and '<td class="pass">pass</td>' in page
    assert page == FORMATTERS[ReportFormat.html](report())
    mail = render_report_html(report(), inline_styles=True)
    assert "<style>" not in mail and "class=" not in mail
    assert (
        '<td style="border:1px solid #ccc;padding:4px 8px;color:#cf222e;font-weight:bold">FAIL'
        in mail
    )
    assert html_tables(report()) in mail
    # text is escaped, never markup
    r = report()
    r.commitments[0].activity = "<script>alert(1)</script>"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in render_report_html(r, inline_styles=True)


def test_json_shape() -> None:
    j = json.loads(FORMATTERS[ReportFormat.json](report()))  # type: ignore[arg-type]
    assert j["commitments"][0] == {
        "id": "ft",
        "owner": "sales",
        "measure": "first_touch",
        "target": 0.9,
        "met": 1,
        "breached": 1,
        "pending": 0,
        "at_risk": 0,
        "paused": 0,
        "compliance": 0.5,
        "passed": False,
    }
    assert j["reps"] == [
        {
            "rep": "alice",
            "commitments": {"ft": {"met": 1, "breached": 0, "pending": 0}},
            "points": 10,
        },
        {
            "rep": "bob",
            "commitments": {"ft": {"met": 0, "breached": 1, "pending": 0}},
            "points": -5,
        },
    ]
    assert j["funnel"] == {
        "leads": 2,
        "mql": 2,
        "sql": 0,
        "disqualified": 0,
        "nurture": 0,
        "recycled": 0,
        "opportunities": 0,
        "won": 0,
        "pipeline": 0,
        "won_amount": 0,
        "rates": {"mql_to_sql": 0.0, "sql_to_opportunity": None, "opportunity_to_won": None},
        "median_sales_cycle_days": None,
    }


def test_csv_neutralises_formulas_and_markdown_escapes() -> None:
    r = report()
    r.commitments[1].id = "=cmd|' /C calc'!A0"
    rows = list(csv.reader(io.StringIO(FORMATTERS[ReportFormat.csv](r))))  # type: ignore[arg-type]
    assert rows[2][5] == "'=cmd|' /C calc'!A0"
    md = FORMATTERS[ReportFormat.markdown](r)
    assert "=cmd\\|' /C calc" in md  # type: ignore[operator]
    html = FORMATTERS[ReportFormat.html](r)
    assert html.startswith("<!DOCTYPE html>") and "=HYPERLINK(evil)" in html  # type: ignore[union-attr]


def quality_report():  # type: ignore[no-untyped-def]
    """Two sources with long names, an accept and disposition reasons: the quality
    section shows, 100.0% among its rates."""
    a = load_agreement_text(AGREEMENT, Path("tiny.yaml"))
    at = _t("2024-05-06T09:00-04:00")
    h1 = LeadHistory(
        Lead("A", at, owner="alice", score=70, source="contact-sales"),
        (
            Event("accept", _t("2024-05-06T09:30-04:00"), "alice"),
            Event("call", _t("2024-05-06T10:00-04:00"), "alice"),
            Event(
                "disposition", _t("2024-05-06T11:00-04:00"), "alice", "nurture", reason="not-ready"
            ),
        ),
    )
    h2 = LeadHistory(
        Lead("B", at, owner="bob", score=90, source="partner-referral"),
        (
            Event("call", _t("2024-05-06T12:00-04:00"), "bob"),
            Event(
                "disposition", _t("2024-05-07T10:00-04:00"), "bob", "disqualified", reason="student"
            ),
        ),
    )
    p = month("2024-05")
    return build_report(
        [(a, p)], [h1, h2], as_of=_t("2024-06-03T09:00-04:00"), period=p, leads_created=2
    )


GOLDEN_QUALITY = """\
Quality (per lead source)
Source        Cycles Accepted Qualified Disqualified Returned Acceptance MQL→SQL
────────────────────────────────────────────────────────────────────────────────
contact-sales      1        1         0            0        1     100.0%    0.0%
partner-refer      1        0         0            1        0       0.0%    0.0%
ral

Reasons

  Source             Outcome        Reason      Cycles
 ──────────────────────────────────────────────────────
  contact-sales      nurture        not-ready        1
  partner-referral   disqualified   student          1

Business minutes to first touch

  Rep     Touched   Median   P90
 ────────────────────────────────
  alice         1       60    60
  bob           1      180   180
  (all)         2       60   180

as of 2024-06-03T09:00-04:00; agreement tiny
"""


def test_the_quality_section_fits_80_columns() -> None:
    # with the reasons in a column of their own, Rich cut every column to fit: the rates
    # read "100.…" and the sources "conta…"; now the figures are whole and the reasons
    # are a table of their own
    console = Console(file=io.StringIO(), width=80, color_system=None, legacy_windows=False)
    console.print(FORMATTERS[ReportFormat.table](quality_report()))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    lines = [line.rstrip() for line in out.splitlines()]
    got = "\n".join(lines[lines.index("Quality (per lead source)") :]) + "\n"
    assert got == GOLDEN_QUALITY
