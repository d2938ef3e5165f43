"""The mail password never goes out in clear by default: with a user set the security is
STARTTLS unless said otherwise, and a login without TLS needs SLACTL_SMTP_INSECURE_LOGIN=yes
(and warns each time). Non-ASCII passwords log in (UTF-8, RFC 4616). Against a real
aiosmtpd on loopback, as tests/test_mail.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from typer.testing import CliRunner

from slactl.errors import PermanentFailure, SlactlError
from slactl.mail import INSECURE_REFUSED, SmtpSettings, insecure_warning, send, smtp_settings
from tests.digest.test_mail import PASSWORD, Inbox, cert, message, server_context, smtp_server

__all__ = ["cert"]  # the fixture, shared with tests/test_mail.py

CREDENTIALS = {"SLACTL_SMTP_USER": "digest", "SLACTL_SMTP_PASSWORD": PASSWORD}


class Recorder:
    """An authenticator that accepts ``login``/``password`` and notes every attempt."""

    def __init__(self, login: str = "digest", password: str = PASSWORD) -> None:
        self.expected = (login.encode(), password.encode())
        self.attempts: list[tuple[bytes, bytes]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        self.attempts.append((auth_data.login, auth_data.password))
        ok = (auth_data.login, auth_data.password) == self.expected
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


def test_credentials_default_to_starttls_on_587() -> None:
    s = smtp_settings({"SLACTL_SMTP_HOST": "mx", **CREDENTIALS})
    assert (s.security, s.port, s.insecure_login) == ("starttls", 587, False)
    assert smtp_settings({"SLACTL_SMTP_HOST": "mx"}).security == "none"  # no login: as before


def test_no_tls_with_credentials_needs_the_opt_in() -> None:
    env = {"SLACTL_SMTP_SECURITY": "none", **CREDENTIALS}
    with pytest.raises(SlactlError) as info:
        smtp_settings(env)
    assert str(info.value) == INSECURE_REFUSED and info.value.exit_code == 2
    s = smtp_settings({**env, "SLACTL_SMTP_INSECURE_LOGIN": "yes"})
    assert s.insecure_login and s.security == "none"
    warning = insecure_warning(s)
    assert warning is not None and "UNENCRYPTED" in warning and PASSWORD not in warning
    with pytest.raises(SlactlError, match="SLACTL_SMTP_INSECURE_LOGIN='sure': use yes"):
        smtp_settings({**env, "SLACTL_SMTP_INSECURE_LOGIN": "sure"})


def test_a_server_offering_auth_without_tls_gets_no_password() -> None:
    # the probe's case: AUTH offered on a plain connection. Today's default refuses to log
    # in there (STARTTLS is not offered) and the password never reaches the wire.
    inbox, recorder = Inbox(), Recorder()
    with smtp_server(inbox, authenticator=recorder, auth_require_tls=False) as port:
        env = {"SLACTL_SMTP_HOST": "127.0.0.1", "SLACTL_SMTP_PORT": str(port), **CREDENTIALS}
        with pytest.raises(PermanentFailure, match="does not offer STARTTLS"):
            send(message(), smtp_settings(env), timeout=10)
        # settings built by hand without the consent are refused before connecting
        with pytest.raises(SlactlError, match="would send the password unencrypted"):
            send(message(), SmtpSettings("127.0.0.1", port, "none", "digest", PASSWORD))
    assert recorder.attempts == [] and inbox.envelopes == []


def test_the_opt_in_logs_in_without_tls() -> None:
    inbox, recorder = Inbox(), Recorder()
    with smtp_server(inbox, authenticator=recorder, auth_require_tls=False) as port:
        env = {
            "SLACTL_SMTP_HOST": "127.0.0.1",
            "SLACTL_SMTP_PORT": str(port),
            "SLACTL_SMTP_SECURITY": "none",
            "SLACTL_SMTP_INSECURE_LOGIN": "yes",
            **CREDENTIALS,
        }
        send(message(), smtp_settings(env), timeout=10)
    assert recorder.attempts == [(b"digest", PASSWORD.encode())]
    assert inbox.tls == [None] and inbox.sessions[0].authenticated


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_non_ascii_password_logs_in(cert: tuple[Path, Path], mechanism: str) -> None:
    password = "pässwört-日本-🔑"
    inbox, recorder = Inbox(), Recorder("dïgest", password)
    with smtp_server(
        inbox,
        tls_context=server_context(cert),
        authenticator=recorder,
        auth_require_tls=True,
        auth_exclude_mechanism=sorted({"PLAIN", "LOGIN"} - {mechanism}),
    ) as port:
        settings = SmtpSettings("localhost", port, "starttls", "dïgest", password, str(cert[0]))
        send(message(), settings, timeout=10)
    assert recorder.attempts == [("dïgest".encode(), password.encode())]
    assert inbox.sessions[0].authenticated and inbox.tls == ["TLSv1.3"]


def test_the_digest_warns_before_a_login_in_clear(tmp_path: Path) -> None:
    from tests.digest.test_mail import free_port

    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "a.yaml").write_text(
        "slactl: 1\nname: a\nperiod: {start: 2024-01-01, end: 2024-12-31}\n"
        "calendar: {timezone: UTC, hours: {mon-fri: '09:00-17:00'}}\n"
        "commitments:\n  sales:\n    - {id: ft, measure: first_touch,"
        " within: 4 business hours, target: 90%}\n"
    )
    env = {
        "SLACTL_SMTP_HOST": "127.0.0.1",
        "SLACTL_SMTP_PORT": str(free_port()),  # nobody listens: exit 75 after the warning
        "SLACTL_SMTP_SECURITY": "none",
        "SLACTL_SMTP_INSECURE_LOGIN": "yes",
        **CREDENTIALS,
    }
    from slactl.cli import app

    (tmp_path / "leads.csv").write_text("external_id,created_at\nA1,2024-05-06T09:00\n")
    base = ["--db", str(tmp_path / "l.db"), "--agreements", str(agreements)]
    assert CliRunner().invoke(app, [*base, "import", str(tmp_path / "leads.csv")]).exit_code == 0
    r = CliRunner().invoke(
        app,
        ["--db", str(tmp_path / "l.db"), "--agreements", str(agreements), "digest",
         "--week", "2024-W19", "--to", "a@acme.example", "--from", "sla@acme.example"],
        env=env,
    )  # fmt: skip
    assert r.exit_code == 75, r.output
    first = r.stderr.splitlines()[0]
    assert first.startswith("warning: sending the SMTP password for 'digest' to 127.0.0.1:")
    assert PASSWORD not in r.output
