"""``slactl whatif`` and ``slactl agreement diff``: replay the ledger under a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from slactl.cli.agreement_cmds import agreement_app
from slactl.cli.app import app, settings
from slactl.cli.common import load_agreement_set
from slactl.cli.report_cmds import AS_OF, FROM, MONTH, QUARTER, TO, WEEK, _emit, as_of_moment
from slactl.render.whatif import WhatIfFormat


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
    """A period's report under the agreement in effect and under a draft, side by side."""
    from slactl.agreement.diff import diff_agreements
    from slactl.agreement.loader import load_agreement
    from slactl.compliance.periods import parse_period
    from slactl.compliance.whatif import WhatIf, flips
    from slactl.ledger.engine import open_ledger
    from slactl.render.whatif import FORMATTERS
    from slactl.reports import load_period, make_report, segments

    s = settings(ctx)
    period = parse_period(month_=month, week_=week, quarter_=quarter, from_=from_, to=to)
    agreements = load_agreement_set(s.agreements_dir)
    new = load_agreement(draft)
    when = as_of_moment(ctx, as_of)
    engine = open_ledger(s.db, create=False)
    try:
        data = load_period(engine, agreements, period, as_of=when)
        current = make_report(engine, agreements, period, as_of=when, data=data)
        proposed = make_report(
            engine, agreements, period, as_of=when, data=data, parts=[(new, period)]
        )
    finally:
        engine.dispose()
    changes: list[str] = []
    for old, _ in segments(agreements, period):
        changes += diff_agreements(old, new)
    _emit(FORMATTERS[format_](WhatIf(current, proposed, flips(current, proposed), changes)))


@agreement_app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The agreement as it is.")],
    new: Annotated[Path, typer.Argument(help="The agreement as proposed.")],
) -> None:
    """What changed between two agreement files, in words."""
    from slactl.agreement.diff import diff_agreements
    from slactl.agreement.loader import load_agreement

    lines = diff_agreements(load_agreement(old), load_agreement(new))
    for line in lines or ["no changes"]:
        typer.echo(line)
