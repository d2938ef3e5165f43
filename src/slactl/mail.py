"""Building and sending the digest email.

SMTP settings come from the environment only (never from the agreement, which is shared
and committed): ``SLACTL_SMTP_HOST``, ``SLACTL_SMTP_PORT``, ``SLACTL_SMTP_USER``,
``SLACTL_SMTP_PASSWORD``, ``SLACTL_SMTP_SECURITY`` (``starttls``, ``tls`` or ``none``) and
``SLACTL_SMTP_CAFILE`` (a CA bundle to trust, for a private server). With a user set the
security defaults to ``starttls``: a password goes out in clear only when
``SLACTL_SMTP_SECURITY=none`` is paired with ``SLACTL_SMTP_INSECURE_LOGIN=yes``. Failures become
``TemporaryFailure`` (exit 75: retry later) or ``PermanentFailure`` (exit 3: fix the
settings); bad settings are a ``SlactlError`` (exit 2). No message ever contains the
password.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from slactl.errors import PermanentFailure, SlactlError, TemporaryFailure

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never shown
    cafile: str | None = None
    insecure_login: bool = False  # the user's explicit consent to log in without TLS

    @property
    def login_in_clear(self) -> bool:
        return bool(self.user) and self.security == "none"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings:
    """The SMTP settings from ``SLACTL_SMTP_*`` variables (pass ``os.environ``)."""
    user = env.get("SLACTL_SMTP_USER") or None
    # with credentials, encrypted unless said otherwise: the password must not go out in clear
    security = env.get("SLACTL_SMTP_SECURITY", "").strip().lower() or (
        "starttls" if user else "none"
    )
    if security not in DEFAULT_PORTS:
        raise SlactlError(f"SLACTL_SMTP_SECURITY={security!r}: use starttls, tls or none")
    port_text = env.get("SLACTL_SMTP_PORT", "").strip()
    try:
        port = int(port_text) if port_text else DEFAULT_PORTS[security]
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise SlactlError(f"SLACTL_SMTP_PORT={port_text!r}: use a port number (1-65535)")
    password = env.get("SLACTL_SMTP_PASSWORD") or None
    if user and password is None:
        raise SlactlError("SLACTL_SMTP_USER is set but SLACTL_SMTP_PASSWORD is not: set both")
    consent = env.get("SLACTL_SMTP_INSECURE_LOGIN", "").strip().lower()
    if consent not in ("", "yes", "no"):
        raise SlactlError(f"SLACTL_SMTP_INSECURE_LOGIN={consent!r}: use yes or leave it unset")
    insecure_login = consent == "yes"
    if user and security == "none" and not insecure_login:
        raise SlactlError(INSECURE_REFUSED)
    return SmtpSettings(
        host=env.get("SLACTL_SMTP_HOST", "localhost").strip() or "localhost",
        port=port,
        security=security,
        user=user,
        password=password,
        cafile=env.get("SLACTL_SMTP_CAFILE") or None,
        insecure_login=insecure_login,
    )


INSECURE_REFUSED = (
    "SLACTL_SMTP_SECURITY=none with SLACTL_SMTP_USER set would send the password"
    " unencrypted: use starttls (the default) or tls, or set SLACTL_SMTP_INSECURE_LOGIN=yes"
    " to send it in clear anyway"
)


def insecure_warning(settings: SmtpSettings) -> str | None:
    """What to print on stderr each time a password is about to go out in clear."""
    if not settings.login_in_clear:
        return None
    return (
        f"warning: sending the SMTP password for {settings.user!r} to {settings.where}"
        " UNENCRYPTED (SLACTL_SMTP_INSECURE_LOGIN=yes); anyone on the network path can read it"
    )


def check_address(role: str, address: str) -> None:
    """Raise a one-line SlactlError naming ``role`` unless ``address`` is an address."""
    _, addr = parseaddr(address)
    local, at, domain = addr.rpartition("@")
    if not (at and local and domain) or any(c.isspace() for c in addr):
        raise SlactlError(f"{role} {address!r}: not an email address; use name@example.com")


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
    images: Sequence[tuple[str, bytes]] = (),
) -> EmailMessage:
    """One message: a plain-text part and its HTML alternative (multipart/alternative);
    ``images``, (content id, PNG) pairs the HTML shows as ``<img src="cid:ID">``, go with
    the HTML part (multipart/related), since mail clients fetch nothing and run no SVG."""
    if not to:
        raise SlactlError("no recipient: give --to ADDR at least once")
    check_address("--from", sender)
    for address in to:
        check_address("--to", address)
    if "\n" in subject or "\r" in subject:
        raise SlactlError("--subject: use one line (no line breaks)")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if images:
        html_part = next(p for p in msg.iter_parts() if p.get_content_type() == "text/html")
        for cid, png in images:
            html_part.add_related(
                png,
                maintype="image",
                subtype="png",
                cid=f"<{cid}>",
                disposition="inline",
                filename=f"{cid.split('@')[0].rsplit('.', 1)[-1]}.png",  # id's name: trend.png
            )
    return msg


def content_id(sender: str, name: str) -> str:
    """A content id for an inline image (without the angle brackets), unique per message."""
    return make_msgid(idstring=name, domain=parseaddr(sender)[1].rpartition("@")[2] or "slactl")[
        1:-1
    ]


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=settings.cafile)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise SlactlError(
            f"SLACTL_SMTP_CAFILE={settings.cafile!r}: {reason}; give a PEM file of CA certificates"
        ) from None


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """One attempt with the best mechanism offered (smtplib's ``login`` tries each in turn,
    and a server may drop the connection after repeated failures).

    PLAIN and LOGIN are written here rather than through ``smtplib.SMTP.auth``, which
    encodes the credentials as ASCII and so fails on a password such as ``pässwort``;
    RFC 4616 sends them as UTF-8."""
    smtp.ehlo_or_helo_if_needed()
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered:
        code, reply = smtp.docmd("AUTH", "PLAIN " + _b64(f"\0{user}\0{password}"))
    elif "LOGIN" in offered:
        code, reply = smtp.docmd("AUTH", "LOGIN " + _b64(user))
        if code == 334:
            code, reply = smtp.docmd(_b64(password))
    elif password.isascii() and user.isascii():
        smtp.login(user, password)  # CRAM-MD5, or raises SMTPNotSupportedError
        return
    else:
        raise smtplib.SMTPNotSupportedError("no PLAIN or LOGIN for a non-ASCII login")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _reply(error: bytes | str) -> str:
    text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
    return " ".join(text.split())  # a multi-line reply on one line


def send(msg: EmailMessage, settings: SmtpSettings, *, timeout: float = 30) -> None:
    """Hand ``msg`` to the SMTP server; raise ``TemporaryFailure`` (worth retrying) or
    ``PermanentFailure`` (fix the settings) with a one-line message."""
    where = settings.where
    if settings.login_in_clear and not settings.insecure_login:
        raise SlactlError(INSECURE_REFUSED)
    context = _tls_context(settings) if settings.security != "none" else None
    stage = "connect"
    try:
        smtp: smtplib.SMTP
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        try:
            if settings.security == "starttls":
                stage = "starttls"
                smtp.starttls(context=context)
            if settings.user:
                stage = "login"
                _login(smtp, settings.user, settings.password or "")
            stage = "send"
            refused = smtp.send_message(msg)
            stage = "sent"
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the server has the message: failing now would make a wrapper resend it
        finally:
            smtp.close()
    except smtplib.SMTPAuthenticationError as exc:
        raise PermanentFailure(
            f"SMTP server {where} refused the login for {settings.user!r} ({exc.smtp_code});"
            " check SLACTL_SMTP_USER and SLACTL_SMTP_PASSWORD"
        ) from None
    except smtplib.SMTPNotSupportedError:
        if stage == "starttls":
            raise PermanentFailure(
                f"SMTP server {where} does not offer STARTTLS;"
                " set SLACTL_SMTP_SECURITY=tls (implicit TLS) or none"
            ) from None
        raise PermanentFailure(
            f"SMTP server {where} does not offer a login on this connection;"
            " set SLACTL_SMTP_SECURITY=starttls or tls, or unset SLACTL_SMTP_USER"
        ) from None
    except smtplib.SMTPResponseException as exc:
        kind = TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure
        raise kind(
            f"SMTP server {where} answered {exc.smtp_code}: {_reply(exc.smtp_error)}"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = {code for code, _ in exc.recipients.values()}
        kind = TemporaryFailure if all(400 <= c < 500 for c in codes) else PermanentFailure
        raise kind(
            f"SMTP server {where} refused every recipient: {_refused(exc.recipients)}"
        ) from None
    except ssl.SSLError as exc:
        raise PermanentFailure(
            f"TLS with {where} failed ({exc.reason or _reply(str(exc))}); check"
            " SLACTL_SMTP_SECURITY, SLACTL_SMTP_HOST (the name on the certificate) and"
            " SLACTL_SMTP_CAFILE"
        ) from None
    except smtplib.SMTPServerDisconnected as exc:
        if "timed out" not in str(exc):  # smtplib reports a read timeout as a disconnection
            raise TemporaryFailure(
                f"SMTP server {where} closed the connection; try again later"
            ) from None
        raise TemporaryFailure(
            f"SMTP server {where} did not answer within {timeout:g} s; try again later"
        ) from None
    except TimeoutError:
        raise TemporaryFailure(
            f"SMTP server {where} did not answer within {timeout:g} s; try again later"
        ) from None
    except smtplib.SMTPException as exc:
        if stage == "login":  # e.g. "No suitable authentication method found."
            raise PermanentFailure(f"SMTP login with {where} failed: {_reply(str(exc))}") from None
        raise TemporaryFailure(f"SMTP with {where} failed: {_reply(str(exc))}") from None
    except OSError as exc:
        raise TemporaryFailure(
            f"SMTP server {where} unreachable: {exc.strerror or exc}; try again later"
        ) from None
    if refused:
        raise PermanentFailure(
            f"SMTP server {where} took the message but refused {_refused(refused)};"
            " check the --to addresses"
        )


def _refused(recipients: Mapping[str, tuple[int, bytes]]) -> str:
    return ", ".join(
        f"{addr} ({code} {_reply(text)})" for addr, (code, text) in sorted(recipients.items())
    )
