"""``slactl init``, ``slactl agreement check|show`` and ``slactl deadline``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from slactl.cli.app import HelpGroup, commands, settings
from slactl.errors import SlactlError

app = commands()

agreement_app = typer.Typer(
    help="Check, show and compare agreements.", cls=HelpGroup, rich_markup_mode=None
)
app.add_typer(agreement_app, name="agreement")


EXAMPLE_AGREEMENTS = ("acme-2024.yaml", "quotas.yaml")
EXAMPLE_FILES = ("leads.csv", "activities.csv", "draft.yaml")


@app.command()
def init(
    ctx: typer.Context,
    year: Annotated[
        int | None,
        typer.Option(
            help="The year the starter agreement covers (default: this year).",
            metavar="YEAR",
        ),
    ] = None,
    example: Annotated[
        bool,
        typer.Option(
            "--example",
            help="Write the example instead: an agreement for 2024, its quotas, leads.csv,"
            " activities.csv and draft.yaml (for whatif) in the current directory.",
        ),
    ] = False,
) -> None:
    """Create the ledger and write a starter agreement and quotas file; never overwrites."""
    from importlib.resources import files

    from slactl.cli.common import wall_clock
    from slactl.ledger.engine import safe_url
    from slactl.ledger.opening import open_for_writing

    s = settings(ctx)
    if year is not None and not 2000 <= year <= 9999:
        raise SlactlError(f"--year {year}: give a year from 2000 on, e.g. --year 2027")
    if example and year is not None:
        raise SlactlError("--example covers 2024; --year is for the starter agreement")
    writes: dict[Path, bytes] = {}  # as bytes: the example exports keep their CRLF
    if example:
        source = files("slactl") / "templates" / "example"
        for name in EXAMPLE_AGREEMENTS:
            writes[s.agreements_dir / name] = (source / name).read_bytes()
        for name in EXAMPLE_FILES:
            writes[Path(name)] = (source / name).read_bytes()
    else:
        year = year or wall_clock().year
        template = files("slactl") / "templates"
        for name in ("agreement.yaml", "quotas.yaml"):
            text = (template / name).read_text(encoding="utf-8")
            writes[s.agreements_dir / name] = text.replace("__YEAR__", str(year)).encode()
    for path in writes:
        if path.exists():
            raise SlactlError(f"{path} already exists: slactl init never overwrites; edit it")
    open_for_writing(s.db).dispose()
    typer.echo(f"ledger ready: {safe_url(s.db)}", err=True)
    s.agreements_dir.mkdir(parents=True, exist_ok=True)
    for path, data in writes.items():
        path.write_bytes(data)
        typer.echo(f"wrote {path}", err=True)
    if example:
        typer.echo("next: 'slactl import leads.csv', then activities.csv", err=True)
    else:
        typer.echo("next: edit the agreement, then run 'slactl agreement check'", err=True)


@agreement_app.command("check")
def check(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="An agreement file or directory (default: --agreements).")
    ] = None,
) -> None:
    """Validate and lint the agreement: errors exit 2, warnings exit 0."""
    from slactl.agreement.lint import lint_report

    target = path or settings(ctx).agreements_dir
    result = lint_report(target)
    for m in result.messages:
        typer.echo(str(m), err=True)
    warnings = _count(result.warnings, "warning")
    if result.errors:
        typer.echo(f"{_count(result.errors, 'error')}, {warnings} in {target}", err=True)
        raise typer.Exit(2)
    commitments = sum(len(a.commitments) for a in result.agreements)
    typer.echo(
        f"ok: {_count(len(result.agreements), 'agreement')},"
        f" {_count(commitments, 'commitment')}, {warnings}",
        err=True,
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@agreement_app.command("show")
def show(
    ctx: typer.Context,
    on: Annotated[
        str | None, typer.Option("--on", help="The date whose agreement to show (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Show the agreement in effect as the sign-off template, with its calendar."""
    from rich.console import Console

    from slactl.agreement.directory import load_agreements
    from slactl.render.agreement import render_agreement
    from slactl.timeparse import TimeParseError, parse_date

    agreements = load_agreements(settings(ctx).agreements_dir)
    if on is None:
        from slactl.cli.common import wall_clock

        latest = agreements.agreements[-1]
        day = wall_clock().astimezone(latest.calendar.tz).date()
    else:
        try:
            day = parse_date(on)
        except TimeParseError as exc:
            raise SlactlError(f"--on: {exc}") from None
    # no agreement in effect that day (say, before the first one is signed): the latest
    agreement = agreements.find(day) or agreements.agreements[-1]
    Console().print(render_agreement(agreement, day))
    if agreements.team is not None and agreements.team.reps:
        from slactl.render.team import render_team

        Console().print(render_team(agreements.team))


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


def format_instant(t: datetime) -> str:
    return t.isoformat(timespec="microseconds" if t.microsecond else "seconds")


@app.command()
def deadline(
    ctx: typer.Context,
    start: Annotated[
        str,
        typer.Argument(
            help="ISO 8601 start, e.g. 2024-05-03T16:30 (without an offset: the agreement's zone)."
        ),
    ],
    duration: Annotated[
        str,
        typer.Argument(
            help='"<n> <unit>", the unit one of business minutes, business hours, business'
            " days (counted in the agreement's working hours), minutes, hours, days or weeks"
            ' (on the wall clock), e.g. "4 business hours" or "2 days".'
        ),
    ],
) -> None:
    """Print when something started at START is due after DURATION, in ISO 8601."""
    from zoneinfo import ZoneInfo

    from slactl.agreement.directory import load_agreements
    from slactl.clock import CalendarError, DurationError, parse_duration
    from slactl.timeparse import TimeParseError, parse_instant

    try:
        d = parse_duration(duration)
    except DurationError as exc:
        raise SlactlError(str(exc)) from None
    agreements = load_agreements(settings(ctx).agreements_dir)
    try:
        # START without an offset is local time of the agreement in effect at its date:
        # read it in the first agreement's zone, then again if that agreement's differs
        tz = ZoneInfo(agreements.agreements[0].calendar_spec.timezone)
        t = parse_instant(start, tz)
        agreement = agreements.in_effect(t.astimezone(tz).date())
        if agreement.calendar.tz.key != tz.key:
            t = parse_instant(start, agreement.calendar.tz)
            agreement = agreements.in_effect(t.astimezone(agreement.calendar.tz).date())
    except TimeParseError as exc:
        raise SlactlError(str(exc)) from None
    try:
        due = agreement.calendar.add(t, d)
    except CalendarError as exc:
        raise SlactlError(f"{duration} after {start}: {exc}") from None
    typer.echo(format_instant(due))
