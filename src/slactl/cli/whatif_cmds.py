"""``slactl whatif``: replay the ledger under a draft."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slactl.cli.app import commands, settings
from slactl.cli.common import emit, load_agreement_set
from slactl.cli.report_cmds import AS_OF, FROM, MONTH, QUARTER, TO, WEEK, as_of_moment

app = commands()

if TYPE_CHECKING:
    pass


class WhatIfFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command()
def whatif(
    ctx: typer.Context,
    draft: Annotated[Path, typer.Argument(help="The draft agreement (YAML).")],
    month: MONTH = None,
    week: WEEK = None,
    quarter: QUARTER = None,
    from_: FROM = None,
    to: TO = None,
    as_of: AS_OF = None,
    format_: Annotated[
        WhatIfFormat, typer.Option("--format", help="Output format.")
    ] = WhatIfFormat.table,
) -> None:
    """A period's report under the agreement in effect and under a draft, side by side,
    and the leads whose outcome flips."""
    from slactl.agreement.loader import load_agreement
    from slactl.ledger.opening import open_for_reading
    from slactl.periods import parse_period
    from slactl.render.whatif import FORMATTERS
    from slactl.usecases.reading import replay

    s = settings(ctx)
    period = parse_period(month_=month, week_=week, quarter_=quarter, from_=from_, to=to)
    agreements = load_agreement_set(s.agreements_dir)
    proposed = load_agreement(draft)
    when = as_of_moment(ctx, as_of, agreements)
    engine = open_for_reading(s.db)
    try:
        result = replay(engine, agreements, proposed, period, as_of=when)
    finally:
        engine.dispose()
    for note in result.current.notes:
        typer.echo(f"note: {note}", err=True)
    emit(FORMATTERS[format_.value](result))
