"""``slactl report``, ``status``, ``explain`` and ``leaderboard``: answers out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from slactl.cli.app import commands, settings
from slactl.cli.common import emit, load_agreement_set, local_zones, parse_time_option, wall_clock
from slactl.errors import SlactlError

app = commands()

if TYPE_CHECKING:
    from slactl.agreement.directory import AgreementSet
    from slactl.compliance.report import Report
    from slactl.ledger.connection import ReadEngine
    from slactl.ledger.published import Publication
    from slactl.periods import Period
    from slactl.usecases.reading import PublishedView


T = TypeVar("T")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


class RankBy(StrEnum):
    rep = "rep"
    team = "team"


class StatusFormat(StrEnum):
    table = "table"
    json = "json"


MONTH = Annotated[str | None, typer.Option("--month", help="A month, e.g. 2024-05.")]
WEEK = Annotated[str | None, typer.Option("--week", help="An ISO week, e.g. 2024-W19.")]
QUARTER = Annotated[str | None, typer.Option("--quarter", help="A quarter, e.g. 2024-Q2.")]
FROM = Annotated[str | None, typer.Option("--from", help="First day of a custom period.")]
TO = Annotated[str | None, typer.Option("--to", help="Last day of a custom period.")]
AS_OF = Annotated[
    str | None, typer.Option("--as-of", help="The moment the report is about (default now).")
]


def as_of_moment(
    ctx: typer.Context, text: str | None, agreements: AgreementSet | None = None
) -> datetime:
    """--as-of, without an offset read in the zone of the agreement in effect on its date;
    now when it is not given. ``agreements``: the set already loaded."""
    s = settings(ctx)
    now = wall_clock()
    return parse_time_option(text, "--as-of", local_zones(s.agreements_dir, agreements), now)


PeriodOptions = tuple[str | None, str | None, str | None, str | None, str | None]


def on_period(
    ctx: typer.Context,
    period_options: PeriodOptions,
    as_of: str | None,
    use: Callable[[ReadEngine, AgreementSet, Period, datetime], T],
) -> T:
    """``use`` called with the ledger, the agreements, the period named by
    --month/--week/--quarter/--from/--to and the --as-of moment."""
    from slactl.ledger.opening import open_for_reading
    from slactl.periods import parse_period

    month, week, quarter, from_, to = period_options
    s = settings(ctx)
    period = parse_period(month_=month, week_=week, quarter_=quarter, from_=from_, to=to)
    agreements = load_agreement_set(s.agreements_dir)
    when = as_of_moment(ctx, as_of, agreements)
    engine = open_for_reading(s.db)
    try:
        return use(engine, agreements, period, when)
    finally:
        engine.dispose()


def period_report(
    ctx: typer.Context,
    period_options: PeriodOptions,
    as_of: str | None,
    *,
    rep: str | None = None,
    why: bool = False,
) -> Report:
    """The report of the period (without each outcome's reason unless ``why``: the tables
    show counts)."""
    from slactl.usecases.reading import make_report

    return on_period(
        ctx,
        period_options,
        as_of,
        lambda engine, agreements, period, when: make_report(
            engine, agreements, period, as_of=when, rep=rep, why=why
        ),
    )


def published_period_view(
    ctx: typer.Context, period_options: PeriodOptions
) -> PublishedView | None:
    """The period's published report beside today's, None if it was never published."""
    from slactl.ledger.opening import open_for_reading
    from slactl.periods import parse_period
    from slactl.usecases.reading import published_view

    month, week, quarter, from_, to = period_options
    s = settings(ctx)
    period = parse_period(month_=month, week_=week, quarter_=quarter, from_=from_, to=to)
    agreements = load_agreement_set(s.agreements_dir)
    engine = open_for_reading(s.db)
    try:
        return published_view(engine, agreements, period, now=wall_clock())
    finally:
        engine.dispose()


def publication_of(ctx: typer.Context, period: Period) -> Publication | None:
    from slactl.ledger.opening import open_for_reading
    from slactl.ledger.published import find_publication

    engine = open_for_reading(settings(ctx).db)
    try:
        with engine.connect() as conn:
            return find_publication(conn=conn, period=period)
    finally:
        engine.dispose()


def _emit_published(view: PublishedView, format_: str) -> None:
    from slactl.render.report import (
        FORMATTERS,
        ReportFormat,
        published_heading,
        render_published_json,
        render_published_table,
    )

    if format_ == "table":
        emit(render_published_table(view))
    elif format_ == "json":
        emit(render_published_json(view))
    else:  # the published figures in that format; how they were published on stderr
        typer.echo(f"note: {published_heading(view)}", err=True)
        emit(FORMATTERS[ReportFormat(format_)](view.published))


@app.command()
def report(
    ctx: typer.Context,
    month: MONTH = None,
    week: WEEK = None,
    quarter: QUARTER = None,
    from_: FROM = None,
    to: TO = None,
    rep: Annotated[str | None, typer.Option("--rep", help="Only this rep's leads.")] = None,
    as_of: AS_OF = None,
    format_: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    fail_on_breach: Annotated[
        bool,
        typer.Option("--fail-on-breach", help="Exit 1 when a commitment is below its target."),
    ] = False,
    current: Annotated[
        bool,
        typer.Option("--current", help="For a published period: today's figures instead."),
    ] = False,
) -> None:
    """Compliance per commitment and per rep for a period, and the funnel. A published
    period (slactl publish) shows its published figures and what has changed since."""
    from slactl.render.report import FORMATTERS, ReportFormat

    options = (month, week, quarter, from_, to)
    if not (current or as_of or rep):
        view = published_period_view(ctx, options)
        if view is not None:
            _emit_published(view, format_.value)
            failed = view.published.failed
            if fail_on_breach and failed:
                typer.echo(f"below target: {', '.join(c.id for c in failed)}", err=True)
                raise typer.Exit(1)
            return
    result = period_report(ctx, options, as_of, rep=rep)
    if not current and (as_of or rep) and (published := publication_of(ctx, result.period)):
        result.notes.append(
            f"{published.label} is published ({published.published_at:%Y-%m-%d} by"
            f" {published.published_by}); these figures are computed for --as-of/--rep:"
            " without them 'report' shows the published ones"
        )
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    emit(FORMATTERS[ReportFormat(format_.value)](result))
    if fail_on_breach and result.failed:
        names = ", ".join(c.id for c in result.failed)
        typer.echo(f"below target: {names}", err=True)
        raise typer.Exit(1)


@app.command()
def status(
    ctx: typer.Context,
    rep: Annotated[str, typer.Option("--rep", help="The rep whose work to show.")],
    as_of: AS_OF = None,
    format_: Annotated[
        StatusFormat, typer.Option("--format", help="Output format.")
    ] = StatusFormat.table,
    limit: Annotated[
        int,
        typer.Option("--limit", help="Rows in the table (0: all; json has them all)."),
    ] = 25,
) -> None:
    """A rep's open leads, most urgent first: what is due, what is late, right now."""
    from slactl.ledger.opening import open_for_reading
    from slactl.render.status import render_status, status_json
    from slactl.usecases.reading import by_urgency, rep_status

    if limit < 0:
        raise SlactlError(f"--limit {limit}: give a number of rows, or 0 for all")
    s = settings(ctx)
    agreements = load_agreement_set(s.agreements_dir)
    when = as_of_moment(ctx, as_of, agreements)
    tz = agreements.zone_at(when)
    engine = open_for_reading(s.db)
    try:
        items, month_report = rep_status(engine, agreements, rep, as_of=when)
    finally:
        engine.dispose()
    if format_ is StatusFormat.json:
        emit(status_json(rep, when, items, month_report, tz))
    else:
        emit(render_status(rep, when, by_urgency(items), month_report, tz, limit=limit or None))


@app.command()
def explain(
    ctx: typer.Context,
    lead: Annotated[str, typer.Argument(help="The lead's external id or email.")],
    as_of: AS_OF = None,
) -> None:
    """A lead's timeline and, per commitment, its deadline, outcome and why."""
    from slactl.ledger.opening import open_for_reading
    from slactl.render.status import render_explain
    from slactl.usecases.reading import explain_lead

    s = settings(ctx)
    agreements = load_agreement_set(s.agreements_dir)
    when = as_of_moment(ctx, as_of, agreements)
    engine = open_for_reading(s.db)
    try:
        explained = explain_lead(engine, agreements, lead, as_of=when)
    finally:
        engine.dispose()
    emit(render_explain(explained, when))


@app.command()
def leaderboard(
    ctx: typer.Context,
    month: MONTH = None,
    week: WEEK = None,
    quarter: QUARTER = None,
    from_: FROM = None,
    to: TO = None,
    as_of: AS_OF = None,
    by: Annotated[
        RankBy, typer.Option("--by", help="Rank reps, or teams by their reps' points.")
    ] = RankBy.rep,
) -> None:
    """Reps ranked by points (met × points.met + breached × points.breached), or teams.

    A quarter's leaderboard names its winning team when team.yaml has teams."""
    from slactl.render.report import winner_line
    from slactl.render.status import render_leaderboard
    from slactl.render.team import render_team_leaderboard
    from slactl.usecases.leaderboard import make_leaderboard

    result = on_period(
        ctx,
        (month, week, quarter, from_, to),
        as_of,
        lambda engine, agreements, period, when: make_leaderboard(
            engine, agreements, period, as_of=when, by_team=by is RankBy.team
        ),
    )
    if result.teams is not None:
        emit(render_team_leaderboard(result.report.period.label, result.teams))
    else:
        emit(render_leaderboard(result.report))
    if winner := winner_line(result.report):
        typer.echo(winner)
