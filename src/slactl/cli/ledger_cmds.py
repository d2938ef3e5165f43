"""``slactl import``, ``log``, ``disposition``, ``handoff`` and ``review``: facts in."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slactl.cli.app import commands, settings
from slactl.cli.common import local_zones, parse_time_option, wall_clock
from slactl.errors import SlactlError

app = commands()

if TYPE_CHECKING:
    from slactl.ledger.rules import EventRules
    from slactl.timeparse import ZoneRule


class Preset(StrEnum):
    generic = "generic"
    hubspot = "hubspot"
    salesforce = "salesforce"
    zoho = "zoho"
    pipedrive = "pipedrive"


class DateOrder(StrEnum):
    dmy = "dmy"
    mdy = "mdy"


class Kind(StrEnum):
    leads = "leads"
    activities = "activities"
    opportunities = "opportunities"


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The CSV export to import.")],
    preset: Annotated[
        Preset | None, typer.Option(help="The CRM the file comes from (default: detected).")
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help='Map a column to a field: "Column=field" (repeatable).'),
    ] = None,
    kind: Annotated[
        Kind | None, typer.Option(help="What the file holds (default: detected).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail the whole import on the first bad row.")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option(help="Write rejected rows, with line and reason, to this CSV.")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            help="The file's encoding, e.g. cp1252 (default: UTF-8, or UTF-16 by its BOM)."
        ),
    ] = None,
    date_order: Annotated[
        DateOrder | None,
        typer.Option(help="Read 03/05/2024 as day-first (dmy) or month-first (mdy)."),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(help="The zone of times without an offset (default: the agreement's)."),
    ] = None,
) -> None:
    """Import leads, activities or opportunities from a CRM export (atomic and idempotent)."""
    from slactl.ledger.ingest.pipeline import import_csv
    from slactl.ledger.opening import open_for_import

    s = settings(ctx)
    if rejects is not None:
        from slactl.cli.common import refuse_output_path

        refuse_output_path(rejects, "--rejects", db=s.db, inputs=[file])
    if not file.is_file():
        raise SlactlError(f"{file}: no such file")
    outcomes = None
    rules: tuple[EventRules, ...] = ()
    zone = _zone_option(tz)
    if s.agreements_dir.is_dir():
        from slactl.agreement.directory import agreement_files
        from slactl.cli.common import load_agreement_set
        from slactl.ledger.rules import event_rules

        if agreement_files(s.agreements_dir):
            agreements = load_agreement_set(s.agreements_dir)
            outcomes = tuple(o for a in agreements.agreements for o in a.definitions.outcomes)
            rules = event_rules(agreements.agreements)
            zone = zone or local_zones(s.agreements_dir, agreements)
    engine = open_for_import(s.db)
    try:
        with _progress(file) as progress:
            summary = import_csv(
                engine,
                file,
                kind=kind.value if kind else None,
                preset=preset.value if preset else None,
                mapping=map_ or [],
                dry_run=dry_run,
                strict=strict,
                rejects=rejects,
                default_tz=zone,
                outcomes=outcomes,
                now=wall_clock(),
                progress=progress,
                encoding=encoding,
                date_order=date_order.value if date_order else None,
                rules=rules,
            )
    finally:
        engine.dispose()
    typer.echo(summary.line(), err=True)
    for line, _, reason in summary.rejects[:5]:
        typer.echo(f"  {file}:{line}: {reason}", err=True)
    if summary.rejected > 5:
        more = f"; all in {rejects}" if rejects else "; use --rejects FILE to see them all"
        typer.echo(f"  … {summary.rejected - 5} more{more}", err=True)


def _zone_option(name: str | None) -> ZoneRule | None:
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SlactlError(f"--tz {name}: unknown time zone; e.g. America/New_York") from None


PROGRESS_FROM_BYTES = 5_000_000  # smaller files import in about a second


@contextmanager
def _progress(file: Path) -> Iterator[Callable[[int, str], None] | None]:
    """A Rich progress bar on stderr while a large file imports, when stderr is a terminal;
    after 100 % its label says what the import is still doing (indexing, committing)."""
    size = file.stat().st_size
    if size < PROGRESS_FROM_BYTES or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        "[progress.percentage]{task.percentage:>3.0f}%",
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(f"importing {file.name}", total=size)
        yield lambda done, phase: bar.update(
            task, completed=min(done, size), description=f"{phase} {file.name}"
        )


def _record(
    ctx: typer.Context,
    *,
    lead: str | None,
    kind: str,
    rep: str | None,
    at: str | None,
    tz: str | None,
    outcome: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    duration: str | None = None,
    from_rep: str | None = None,
    new_rep: bool = False,
) -> None:
    from slactl.cli.common import local_time, typed_time_zones
    from slactl.ledger.opening import open_for_writing
    from slactl.ledger.record import record_event
    from slactl.ledger.rules import event_rules, minutes

    # an empty name was stored as a rep called '' (a reassign to nobody: the lead's owner
    # from then on); an import refuses such a row, and so does the command
    for option, name, fix in (
        ("--to", rep if kind == "reassign" else None, "name the lead's new owner"),
        ("--rep", None if kind == "reassign" else rep, "name the rep who did it"),
        ("--from", from_rep, "name the previous owner, or leave --from out"),
    ):
        if name is not None and not name.strip():
            raise SlactlError(f"{option} is empty: {fix}")
    s = settings(ctx)
    now = wall_clock()
    zones = typed_time_zones(s.agreements_dir, tz, "--at")
    when = parse_time_option(at, "--at", zones, now)
    try:
        spent = None if duration is None else minutes(duration.strip())
    except ValueError as exc:
        raise SlactlError(str(exc)) from None
    rules: tuple[EventRules, ...] = ()
    if kind in ("disposition", "pause"):
        from slactl.agreement.directory import agreement_files
        from slactl.cli.common import load_agreement_set

        if s.agreements_dir.is_dir() and agreement_files(s.agreements_dir):
            rules = event_rules(load_agreement_set(s.agreements_dir).agreements)
    from slactl.agreement.directory import team_in

    team = team_in(s.agreements_dir)  # its reps are known reps (SPEC 8.1)
    engine = open_for_writing(s.db)
    try:
        done = record_event(
            engine,
            lead=lead,
            kind=kind,
            at=when,
            now=now,
            rep=rep,
            outcome=outcome,
            note=note,
            reason=reason.strip().lower() or None if reason is not None else None,
            duration=spent,
            from_rep=from_rep,
            new_rep=new_rep,
            rules=rules,
            team_reps=tuple(team.reps) if team is not None else (),
        )
    finally:
        engine.dispose()
    what = f"{kind} {outcome}" if outcome else kind
    if kind == "reassign":
        what = f"reassign to {rep}" + (f" from {from_rep}" if from_rep else "")
    target = f" on {done.lead}" if done.lead else ""
    state = "logged" if done.added else "already in the ledger:"
    shown = local_time(when, zones).isoformat(timespec="minutes")
    typer.echo(f"{state} {what}{target} at {shown}", err=True)


REP = Annotated[str, typer.Option("--rep", help="The rep who did it.")]
SOME_REP = Annotated[str | None, typer.Option("--rep", help="The rep who did it (optional).")]
AT = Annotated[
    str | None, typer.Option("--at", help="When (ISO 8601; default now, agreement's zone).")
]
TZ = Annotated[
    str | None,
    typer.Option(
        "--tz",
        metavar="ZONE",
        help="The zone of an --at without offset (default: the agreement's), e.g. Europe/Paris.",
    ),
]
LEAD = Annotated[str, typer.Argument(help="The lead's external id or email.")]
NEW_REP = Annotated[
    bool,
    typer.Option("--new-rep", help="--rep names a rep the ledger has not seen yet (not a typo)."),
]
DURATION = Annotated[
    str | None,
    typer.Option("--duration", metavar="MINUTES", help="Minutes spent, e.g. 12 or 12.5."),
]
REASON = Annotated[str | None, typer.Option(help="Why, kept with the event.")]


@app.command()
def log(
    ctx: typer.Context,
    lead: LEAD,
    kind: Annotated[str, typer.Argument(help="call, email, meeting, or any other activity.")],
    rep: REP,
    at: AT = None,
    tz: TZ = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the touch.")] = None,
    duration: DURATION = None,
    reason: REASON = None,
    new_rep: NEW_REP = False,
) -> None:
    """Log a touch (or another activity) on a lead."""
    from slactl.records import RESERVED_KINDS

    kind = kind.strip().lower()
    if kind in RESERVED_KINDS:
        raise SlactlError(f"'{kind}' has its own command: slactl {kind} …")
    _record(
        ctx,
        lead=lead,
        kind=kind,
        rep=rep,
        at=at,
        tz=tz,
        note=note,
        duration=duration,
        reason=reason,
        new_rep=new_rep,
    )


@app.command()
def disposition(
    ctx: typer.Context,
    lead: LEAD,
    outcome: Annotated[str, typer.Argument(help="qualified, disqualified, nurture, …")],
    rep: REP,
    at: AT = None,
    tz: TZ = None,
    reason: Annotated[
        str | None,
        typer.Option(help="Why (required when the agreement lists reasons for the outcome)."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the disposition.")] = None,
    duration: DURATION = None,
    new_rep: NEW_REP = False,
) -> None:
    """Record a lead's disposition (qualified, disqualified, returned to marketing…)."""
    s = settings(ctx)
    outcome = outcome.strip().lower()
    if s.agreements_dir.is_dir():
        from slactl.cli.common import load_agreement_set

        allowed = sorted(
            {
                o
                for a in load_agreement_set(s.agreements_dir).agreements
                for o in a.definitions.outcomes
            }
        )
        if outcome not in allowed:
            from difflib import get_close_matches

            close = get_close_matches(outcome, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(allowed)}"
            raise SlactlError(f"outcome '{outcome}' is not in the agreement: {hint}")
    _record(
        ctx,
        lead=lead,
        kind="disposition",
        rep=rep,
        at=at,
        tz=tz,
        outcome=outcome,
        note=note,
        reason=reason,
        duration=duration,
        new_rep=new_rep,
    )


@app.command()
def handoff(
    ctx: typer.Context,
    lead: LEAD,
    rep: REP,
    at: AT = None,
    tz: TZ = None,
    new_rep: NEW_REP = False,
) -> None:
    """Record that marketing handed a lead to sales (its clock starts then)."""
    _record(ctx, lead=lead, kind="handoff", rep=rep, at=at, tz=tz, new_rep=new_rep)


@app.command()
def review(
    ctx: typer.Context,
    at: AT = None,
    tz: TZ = None,
    note: Annotated[str | None, typer.Option(help="What was reviewed.")] = None,
) -> None:
    """Record a sales & marketing SLA review meeting."""
    _record(ctx, lead=None, kind="review", rep=None, at=at, tz=tz, note=note)


@app.command()
def pause(
    ctx: typer.Context,
    lead: LEAD,
    reason: Annotated[
        str, typer.Option(help="Why: one of the agreement's definitions.pauses reasons.")
    ],
    rep: SOME_REP = None,
    at: AT = None,
    tz: TZ = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the pause.")] = None,
    new_rep: NEW_REP = False,
) -> None:
    """Pause a lead's clocks (the prospect asked to be called later) until 'slactl resume'."""
    _record(
        ctx,
        lead=lead,
        kind="pause",
        rep=rep,
        at=at,
        tz=tz,
        note=note,
        reason=reason,
        new_rep=new_rep,
    )


@app.command()
def resume(
    ctx: typer.Context,
    lead: LEAD,
    rep: SOME_REP = None,
    at: AT = None,
    tz: TZ = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the resumption.")] = None,
    new_rep: NEW_REP = False,
) -> None:
    """End a lead's pause: its clocks run again."""
    _record(ctx, lead=lead, kind="resume", rep=rep, at=at, tz=tz, note=note, new_rep=new_rep)


@app.command()
def accept(
    ctx: typer.Context,
    lead: LEAD,
    rep: SOME_REP = None,
    at: AT = None,
    tz: TZ = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the acceptance.")] = None,
    new_rep: NEW_REP = False,
) -> None:
    """Record that sales accepted the lead (a sales-accepted lead)."""
    _record(ctx, lead=lead, kind="accept", rep=rep, at=at, tz=tz, note=note, new_rep=new_rep)


@app.command()
def reassign(
    ctx: typer.Context,
    lead: LEAD,
    to: Annotated[str, typer.Option("--to", metavar="REP", help="The lead's new owner.")],
    from_: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="REP", help="Its previous owner (default: as the ledger knows it)."
        ),
    ] = None,
    at: AT = None,
    tz: TZ = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the reassignment.")] = None,
    new_rep: Annotated[
        bool,
        typer.Option("--new-rep", help="--to or --from names a rep the ledger has not seen yet."),
    ] = False,
) -> None:
    """Reassign a lead to another rep (they answer for its deadlines from then on)."""
    _record(
        ctx,
        lead=lead,
        kind="reassign",
        rep=to,
        at=at,
        tz=tz,
        note=note,
        from_rep=from_,
        new_rep=new_rep,
    )
