"""``slactl notify``: alerts before and after a breach, each sent once, for cron."""

from __future__ import annotations

from typing import Annotated

import typer

from slactl.cli.app import commands, settings
from slactl.cli.common import load_agreement_set, local_zones, parse_time_option, wall_clock
from slactl.errors import SlactlError, TemporaryFailure

app = commands()


@app.command()
def notify(
    ctx: typer.Context,
    sender: Annotated[
        str, typer.Option("--from", metavar="ADDR", help="The sender address.")
    ] = "slactl@localhost",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="TIME", help="The moment to alert about (default now)."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print what would be sent; send and record nothing."),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", metavar="SECONDS", help="Longest wait for one send.", min=0.1),
    ] = 10.0,
    budget: Annotated[
        float,
        typer.Option(
            "--max-time", metavar="SECONDS", help="Stop starting sends after this long.", min=1
        ),
    ] = 60.0,
) -> None:
    """Email and post the at-risk, breach and escalation alerts now due; silent on success.

    Each alert is recorded in the ledger and sent once. Exit 75: some sends failed (one
    line each on stderr); they are retried by the next run. SMTP settings as for digest.
    """
    import os

    from slactl.ledger.notifications import sent_of
    from slactl.ledger.opening import open_for_writing
    from slactl.ledger.watch import save
    from slactl.mail import check_address, smtp_settings
    from slactl.usecases.notify import JUST, WEBHOOK, find_alerts, fingerprint, send_alerts

    check_address("--from", sender)  # a bad sender would fail every send, every run
    s = settings(ctx)
    agreements = load_agreement_set(s.agreements_dir)
    if agreements.team is None:  # nobody to alert: say so rather than succeed in silence
        raise SlactlError(
            f"{s.agreements_dir / 'team.yaml'}: no such file; notify sends to the reps and"
            " managers it names: add it (docs/team.md)"
        )
    smtp = None if dry_run else smtp_settings(os.environ)  # bad settings fail first
    now = wall_clock()
    when = parse_time_option(as_of, "--as-of", local_zones(s.agreements_dir, agreements), now)
    engine = open_for_writing(s.db)
    try:
        watch = fingerprint(s.agreements_dir)
        found = find_alerts(engine, agreements, when, watch=None if dry_run else watch)
        done = sent_of(engine, {a.lead for a in found.alerts})
        alerts = [a for a in found.alerts if a.key_tuple() not in done]
        if dry_run:
            for a in alerts:  # what is sent: a webhook's text opens with the subject
                sent = a.text if a.channel == WEBHOOK else f"{a.subject}\n{a.text}"
                typer.echo(f"-- {a.channel} to {a.recipient}\n{sent}\n")
            return
        result = send_alerts(
            engine,
            alerts,
            smtp=smtp,
            sender=sender,
            timeout=timeout,
            budget=budget,
            clock=wall_clock,
        )
        if found.marks is not None:  # a lead with a send not made is looked at again
            again = when - JUST  # the next run, even at the same as_of
            seen = {k: (again if k in result.unsent else t) for k, t in found.next_at.items()}
            save(engine, fingerprint=watch, as_of=when, marks=found.marks, next_at=seen)
    finally:
        engine.dispose()
    failures = result.failures or []
    for line in failures[:-1]:
        typer.echo(line, err=True)
    if failures:
        raise TemporaryFailure(failures[-1])
