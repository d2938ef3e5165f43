"""``slactl plan``: from a revenue goal to the MQLs and pipeline it needs (SPEC 9)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slactl.cli.app import commands, settings
from slactl.cli.common import emit, load_agreement_set
from slactl.errors import SlactlError

app = commands()

if TYPE_CHECKING:
    from slactl.periods import Period


class PlanFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def plan(
    ctx: typer.Context,
    revenue: Annotated[float, typer.Option(help="The revenue goal, in the agreement's currency.")],
    months: Annotated[
        str, typer.Option(help="The months it is to close in, e.g. 2025-01..2025-12.")
    ],
    lookback: Annotated[
        str | None,
        typer.Option(help="Where the rates are measured (default: the 12 months before)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="What the ledger knew (default now).")
    ] = None,
    write_quotas: Annotated[
        Path | None,
        typer.Option(
            "--write-quotas",
            help="Write the proposed quotas.yaml lines to this new file ('-': print them).",
        ),
    ] = None,
    format_: Annotated[
        PlanFormat, typer.Option("--format", help="Output format.")
    ] = PlanFormat.table,
) -> None:
    """The reverse waterfall: how many MQLs and how much pipeline a revenue goal needs,
    from the ledger's measured conversion rates, deal size and sales cycle."""
    from slactl.cli.report_cmds import as_of_moment
    from slactl.ledger.opening import open_for_reading
    from slactl.periods import month_range
    from slactl.render.plan import render_plan_json, render_plan_table
    from slactl.usecases.reading import revenue_plan

    if not revenue > 0:
        raise SlactlError(f"--revenue {revenue:g}: give a goal above 0, e.g. --revenue 1000000")
    s = settings(ctx)
    span = month_range(months, "--months")
    back = month_range(lookback, "--lookback") if lookback else _year_before(span.start)
    if write_quotas is not None and str(write_quotas) != "-":
        from slactl.cli.common import refuse_output_path

        refuse_output_path(write_quotas, "--write-quotas", db=s.db)
        if write_quotas.exists():
            raise SlactlError(
                f"--write-quotas {write_quotas}: the file exists; name a new one and merge"
                " its lines into quotas.yaml by hand"
            )
    agreements = load_agreement_set(s.agreements_dir)
    when = as_of_moment(ctx, as_of, agreements)
    engine = open_for_reading(s.db)
    try:
        result = revenue_plan(
            engine, agreements, revenue=revenue, months=span, lookback=back, as_of=when
        )
    finally:
        engine.dispose()
    if write_quotas is not None and str(write_quotas) == "-":
        typer.echo(result.quota_lines(), nl=False)
        return
    if write_quotas is not None:
        write_quotas.write_text(result.quota_lines(), encoding="utf-8")
        typer.echo(f"wrote the proposed quotas to {write_quotas}", err=True)
    emit(render_plan_json(result) if format_ is PlanFormat.json else render_plan_table(result))


def _year_before(first: date) -> Period:
    """The twelve months before the month ``first`` is in."""
    from slactl.periods import month_range

    last = first - timedelta(days=1)
    return month_range(f"{first.year - 1}-{first.month:02d}..{last:%Y-%m}", "--lookback")
