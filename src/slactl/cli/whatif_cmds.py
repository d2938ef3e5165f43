"""``slactl whatif`` and ``slactl agreement diff``: replay the ledger under a draft."""

from __future__ import annotations

import gc
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slactl.cli.agreement_cmds import agreement_app
from slactl.cli.app import app, settings
from slactl.cli.common import load_agreement_set
from slactl.cli.report_cmds import AS_OF, FROM, MONTH, QUARTER, TO, WEEK, _emit, as_of_moment

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Engine

    from slactl.agreement.loader import AgreementSet
    from slactl.agreement.model import Agreement
    from slactl.compliance.periods import Period
    from slactl.compliance.whatif import WhatIf


class WhatIfFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def replay(
    engine: Engine,
    agreements: AgreementSet,
    draft: Agreement,
    period: Period,
    *,
    as_of: datetime,
) -> WhatIf:
    """The period's report under the agreements in effect and under ``draft`` (for the
    whole period), from one read of the ledger; the flips with their reasons."""
    from slactl.agreement.diff import diff_agreements
    from slactl.compliance.engine import Cohorts
    from slactl.compliance.whatif import WhatIf, explain_flips, flips
    from slactl.reports import load_period, make_report, segments

    parts = segments(agreements, period)
    # a month is ~100k lead histories that live to the end and hold no reference cycles:
    # the cyclic collector would only walk them again and again (about 15% of the time)
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = load_period(engine, agreements, period, as_of=as_of)
        # the draft's cohort is the current one when it keeps the definitions
        cohorts = Cohorts(data.histories)
        current = make_report(
            engine, agreements, period, as_of=as_of, data=data, why=False, cohorts=cohorts
        )
        proposed = make_report(
            engine,
            agreements,
            period,
            as_of=as_of,
            data=data,
            parts=[(draft, period)],
            why=False,
            cohorts=cohorts,
        )
        found = explain_flips(
            flips(current, proposed), data.histories, parts, [(draft, period)], as_of=as_of
        )
    finally:
        if collecting:
            gc.enable()
    changes: list[str] = []
    for old, part in parts:
        lines = diff_agreements(old, draft, terms_only=True)
        if len(parts) > 1:
            lines = [f"{part.start}..{part.end} ({old.name}): {x}" for x in lines or ["no changes"]]
        changes += lines
    return WhatIf(current, proposed, found, changes)


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
    from slactl.compliance.periods import parse_period
    from slactl.ledger.lite import open_for_reading
    from slactl.render.whatif import FORMATTERS

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
    _emit(FORMATTERS[format_.value](result))


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
