"""Building and sending the digest email.

SMTP settings come from the environment only (never from the agreement, which is shared
and committed): ``SLACTL_SMTP_HOST``, ``SLACTL_SMTP_PORT``, ``SLACTL_SMTP_USER``,
``SLACTL_SMTP_PASSWORD``, ``SLACTL_SMTP_SECURITY`` (``starttls``, ``tls`` or ``none``) and
``SLACTL_SMTP_CAFILE`` (a CA bundle to trust, for a private server). Failures become
``TemporaryFailure`` (exit 75: retry later) or ``PermanentFailure`` (exit 3); no message
ever contains the password.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from slactl.errors import PermanentFailure, SlactlError, TemporaryFailure

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    cafile: str | None

    def __repr__(self) -> str:  # never show the password
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r},"
            f" user={self.user!r})"
        )


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings:
    security = env.get("SLACTL_SMTP_SECURITY", "none").strip().lower() or "none"
    if security not in DEFAULT_PORTS:
        raise SlactlError(f"SLACTL_SMTP_SECURITY={security!r}: use starttls, tls or none")
    port_text = env.get("SLACTL_SMTP_PORT", "").strip()
    try:
        port = int(port_text) if port_text else DEFAULT_PORTS[security]
    except ValueError:
        raise SlactlError(f"SLACTL_SMTP_PORT={port_text!r}: use a port number") from None
    user = env.get("SLACTL_SMTP_USER") or None
    password = env.get("SLACTL_SMTP_PASSWORD") or None
    if user and password is None:
        raise SlactlError("SLACTL_SMTP_USER is set but SLACTL_SMTP_PASSWORD is not")
    return SmtpSettings(
        host=env.get("SLACTL_SMTP_HOST", "localhost").strip() or "localhost",
        port=port,
        security=security,
        user=user,
        password=password,
        cafile=env.get("SLACTL_SMTP_CAFILE") or None,
    )


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
    domain: str | None = None,
) -> EmailMessage:
    """One message: a plain-text part and an HTML alternative."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=domain or sender.rpartition("@")[2] or None)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """One attempt with the best mechanism offered (smtplib's ``login`` tries each in turn,
    and a server may drop the connection after repeated failures)."""
    smtp.ehlo_or_helo_if_needed()
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    smtp.user, smtp.password = user, password
    for mechanism in ("PLAIN", "LOGIN"):
        if mechanism in offered:
            method = smtp.auth_plain if mechanism == "PLAIN" else smtp.auth_login
            smtp.auth(mechanism, method, initial_response_ok=True)
            return
    smtp.login(user, password)


def send(msg: EmailMessage, settings: SmtpSettings, *, timeout: float = 30) -> None:
    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context(cafile=settings.cafile)
    try:
        smtp: smtplib.SMTP
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        try:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.user:
                _login(smtp, settings.user, settings.password or "")
            refused = smtp.send_message(msg)
            smtp.quit()
        finally:
            smtp.close()
        if refused:
            raise PermanentFailure(
                f"SMTP server {where} refused recipients: {', '.join(sorted(refused))}"
            )
    except smtplib.SMTPAuthenticationError as exc:
        raise PermanentFailure(
            f"SMTP server {where} refused the login for {settings.user!r} ({exc.smtp_code});"
            " check SLACTL_SMTP_USER and SLACTL_SMTP_PASSWORD"
        ) from None
    except smtplib.SMTPResponseException as exc:
        kind = TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure
        reply = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        raise kind(f"SMTP server {where} answered {exc.smtp_code}: {reply}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(
            f"SMTP server {where} refused every recipient: {', '.join(sorted(exc.recipients))}"
        ) from None
    except ssl.SSLError as exc:
        raise PermanentFailure(
            f"TLS with {where} failed ({exc.reason or exc}); check SLACTL_SMTP_SECURITY and"
            " SLACTL_SMTP_CAFILE"
        ) from None
    except smtplib.SMTPServerDisconnected:
        raise TemporaryFailure(
            f"SMTP server {where} closed the connection; try again later"
        ) from None
    except TimeoutError:
        raise TemporaryFailure(
            f"SMTP server {where} did not answer in time; try again later"
        ) from None
    except smtplib.SMTPException as exc:
        raise TemporaryFailure(f"SMTP with {where} failed: {exc}") from None
    except OSError as exc:
        raise TemporaryFailure(
            f"SMTP server {where} unreachable: {exc.strerror or exc}; try again later"
        ) from None
