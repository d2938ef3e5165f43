"""``slactl.mail`` against a real SMTP server on loopback (aiosmtpd in a thread): settings
from the environment, the message's shape, plain SMTP, STARTTLS with a login, implicit TLS,
and every failure mapped to a one-line temporary (exit 75) or permanent (exit 3) error that
never shows the password."""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from slactl.errors import PermanentFailure, SlactlError, TemporaryFailure
from slactl.mail import SmtpSettings, build_message, send, smtp_settings

PASSWORD = "s3cret-pw-7f2a"


class Inbox:
    """An aiosmtpd handler that keeps what arrives; ``rcpt`` / ``data`` replies can be set
    per address / for the message, to play a server that defers or refuses."""

    def __init__(self, rcpt: dict[str, str] | None = None, data: str = "250 OK") -> None:
        self.envelopes: list[Envelope] = []
        self.sessions: list[Session] = []
        self.tls: list[str | None] = []  # the TLS version each message came over, or None
        self.rcpt = rcpt or {}
        self.data = data

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.rcpt:
            return self.rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.data.startswith("250"):
            self.envelopes.append(envelope)
            self.sessions.append(session)
            tls = server.transport.get_extra_info("ssl_object")
            self.tls.append(tls.version() if tls else None)
        return self.data


def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"digest"
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1, made by the openssl binary."""
    d = tmp_path_factory.mktemp("tls")
    key, crt = d / "key.pem", d / "cert.pem"
    subprocess.run(
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"]
        + ["-keyout", str(key), "-out", str(crt), "-days", "2", "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return crt, key


def server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


@contextmanager
def smtp_server(inbox: Inbox, **kwargs: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def message(to: tuple[str, ...] = ("a@acme.example",)) -> Message:
    return build_message(
        sender="SLA digest <sla@acme.example>",
        to=to,
        subject="SLA week 20: 5 of 7 commitments met",
        text="speed-to-lead  80.0%  FAIL  — café\n",
        html='<table style="border-collapse:collapse"><tr><td>80.0%</td></tr></table>\n',
    )


def parts(msg: Message) -> dict[str, str]:
    return {
        p.get_content_type(): p.get_payload(decode=True).decode().replace("\r\n", "\n")
        for p in msg.walk()
        if not p.is_multipart()
    }


def arrived(inbox: Inbox) -> Message:
    [envelope] = inbox.envelopes
    return email.message_from_bytes(envelope.original_content)


# settings ---------------------------------------------------------------------------------


def test_settings_defaults() -> None:
    assert smtp_settings({}) == SmtpSettings("localhost", 25, "none", None, None, None)


@pytest.mark.parametrize(("security", "port"), [("none", 25), ("starttls", 587), ("tls", 465)])
def test_default_port_follows_security(security: str, port: int) -> None:
    s = smtp_settings({"SLACTL_SMTP_SECURITY": security.upper(), "SLACTL_SMTP_HOST": "mx"})
    assert (s.host, s.port, s.security) == ("mx", port, security)


def test_settings_from_every_variable() -> None:
    s = smtp_settings(
        {
            "SLACTL_SMTP_HOST": "smtp.acme.example",
            "SLACTL_SMTP_PORT": "2525",
            "SLACTL_SMTP_SECURITY": "starttls",
            "SLACTL_SMTP_USER": "digest",
            "SLACTL_SMTP_PASSWORD": PASSWORD,
            "SLACTL_SMTP_CAFILE": "/etc/ca.pem",
        }
    )
    assert s == SmtpSettings(
        "smtp.acme.example", 2525, "starttls", "digest", PASSWORD, "/etc/ca.pem"
    )
    assert PASSWORD not in repr(s)


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"SLACTL_SMTP_SECURITY": "ssl"}, "SLACTL_SMTP_SECURITY='ssl': use starttls, tls or none"),
        ({"SLACTL_SMTP_PORT": "smtp"}, "SLACTL_SMTP_PORT='smtp': use a port number (1-65535)"),
        ({"SLACTL_SMTP_PORT": "70000"}, "SLACTL_SMTP_PORT='70000': use a port number (1-65535)"),
        (
            {"SLACTL_SMTP_USER": "digest"},
            "SLACTL_SMTP_USER is set but SLACTL_SMTP_PASSWORD is not: set both",
        ),
    ],
)
def test_bad_settings_are_bad_input(env: dict[str, str], error: str) -> None:
    with pytest.raises(SlactlError) as info:
        smtp_settings(env)
    assert (str(info.value), info.value.exit_code) == (error, 2)


def test_missing_cafile_is_bad_input(tmp_path: Path) -> None:
    settings = SmtpSettings("127.0.0.1", free_port(), "tls", cafile=str(tmp_path / "no.pem"))
    with pytest.raises(SlactlError) as info:
        send(message(), settings)
    assert type(info.value) is SlactlError
    assert str(info.value) == (
        f"SLACTL_SMTP_CAFILE={str(tmp_path / 'no.pem')!r}: No such file or directory;"
        " give a PEM file of CA certificates"
    )


# the message ------------------------------------------------------------------------------


def test_message_is_text_with_html_alternative() -> None:
    msg = message(("a@acme.example", "Bob <b@acme.example>"))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["To"] == "a@acme.example, Bob <b@acme.example>"
    assert msg["Message-ID"].endswith("@acme.example>")
    assert parsedate_to_datetime(msg["Date"]).utcoffset() == timedelta(0)
    again = email.message_from_bytes(msg.as_bytes())
    assert parts(again) == {
        "text/plain": "speed-to-lead  80.0%  FAIL  — café\n",
        "text/html": '<table style="border-collapse:collapse"><tr><td>80.0%</td></tr></table>\n',
    }


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("to", ("alice",), "--to 'alice': not an email address; use name@example.com"),
        ("to", (), "no recipient: give --to ADDR at least once"),
        (
            "sender",
            "sla at acme",
            "--from 'sla at acme': not an email address; use name@example.com",
        ),
        ("subject", "SLA\nBcc: x@evil.example", "--subject: use one line (no line breaks)"),
    ],
)
def test_bad_message_fields_are_bad_input(field: str, value: Any, error: str) -> None:
    kwargs: dict[str, Any] = {
        "sender": "sla@acme.example",
        "to": ("a@acme.example",),
        "subject": "s",
        "text": "t",
        "html": "h",
    }
    kwargs[field] = value
    with pytest.raises(SlactlError) as info:
        build_message(**kwargs)
    assert (str(info.value), info.value.exit_code) == (error, 2)


# delivery ---------------------------------------------------------------------------------


def test_plain_smtp_delivers() -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        send(message(("a@acme.example", "b@acme.example")), SmtpSettings("127.0.0.1", port))
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "sla@acme.example"
    assert envelope.rcpt_tos == ["a@acme.example", "b@acme.example"]
    got = arrived(inbox)
    assert got["Subject"] == "SLA week 20: 5 of 7 commitments met"
    assert parts(got)["text/plain"] == "speed-to-lead  80.0%  FAIL  — café\n"
    assert inbox.tls == [None]


def test_starttls_with_login(cert: tuple[Path, Path]) -> None:
    inbox = Inbox()
    with smtp_server(
        inbox,
        tls_context=server_context(cert),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=True,
    ) as port:
        settings = SmtpSettings("localhost", port, "starttls", "digest", PASSWORD, str(cert[0]))
        send(message(), settings)
    session = inbox.sessions[0]
    assert inbox.tls == ["TLSv1.3"]  # the message went over TLS
    assert session.authenticated and session.auth_data.login == b"digest"
    assert set(parts(arrived(inbox))) == {"text/plain", "text/html"}


def test_implicit_tls_with_login(cert: tuple[Path, Path]) -> None:
    inbox = Inbox()
    with smtp_server(
        inbox,
        ssl_context=server_context(cert),
        authenticator=authenticator,
        auth_require_tls=False,  # aiosmtpd counts only STARTTLS as TLS; this is implicit TLS
    ) as port:
        send(message(), SmtpSettings("127.0.0.1", port, "tls", "digest", PASSWORD, str(cert[0])))
    assert inbox.tls == ["TLSv1.3"] and inbox.sessions[0].authenticated
    assert arrived(inbox)["To"] == "a@acme.example"


# failures ---------------------------------------------------------------------------------


def failure(settings: SmtpSettings, inbox: Inbox | None = None) -> SlactlError:
    with pytest.raises(SlactlError) as info:
        send(message(("a@acme.example", "b@acme.example")), settings, timeout=10)
    text = str(info.value)
    assert "\n" not in text and PASSWORD not in text
    return info.value


def test_refused_login_is_permanent(cert: tuple[Path, Path]) -> None:
    inbox = Inbox()
    wrong = "wrong-" + PASSWORD
    with smtp_server(
        inbox, tls_context=server_context(cert), authenticator=authenticator, auth_required=True
    ) as port:
        settings = SmtpSettings("localhost", port, "starttls", "digest", wrong, str(cert[0]))
        error = failure(settings)
    assert type(error) is PermanentFailure and error.exit_code == 3
    assert str(error) == (
        f"SMTP server localhost:{port} refused the login for 'digest' (535);"
        " check SLACTL_SMTP_USER and SLACTL_SMTP_PASSWORD"
    )
    assert wrong not in str(error) and inbox.envelopes == []


def test_unreachable_server_is_temporary() -> None:
    port = free_port()  # nothing listens there
    error = failure(SmtpSettings("127.0.0.1", port))
    assert type(error) is TemporaryFailure and error.exit_code == 75
    assert str(error) == (
        f"SMTP server 127.0.0.1:{port} unreachable: Connection refused; try again later"
    )


def test_silent_server_times_out_as_temporary() -> None:
    with socket.socket() as listener:  # accepts the connection, never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(TemporaryFailure) as info:
            send(message(), SmtpSettings("127.0.0.1", port), timeout=0.5)
    assert str(info.value) == (
        f"SMTP server 127.0.0.1:{port} did not answer within 0.5 s; try again later"
    )


def test_4xx_reply_to_data_is_temporary() -> None:
    inbox = Inbox(data="451-4.3.0 Mail queue full,\r\n451 4.3.0 try again in an hour")
    with smtp_server(inbox) as port:
        error = failure(SmtpSettings("127.0.0.1", port))
    assert type(error) is TemporaryFailure
    assert str(error) == (
        f"SMTP server 127.0.0.1:{port} answered 451:"
        " 4.3.0 Mail queue full, 4.3.0 try again in an hour"
    )


def test_5xx_reply_to_data_is_permanent() -> None:
    inbox = Inbox(data="554 5.7.1 Message rejected as spam")
    with smtp_server(inbox) as port:
        error = failure(SmtpSettings("127.0.0.1", port))
    assert type(error) is PermanentFailure
    assert (
        str(error) == f"SMTP server 127.0.0.1:{port} answered 554: 5.7.1 Message rejected as spam"
    )


def test_every_recipient_deferred_is_temporary() -> None:
    greylist = "450 4.2.0 Greylisted, come back later"
    inbox = Inbox(rcpt={"a@acme.example": greylist, "b@acme.example": greylist})
    with smtp_server(inbox) as port:
        error = failure(SmtpSettings("127.0.0.1", port))
    assert type(error) is TemporaryFailure
    assert str(error) == (
        f"SMTP server 127.0.0.1:{port} refused every recipient:"
        " a@acme.example (450 4.2.0 Greylisted, come back later),"
        " b@acme.example (450 4.2.0 Greylisted, come back later)"
    )


def test_one_recipient_refused_is_permanent_and_others_get_it() -> None:
    inbox = Inbox(rcpt={"b@acme.example": "550 5.1.1 No such user"})
    with smtp_server(inbox) as port:
        error = failure(SmtpSettings("127.0.0.1", port))
    assert type(error) is PermanentFailure
    assert str(error) == (
        f"SMTP server 127.0.0.1:{port} took the message but refused"
        " b@acme.example (550 5.1.1 No such user); check the --to addresses"
    )
    assert inbox.envelopes[0].rcpt_tos == ["a@acme.example"]


def test_untrusted_certificate_is_permanent(cert: tuple[Path, Path]) -> None:
    inbox = Inbox()
    with smtp_server(inbox, tls_context=server_context(cert), require_starttls=True) as port:
        error = failure(SmtpSettings("localhost", port, "starttls"))  # the system's CAs only
    assert type(error) is PermanentFailure
    assert str(error) == (
        f"TLS with localhost:{port} failed (CERTIFICATE_VERIFY_FAILED); check"
        " SLACTL_SMTP_SECURITY, SLACTL_SMTP_HOST (the name on the certificate) and"
        " SLACTL_SMTP_CAFILE"
    )
    assert inbox.envelopes == []


def test_implicit_tls_to_a_plain_server_is_permanent(cert: tuple[Path, Path]) -> None:
    with smtp_server(Inbox()) as port:
        error = failure(SmtpSettings("127.0.0.1", port, "tls", cafile=str(cert[0])))
    assert type(error) is PermanentFailure
    assert str(error).startswith(f"TLS with 127.0.0.1:{port} failed (")


def test_starttls_not_offered_is_permanent() -> None:
    with smtp_server(Inbox()) as port:
        error = failure(SmtpSettings("127.0.0.1", port, "starttls"))
    assert type(error) is PermanentFailure
    assert str(error) == (
        f"SMTP server 127.0.0.1:{port} does not offer STARTTLS;"
        " set SLACTL_SMTP_SECURITY=tls (implicit TLS) or none"
    )


def test_login_over_plain_text_refused_is_permanent(cert: tuple[Path, Path]) -> None:
    # the server offers AUTH only after STARTTLS; the settings say no TLS
    inbox = Inbox()
    with smtp_server(
        inbox, tls_context=server_context(cert), authenticator=authenticator, auth_required=True
    ) as port:
        # the user's explicit consent to a login in clear: the server still offers none
        settings = SmtpSettings("127.0.0.1", port, "none", "digest", PASSWORD, None, True)
        error = failure(settings)
    assert type(error) is PermanentFailure
    assert str(error) == (
        f"SMTP server 127.0.0.1:{port} does not offer a login on this connection;"
        " set SLACTL_SMTP_SECURITY=starttls or tls, or unset SLACTL_SMTP_USER"
    )
    assert inbox.envelopes == []
