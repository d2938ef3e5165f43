"""``slactl dashboard``: the period at a glance, as one self-contained HTML file."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Annotated

import typer

from slactl.cli.app import commands, settings
from slactl.cli.common import load_agreement_set, refuse_output_path
from slactl.cli.report_cmds import AS_OF, FROM, MONTH, QUARTER, TO, WEEK, as_of_moment
from slactl.errors import SlactlError

app = commands()


@app.command()
def dashboard(
    ctx: typer.Context,
    month: MONTH = None,
    week: WEEK = None,
    quarter: QUARTER = None,
    from_: FROM = None,
    to: TO = None,
    rep: Annotated[str | None, typer.Option("--rep", help="Only this rep's leads.")] = None,
    as_of: AS_OF = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The HTML file to write (default: stdout)."),
    ] = None,
    no_store: Annotated[
        bool,
        typer.Option(
            "--no-store",
            help="Evaluate every period of the trend; neither take nor keep stored figures.",
        ),
    ] = False,
) -> None:
    """An HTML dashboard: commitments against target, trend, speed to lead, funnel, reps
    and the breached and at-risk leads with the reason for each. Works offline."""
    from slactl.ledger.opening import open_for_reading
    from slactl.periods import parse_period
    from slactl.render.dashboard import render_dashboard
    from slactl.usecases.dashboard import build_dashboard, store_settled
    from slactl.usecases.notify import fingerprint

    s = settings(ctx)
    period = parse_period(month_=month, week_=week, quarter_=quarter, from_=from_, to=to)
    if output is not None:
        refuse_output_path(output, "--output", db=s.db)
    agreements = load_agreement_set(s.agreements_dir)
    when = as_of_moment(ctx, as_of, agreements)
    engine = open_for_reading(s.db)
    store = None if no_store else fingerprint(s.agreements_dir)
    try:
        d = build_dashboard(engine, agreements, period, as_of=when, rep=rep, store=store)
    finally:
        engine.dispose()
    if d.settled is not None:
        # the closed periods settled this run, for the next dashboard to take as they are
        store_settled(s.db, d.settled)
    for warning in d.report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    page = render_dashboard(d, agreements.zone_at(when))
    if output is None:
        typer.echo(page, nl=False)
        return
    # written beside it, then renamed: a failure leaves no half-written page
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(output)
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            reason = (exc.strerror or str(exc)).lower()
            raise SlactlError(f"--output {output}: {reason}") from None
        raise
