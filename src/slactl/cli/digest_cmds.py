"""``slactl digest``: the weekly summary by email, for cron."""

from __future__ import annotations

from typing import Annotated

import typer

from slactl.cli.app import app, settings
from slactl.cli.common import agreement_zone, load_agreement_set, parse_time_option, wall_clock


@app.command()
def digest(
    ctx: typer.Context,
    to: Annotated[list[str], typer.Option("--to", help="A recipient (repeatable).")],
    week: Annotated[
        str, typer.Option("--week", help="'last' (default), 'this' or an ISO week like 2024-W19.")
    ] = "last",
    rep: Annotated[
        str | None, typer.Option("--rep", help="A personal digest for this rep.")
    ] = None,
    sender: Annotated[str, typer.Option("--from", help="The sender address.")] = "slactl@localhost",
    subject: Annotated[
        str | None, typer.Option("--subject", help="Replace the subject line.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The moment the digest is about (default now).")
    ] = None,
    stdout: Annotated[
        bool, typer.Option("--stdout", help="Write the MIME message to stdout (for sendmail -t).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the text part on stdout; send nothing.")
    ] = False,
) -> None:
    """Email the week's SLA summary; silent on success (for cron)."""
    import os

    from slactl.digest import build_digest
    from slactl.ledger.engine import open_ledger
    from slactl.mail import build_message, send, smtp_settings
    from slactl.render.digest import digest_html, digest_text

    s = settings(ctx)
    smtp = None if (stdout or dry_run) else smtp_settings(os.environ)
    agreements = load_agreement_set(s.agreements_dir)
    now = wall_clock()
    when = parse_time_option(as_of, "--as-of", agreement_zone(s.agreements_dir, now), now)
    engine = open_ledger(s.db, create=False)
    try:
        d = build_digest(engine, agreements, week_text=week, as_of=when, rep=rep)
    finally:
        engine.dispose()
    msg = build_message(
        sender=sender,
        to=to,
        subject=subject or d.subject(),
        text=digest_text(d),
        html=digest_html(d),
    )
    if dry_run:
        typer.echo(f"To: {', '.join(to)}\nSubject: {msg['Subject']}\n")
        typer.echo(digest_text(d), nl=False)
        return
    if stdout:
        typer.echo(msg.as_string(), nl=False)
        return
    assert smtp is not None
    send(msg, smtp)
