"""``slactl publish``: a period's report stored as published (docs/ledger.md)."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from slactl.cli.app import commands, settings
from slactl.cli.common import load_agreement_set, wall_clock
from slactl.cli.report_cmds import AS_OF, FROM, MONTH, QUARTER, TO, WEEK, as_of_moment

app = commands()


def _who() -> str:
    try:
        return os.environ.get("SLACTL_USER") or getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"


@app.command()
def publish(
    ctx: typer.Context,
    month: MONTH = None,
    week: WEEK = None,
    quarter: QUARTER = None,
    from_: FROM = None,
    to: TO = None,
    as_of: AS_OF = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Who publishes (default: SLACTL_USER, else the login name)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Publish a period again (the earlier figures are kept)."),
    ] = False,
) -> None:
    """Store a period's report as published: later reports of it show these figures."""
    from slactl.errors import SlactlError
    from slactl.ledger.engine import safe_url
    from slactl.ledger.opening import open_for_writing
    from slactl.ledger.published import publish as store
    from slactl.periods import parse_period
    from slactl.usecases.reading import make_report

    s = settings(ctx)
    period = parse_period(month_=month, week_=week, quarter_=quarter, from_=from_, to=to)
    agreements = load_agreement_set(s.agreements_dir)
    when = as_of_moment(ctx, as_of, agreements)
    who = (by if by is not None else _who()).strip()
    if not who or any(not c.isprintable() for c in who):
        raise SlactlError("--by: give a name (printable text)")
    engine = open_for_writing(s.db, create=False)
    try:
        publication, report = store(
            engine,
            period=period,
            compute=lambda: make_report(engine, agreements, period, as_of=when, why=False),
            now=wall_clock(),
            by=who,
            force=force,
        )
    finally:
        engine.dispose()
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if when.date() <= period.end:
        typer.echo(
            f"warning: {period.label} is not over at {when:%Y-%m-%d %H:%M}: its pending"
            " outcomes are published as pending",
            err=True,
        )
    again = f" (publication {publication.earlier + 1})" if publication.earlier else ""
    typer.echo(
        f"published {period.label}{again} as of {report.as_of.isoformat(timespec='minutes')}"
        f" (agreement {report.agreement}) to {safe_url(s.db)}: 'slactl report' for it now"
        " shows these figures",
        err=True,
    )
