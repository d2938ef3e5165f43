"""``slactl digest``: the weekly summary by email, for cron."""

from __future__ import annotations

from typing import Annotated

import typer

from slactl.cli.app import commands, settings
from slactl.cli.common import load_agreement_set, local_zones, parse_time_option, wall_clock
from slactl.errors import SlactlError

app = commands()


@app.command()
def digest(
    ctx: typer.Context,
    to: Annotated[
        list[str], typer.Option("--to", metavar="ADDR", help="A recipient (repeatable).")
    ],
    week: Annotated[
        str,
        typer.Option(
            "--week", metavar="WEEK", help="'last' (default), 'this' or an ISO week like 2024-W19."
        ),
    ] = "last",
    rep: Annotated[
        str | None, typer.Option("--rep", metavar="REP", help="A personal digest for this rep.")
    ] = None,
    sender: Annotated[
        str, typer.Option("--from", metavar="ADDR", help="The sender address.")
    ] = "slactl@localhost",
    subject: Annotated[
        str | None, typer.Option("--subject", metavar="TEXT", help="Replace the subject line.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="TIME", help="The moment the digest is about (default now)."
        ),
    ] = None,
    stdout: Annotated[
        bool,
        typer.Option(
            "--stdout", help="Write the MIME message to stdout (for sendmail -t); no SMTP."
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show the headers and the text part on stdout; no SMTP."),
    ] = False,
) -> None:
    """Email the week's SLA summary; silent on success (for cron).

    SMTP settings come from SLACTL_SMTP_HOST, _PORT, _SECURITY (starttls|tls|none), _USER,
    _PASSWORD and _CAFILE. Exit 3: a permanent failure (login refused, TLS); exit 75: a
    temporary one (server unreachable, 4xx): retry later.
    """
    import os

    from slactl.ledger.opening import open_for_reading
    from slactl.mail import build_message, content_id, insecure_warning, send, smtp_settings
    from slactl.render.digest import digest_html, digest_text, trend_png
    from slactl.usecases.digest import build_digest

    if stdout and dry_run:
        raise SlactlError("--stdout and --dry-run: choose one")
    s = settings(ctx)
    smtp = None if (stdout or dry_run) else smtp_settings(os.environ)  # bad settings fail first
    agreements = load_agreement_set(s.agreements_dir)
    now = wall_clock()
    when = parse_time_option(as_of, "--as-of", local_zones(s.agreements_dir, agreements), now)
    engine = open_for_reading(s.db)
    try:
        d = build_digest(engine, agreements, week_text=week, as_of=when, rep=rep)
    finally:
        engine.dispose()
    text = digest_text(d)
    # the trend chart as an inline image; --dry-run shows the text only and draws nothing
    cid = None if dry_run else content_id(sender, "trend")
    msg = build_message(
        sender=sender,
        to=to,
        subject=subject or d.subject(),
        text=text,
        html=digest_html(d, chart_cid=cid),
        images=[(cid, trend_png(d))] if cid else (),
    )
    if dry_run:
        typer.echo(f"From: {msg['From']}\nTo: {msg['To']}\nSubject: {msg['Subject']}\n")
        typer.echo(text, nl=False)
    elif stdout:
        typer.echo(msg.as_string(), nl=False)
    else:
        assert smtp is not None
        if warning := insecure_warning(smtp):
            typer.echo(warning, err=True)
        send(msg, smtp)
