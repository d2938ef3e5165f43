"""``slactl init``, ``slactl agreement check|show`` and ``slactl deadline``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from slactl.cli.app import app, settings
from slactl.errors import AgreementError, SlactlError

agreement_app = typer.Typer(
    help="Check and show the agreement.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(agreement_app, name="agreement")


@app.command()
def init(ctx: typer.Context) -> None:
    """Write a starter agreement and quotas file into the agreements directory."""
    from importlib.resources import files

    target = settings(ctx).agreements_dir
    template = files("slactl") / "templates"
    writes = {
        target / "agreement.yaml": (template / "agreement.yaml").read_text(encoding="utf-8"),
        target / "quotas.yaml": (template / "quotas.yaml").read_text(encoding="utf-8"),
    }
    for path in writes:
        if path.exists():
            raise SlactlError(f"{path} already exists: slactl init never overwrites; edit it")
    target.mkdir(parents=True, exist_ok=True)
    for path, text in writes.items():
        path.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {path}", err=True)
    typer.echo("next: edit the agreement, then run 'slactl agreement check'", err=True)


@agreement_app.command("check")
def check(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="An agreement file or directory (default: --agreements).")
    ] = None,
) -> None:
    """Validate and lint the agreement: errors exit 2, warnings exit 0."""
    from slactl.agreement.lint import lint

    target = path or settings(ctx).agreements_dir
    messages = lint(target)
    for m in messages:
        typer.echo(str(m), err=True)
    errors = sum(m.level == "error" for m in messages)
    warnings = len(messages) - errors
    if errors:
        typer.echo(f"{errors} error(s), {warnings} warning(s) in {target}", err=True)
        raise typer.Exit(2)
    from slactl.agreement.loader import agreement_files

    files = agreement_files(target) if target.is_dir() else [target]
    typer.echo(f"ok: {len(files)} agreement file(s), {warnings} warning(s)", err=True)


@agreement_app.command("show")
def show(
    ctx: typer.Context,
    on: Annotated[
        str | None, typer.Option("--on", help="The date whose agreement to show (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Show the agreement in effect as the sign-off template, with its calendar."""
    from rich.console import Console

    from slactl.agreement.loader import load_agreements
    from slactl.render.agreement import render_agreement
    from slactl.timeparse import TimeParseError, parse_date

    agreements = load_agreements(settings(ctx).agreements_dir)
    try:
        day = parse_date(on) if on else date.today()
    except TimeParseError as exc:
        raise SlactlError(f"--on: {exc}") from None
    agreement = agreements.find(day) or agreements.agreements[-1]
    Console().print(render_agreement(agreement, day))


def format_instant(t: datetime) -> str:
    return t.isoformat(timespec="microseconds" if t.microsecond else "seconds")


@app.command()
def deadline(
    ctx: typer.Context,
    start: Annotated[str, typer.Argument(help="ISO 8601 start, e.g. 2024-05-03T16:30.")],
    duration: Annotated[str, typer.Argument(help='A duration, e.g. "4 business hours".')],
) -> None:
    """Print when something started at START is due after DURATION (ISO 8601)."""
    from zoneinfo import ZoneInfo

    from slactl.agreement.loader import load_agreements
    from slactl.clock import DurationError, parse_duration
    from slactl.timeparse import TimeParseError, parse_instant

    try:
        d = parse_duration(duration)
    except DurationError as exc:
        raise SlactlError(str(exc)) from None
    agreements = load_agreements(settings(ctx).agreements_dir)
    try:
        # the zone of the agreement in effect at START's local date
        first = parse_instant(start, ZoneInfo(agreements.agreements[0].calendar_spec.timezone))
        agreement = agreements.in_effect(first.date())
        t = parse_instant(start, agreement.calendar.tz)
        agreement = agreements.in_effect(t.astimezone(agreement.calendar.tz).date())
    except TimeParseError as exc:
        raise SlactlError(str(exc)) from None
    except AgreementError:
        raise
    typer.echo(format_instant(agreement.calendar.add(t, d)))
