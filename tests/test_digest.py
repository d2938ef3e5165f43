"""`slactl digest` against a real SMTP server on loopback (aiosmtpd): plain, STARTTLS with a
login, implicit TLS, a refused login and an unreachable server."""

from __future__ import annotations

import email
import json
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

ROOT = Path(__file__).resolve().parents[1]
SLACTL = Path(sys.executable).parent / "slactl"
AS_OF = "2024-05-20T08:00"


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.envelopes.append(envelope)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"digest"
        and auth_data.password == b"s3cret-pw"
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tls")
    key, crt = d / "key.pem", d / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(crt),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return crt, key


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("ledger")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACTL_DB": str(d / "l.db"),
        "SLACTL_AGREEMENTS": str(ROOT / "agreements"),
    }
    for name in ("leads.csv", "activities.csv"):
        subprocess.run(
            [str(SLACTL), "import", str(ROOT / "examples" / name)],
            env=env,
            check=True,
            capture_output=True,
        )
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLACTL), "digest", "--as-of", AS_OF, "--from", "sla@acme.example", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    c = Controller(inbox, hostname="127.0.0.1", port=port)
    c.start()
    try:
        yield inbox, port
    finally:
        c.stop()


@pytest.fixture
def starttls_server(cert: tuple[Path, Path]) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    port = free_port()
    c = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=ctx,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    c.start()
    try:
        yield inbox, port
    finally:
        c.stop()


def parts(msg: Message) -> dict[str, str]:
    return {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in msg.walk()
        if not p.is_multipart()
    }


def expected_report(env: dict[str, str]) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [str(SLACTL), "report", "--week", "2024-W20", "--as-of", AS_OF, "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def test_plain_smtp_delivers_both_parts(ledger: dict[str, str], plain_server) -> None:  # type: ignore[no-untyped-def]
    inbox, port = plain_server
    env = {**ledger, "SLACTL_SMTP_HOST": "127.0.0.1", "SLACTL_SMTP_PORT": str(port)}
    proc = run(env, "--to", "a@acme.example", "--to", "b@acme.example")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    [env_] = inbox.envelopes
    assert env_.mail_from == "sla@acme.example"
    assert env_.rcpt_tos == ["a@acme.example", "b@acme.example"]
    msg = email.message_from_bytes(env_.original_content)
    report = expected_report(ledger)
    decided = [c for c in report["commitments"] if c["compliance"] is not None]
    met = sum(c["passed"] for c in decided)
    assert msg["Subject"] == f"SLA week 20: {met} of {len(decided)} commitments met"
    body = parts(msg)
    assert set(body) == {"text/plain", "text/html"}
    ft = next(c for c in report["commitments"] if c["id"] == "speed-to-lead")
    line = next(x for x in body["text/plain"].splitlines() if x.startswith("speed-to-lead "))
    assert line.split()[2:5] == [str(ft["met"]), str(ft["breached"]), str(ft["pending"])]
    assert f"{ft['compliance'] * 100:.1f}%" in line
    assert "Marketing: " in body["text/plain"] and "so far in 2024-05" in body["text/plain"]
    assert 'style="' in body["text/html"] and "<table" in body["text/html"]


def test_starttls_with_login(ledger, starttls_server, cert) -> None:  # type: ignore[no-untyped-def]
    inbox, port = starttls_server
    env = {
        **ledger,
        "SLACTL_SMTP_HOST": "localhost",
        "SLACTL_SMTP_PORT": str(port),
        "SLACTL_SMTP_SECURITY": "starttls",
        "SLACTL_SMTP_USER": "digest",
        "SLACTL_SMTP_PASSWORD": "s3cret-pw",
        "SLACTL_SMTP_CAFILE": str(cert[0]),
    }
    proc = run(env, "--to", "mgr@acme.example", "--rep", "alice")
    assert (proc.returncode, proc.stderr) == (0, "")
    [env_] = inbox.envelopes
    msg = email.message_from_bytes(env_.original_content)
    assert msg["Subject"].startswith("SLA week 20 for alice: ")


def test_refused_login_exit_3_no_password(ledger, starttls_server, cert) -> None:  # type: ignore[no-untyped-def]
    inbox, port = starttls_server
    env = {
        **ledger,
        "SLACTL_SMTP_HOST": "localhost",
        "SLACTL_SMTP_PORT": str(port),
        "SLACTL_SMTP_SECURITY": "starttls",
        "SLACTL_SMTP_USER": "digest",
        "SLACTL_SMTP_PASSWORD": "wrong-pw-123",
        "SLACTL_SMTP_CAFILE": str(cert[0]),
    }
    proc = run(env, "--to", "mgr@acme.example")
    assert proc.returncode == 3
    assert proc.stderr == (
        f"Error: SMTP server localhost:{port} refused the login for 'digest' (535);"
        " check SLACTL_SMTP_USER and SLACTL_SMTP_PASSWORD\n"
    )
    assert "wrong-pw-123" not in proc.stderr + proc.stdout
    assert inbox.envelopes == []


def test_untrusted_certificate_is_permanent(ledger, starttls_server) -> None:  # type: ignore[no-untyped-def]
    _, port = starttls_server
    env = {
        **ledger,
        "SLACTL_SMTP_HOST": "localhost",
        "SLACTL_SMTP_PORT": str(port),
        "SLACTL_SMTP_SECURITY": "starttls",
    }
    proc = run(env, "--to", "mgr@acme.example")
    assert proc.returncode == 3
    assert proc.stderr.startswith(f"Error: TLS with localhost:{port} failed (")


def test_unreachable_server_is_temporary(ledger: dict[str, str]) -> None:
    port = free_port()
    env = {**ledger, "SLACTL_SMTP_HOST": "127.0.0.1", "SLACTL_SMTP_PORT": str(port)}
    proc = run(env, "--to", "a@acme.example")
    assert proc.returncode == 75
    assert proc.stderr == (
        f"Error: SMTP server 127.0.0.1:{port} unreachable: Connection refused; try again later\n"
    )


def test_stdout_writes_the_mime_message(ledger: dict[str, str]) -> None:
    proc = run(ledger, "--to", "a@acme.example", "--stdout", "--subject", "Weekly SLA")
    assert proc.returncode == 0
    msg = email.message_from_string(proc.stdout)
    assert msg["Subject"] == "Weekly SLA" and msg["To"] == "a@acme.example"
    assert set(parts(msg)) == {"text/plain", "text/html"}


def test_implicit_tls(ledger, cert) -> None:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    port = free_port()
    c = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=ctx)
    c.start()
    try:
        env = {
            **ledger,
            "SLACTL_SMTP_HOST": "localhost",
            "SLACTL_SMTP_PORT": str(port),
            "SLACTL_SMTP_SECURITY": "tls",
            "SLACTL_SMTP_CAFILE": str(cert[0]),
        }
        proc = run(env, "--to", "a@acme.example")
        assert (proc.returncode, proc.stderr) == (0, "")
        assert len(inbox.envelopes) == 1
    finally:
        c.stop()
