"""``slactl plan`` (SPEC 9): the reverse waterfall from a revenue goal to the MQLs
marketing must deliver, from the funnel measured over a look-back period.

won deals = revenue / average won deal; opportunities = won / (opportunity→won);
SQLs = opportunities / (SQL→opportunity); MQLs = SQLs / (MQL→SQL); pipeline =
opportunities × average opportunity amount. Each step is rounded up to a whole number
(half a deal wins nothing), with the rates kept exact (fractions of the counts behind
them). The months' MQLs and pipeline are spread evenly (the first months take the
remainder) over the plan's months moved earlier by the median sales cycle in whole
months: an MQL handed over in March closes about a cycle later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from slactl.compliance.report import Funnel
from slactl.errors import SlactlError

DAYS_PER_MONTH = 30.44  # (365.25 / 12)


@dataclass(frozen=True)
class Rate:
    name: str  # mql_to_sql, sql_to_opportunity, opportunity_to_won
    hits: int
    of: int  # the sample

    @property
    def value(self) -> Fraction:
        return Fraction(self.hits, self.of)

    def to_json(self) -> dict[str, Any]:
        return {"rate": round(self.hits / self.of, 4), "hits": self.hits, "of": self.of}


@dataclass(frozen=True)
class Plan:
    revenue: Fraction
    months: list[tuple[int, int]]  # the months the revenue is to close in
    rates: list[Rate]
    won_deals: int  # the look-back's won opportunities (the average deal's sample)
    average_deal: Fraction
    average_opportunity: Fraction
    median_cycle_days: float | None
    lead_months: int  # how far the MQL months are moved earlier
    needed: dict[str, int]  # won, opportunities, sql, mql, pipeline
    per_month: list[tuple[tuple[int, int], int, int]]  # (month, MQLs, pipeline)
    lookback: str = ""  # the look-back period's label

    def to_json(self) -> dict[str, Any]:
        return {
            "revenue": _number(self.revenue),
            "months": [f"{y}-{m:02d}" for y, m in self.months],
            "lookback": self.lookback,
            "rates": {r.name: r.to_json() for r in self.rates},
            "average_deal": {"amount": _number(self.average_deal), "of": self.won_deals},
            "average_opportunity": _number(self.average_opportunity),
            "median_sales_cycle_days": self.median_cycle_days,
            "lead_months": self.lead_months,
            "needed": self.needed,
            "per_month": [
                {"month": f"{y}-{m:02d}", "mql": mql, "pipeline": pipe}
                for (y, m), mql, pipe in self.per_month
            ],
        }

    def quota_lines(self) -> str:
        """The proposed ``quotas.yaml`` lines."""
        lines = ["mql_volume:"]
        lines += [f"  {y}-{m:02d}: {mql}" for (y, m), mql, _ in self.per_month]
        lines += ["pipeline:"]
        lines += [f"  {y}-{m:02d}: {pipe}" for (y, m), _, pipe in self.per_month]
        return "\n".join(lines) + "\n"


def _number(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else round(float(x), 2)


def _amount(x: float) -> Fraction:
    return Fraction(Decimal(str(round(x, 2))))


def make_plan(revenue: float, months: list[tuple[int, int]], funnel: Funnel, label: str) -> Plan:
    """The plan for ``revenue`` over ``months`` from the look-back ``funnel`` (``label``
    names the look-back in the messages). Raises ``SlactlError`` when a rate rests on no
    sample, or is 0 (no number of MQLs reaches the goal then)."""
    rates = [
        Rate("mql_to_sql", funnel.sql, funnel.mql),
        Rate("sql_to_opportunity", funnel.opportunities, funnel.sql),
        Rate("opportunity_to_won", funnel.won, funnel.opportunities),
    ]
    words = {
        "mql_to_sql": ("MQLs", "SQL"),
        "sql_to_opportunity": ("SQLs", "opportunity"),
        "opportunity_to_won": ("opportunities", "won opportunity"),
    }
    for r in rates:
        many, one = words[r.name]
        if r.of == 0:
            raise SlactlError(
                f"no {many} in the look-back {label}: {r.name} has no sample; choose a"
                " --lookback with data (or import the opportunities)"
            )
        if r.hits == 0:
            raise SlactlError(
                f"no {one} among {r.of} {many} in the look-back {label}: {r.name} is 0 and"
                " no number of MQLs reaches the goal; choose another --lookback"
            )
    goal = _amount(revenue)
    average_deal = _amount(funnel.won_amount) / funnel.won
    if average_deal == 0:
        raise SlactlError(f"the won opportunities of {label} have no amount: cannot plan in money")
    average_opp = _amount(funnel.pipeline) / funnel.opportunities
    won = math.ceil(goal / average_deal)
    opportunities = math.ceil(won / rates[2].value)
    sql = math.ceil(opportunities / rates[1].value)
    mql = math.ceil(sql / rates[0].value)
    pipeline = math.ceil(opportunities * average_opp)
    median = funnel.median_sales_cycle
    lead = round(median / DAYS_PER_MONTH) if median is not None else 0
    shifted = [_month_before(y, m, lead) for y, m in months]
    n = len(months)
    per_month = [
        (shifted[i], mql // n + (i < mql % n), pipeline // n + (i < pipeline % n)) for i in range(n)
    ]
    return Plan(
        revenue=goal,
        months=months,
        rates=rates,
        won_deals=funnel.won,
        average_deal=average_deal,
        average_opportunity=average_opp,
        median_cycle_days=median,
        lead_months=lead,
        needed={
            "won": won,
            "opportunities": opportunities,
            "sql": sql,
            "mql": mql,
            "pipeline": pipeline,
        },
        per_month=per_month,
        lookback=label,
    )


def _month_before(y: int, m: int, k: int) -> tuple[int, int]:
    index = y * 12 + (m - 1) - k
    return index // 12, index % 12 + 1
