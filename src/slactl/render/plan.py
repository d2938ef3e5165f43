"""``slactl plan`` out: the waterfall as a table (each rate with its sample), or JSON."""

from __future__ import annotations

import json
from typing import Any

from slactl.compliance.plan import Plan
from slactl.render.report import money
from slactl.render.safe import table

STEPS = (
    ("mql_to_sql", "MQL → SQL"),
    ("sql_to_opportunity", "SQL → opportunity"),
    ("opportunity_to_won", "Opportunity → won"),
)


def render_plan_table(plan: Plan) -> Any:
    from rich import box
    from rich.console import Group

    doc = plan.to_json()
    months = doc["months"]
    span = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
    rates = table(
        title=f"Measured over {doc['lookback']}", title_justify="left", box=box.SIMPLE_HEAD
    )
    rates.add_column("Step")
    rates.add_column("Rate", justify="right")
    rates.add_column("Sample", justify="right")
    for name, label in STEPS:
        r = doc["rates"][name]
        rates.add_row(label, f"{r['rate'] * 100:.1f}%", f"{r['hits']:,} of {r['of']:,}")
    deal = doc["average_deal"]
    rates.add_row("Average won deal", money(deal["amount"]), f"{deal['of']:,} won")
    median = doc["median_sales_cycle_days"]
    rates.add_row("Median sales cycle", f"{median:g} days", f"{deal['of']:,} won")
    needed = doc["needed"]
    waterfall = table(
        title=f"To win {money(doc['revenue'])} closing in {span}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for h in ("Won deals", "Opportunities", "SQLs", "MQLs", "Pipeline"):
        waterfall.add_column(h, justify="right")
    waterfall.add_row(
        *(f"{needed[k]:,}" for k in ("won", "opportunities", "sql", "mql")),
        money(needed["pipeline"]),
    )
    lead = doc["lead_months"]
    per = table(
        title=f"Per month (MQLs {lead} month{'s' if lead != 1 else ''} ahead of the close)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for h in ("Month", "MQLs", "Pipeline"):
        per.add_column(h, justify="right")
    for row in doc["per_month"]:
        per.add_row(row["month"], f"{row['mql']:,}", money(row["pipeline"]))
    return Group(rates, waterfall, per)


def render_plan_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2) + "\n"
