"""`slactl digest` against a real SMTP server on loopback (aiosmtpd): plain, STARTTLS with a
login, implicit TLS, a refused login and an unreachable server."""

from __future__ import annotations

import email
import json
import re
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from tests.conftest import example_ledger

ROOT = Path(__file__).resolve().parents[2]
SLACTL = Path(sys.executable).parent / "slactl"
AS_OF = "2024-05-20T08:00"
WEEKS = ["2024-W16", "2024-W17", "2024-W18", "2024-W19", "2024-W20"]
REP_COUNTS = ("met", "breached", "pending")


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
    return example_ledger(d)


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
    """The text parts (the inline chart image is checked in test_digest_chart.py)."""
    return {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in msg.walk()
        if p.get_content_maintype() == "text"
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


# the content: every figure against `slactl report` / `slactl status` -------------------------


def slactl_json(env: dict[str, str], *args: str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [str(SLACTL), *args, "--as-of", AS_OF, "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def mime(env: dict[str, str], *args: str) -> Message:
    proc = run(env, "--to", "a@acme.example", "--stdout", *args)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    return email.message_from_string(proc.stdout)


def text_rows(text: str, header: str) -> list[list[str]]:
    """The rows of the text table whose first line starts with ``header``."""
    lines = text.splitlines()
    start = next(k for k, x in enumerate(lines) if x.strip().startswith(header))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        rows.append(line.split())
    return rows


def pct0(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def pct1(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def test_team_digest_figures_match_the_reports(ledger: dict[str, str]) -> None:
    msg = mime(ledger)
    text = parts(msg)["text/plain"].replace("\r\n", "\n")
    weeks = {w: slactl_json(ledger, "report", "--week", w) for w in WEEKS}
    this = weeks["2024-W20"]
    decided = [c for c in this["commitments"] if c["compliance"] is not None]
    assert len(decided) == 7  # the 8 commitments of acme-2024, persistence undecided
    met = sum(c["passed"] for c in decided)
    assert msg["Subject"] == f"SLA week 20: {met} of 7 commitments met"
    assert (
        "Acme — Sales & Marketing SLA 2024: 2024-W20 (2024-05-13..2024-05-19),"
        " as of 2024-05-20 08:00 EDT" in text
    )
    rows = text_rows(text, "Commitment ")
    assert [r[0] for r in rows] == [c["id"] for c in this["commitments"]]
    for row, c in zip(rows, this["commitments"], strict=True):
        result = "n/a" if c["compliance"] is None else ("pass" if c["passed"] else "FAIL")
        trend = [
            pct0(next(x for x in weeks[w]["commitments"] if x["id"] == c["id"])["compliance"])
            for w in WEEKS
        ]
        assert row == [
            c["id"],
            f"{c['target'] * 100:.0f}%",
            str(c["met"]),
            str(c["breached"]),
            str(c["pending"]),
            pct1(c["compliance"]),
            result,
            *trend,
        ]
    # marketing's MQLs against the month's quota, so far
    may = slactl_json(ledger, "report", "--month", "2024-05")
    volume = next(c for c in may["commitments"] if c["measure"] == "mql_volume")
    share = f"{volume['actual'] / volume['quota']:.0%}"
    assert (
        f"\nMarketing: {volume['actual']} MQLs of a quota of {volume['quota']:g} so far in" in text
    )
    assert f" so far in 2024-05 ({share})\n" in text
    assert (volume["actual"], volume["quota"]) == (21, 35)
    # per rep: met / breached / pending summed over the rep's commitments, and points
    expected_reps = []
    for r in this["reps"]:
        met, breached, pending = (sum(v[k] for v in r["commitments"].values()) for k in REP_COUNTS)
        compliance = round(met / (met + breached), 4) if met + breached else None
        expected_reps.append(
            [r["rep"], str(met), str(breached), str(pending), pct1(compliance), str(r["points"])]
        )
    assert text_rows(text, "Rep ") == expected_reps
    assert [r[0] for r in expected_reps] == ["alice", "bob", "carol", "erin"]


def state_word(state: str) -> str:
    return state.replace("_", " ").upper()  # overdue -> OVERDUE, at_risk -> AT RISK


def upcoming_from_status(env: dict[str, str], rep: str) -> list[tuple[str, str, str]]:
    horizon = datetime.fromisoformat("2024-05-27T08:00:00-04:00")
    status = slactl_json(env, "status", "--rep", rep)
    return [
        (i["lead"], i["commitment"], "due" if i["state"] == "due" else state_word(i["state"]))
        for i in status["open"]
        if datetime.fromisoformat(i["deadline"]) <= horizon
    ]


def upcoming_rows(text: str) -> list[tuple[str, str, str]]:
    rows = text_rows(text, "Lead ")
    # Lead, Company, Commitment, Due (3 words), Business time (2 words), State, Owner
    return [(r[0], r[2], r[-2] if r[-2] != "RISK" else "AT RISK") for r in rows]


def test_upcoming_work_matches_status(ledger: dict[str, str]) -> None:
    text = parts(mime(ledger))["text/plain"].replace("\r\n", "\n")
    listed = upcoming_rows(text)
    expected = [
        x for rep in ("alice", "bob", "carol", "erin") for x in upcoming_from_status(ledger, rep)
    ]
    assert sorted(listed) == sorted(expected)
    assert f"\nDue, at risk or overdue in the coming week: {len(expected)}\n" in text
    assert len(expected) == 14


def test_personal_digest_for_a_rep(ledger: dict[str, str]) -> None:
    msg = mime(ledger, "--rep", "alice")
    text = parts(msg)["text/plain"].replace("\r\n", "\n")
    mine = slactl_json(ledger, "report", "--week", "2024-W20", "--rep", "alice")
    sales = [c for c in mine["commitments"] if c["owner"] == "sales"]
    decided = [c for c in sales if c["compliance"] is not None]
    met = sum(c["passed"] for c in decided)
    assert msg["Subject"] == f"SLA week 20 for alice: {met} of {len(decided)} commitment" + (
        "s met" if len(decided) != 1 else " met"
    )
    rows = text_rows(text, "Commitment ")
    assert [r[:6] for r in rows] == [
        [c["id"], f"{c['target'] * 100:.0f}%", str(c["met"]), str(c["breached"])]
        + [str(c["pending"]), pct1(c["compliance"])]
        for c in sales
    ]
    assert "alice's leads, 2024-W20" in text
    assert "\nReps:\n" not in text  # a personal digest has no leaderboard
    assert upcoming_rows(text) == upcoming_from_status(ledger, "alice")
    assert {r[-1] for r in text_rows(text, "Lead ")} == {"alice"}


def test_html_shares_the_report_tables(ledger: dict[str, str]) -> None:
    body = parts(mime(ledger))["text/html"]
    report_html = subprocess.run(
        [str(SLACTL), "report", "--week", "2024-W20", "--as-of", AS_OF, "--format", "html"],
        env=ledger,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # the same commitment table: the report's with classes, the email's with inline styles
    first = [re.search(r"<table.*?</table>", x, re.S) for x in (report_html, body)]
    assert first[0] is not None and first[1] is not None
    bare = [re.sub(r' (?:class|style)="[^"]*"', "", m.group(0)) for m in first]
    assert bare[0] == bare[1]
    stl = next(c for c in expected_report(ledger)["commitments"] if c["id"] == "speed-to-lead")
    assert ">speed-to-lead</td>" in bare[1] and f">{pct1(stl['compliance'])}</td>" in bare[1]
    assert "<style" not in body and "class=" not in body
    assert re.findall(r"<(?:td|th)(?![^>]*style=)[^>]*>", body) == []  # every cell styled
    assert ">W16</th>" in body and ">W20</th>" in body
    assert "21 MQLs of a quota of 35 so far in 2024-05 (60%)" in body


def test_dry_run_shows_the_text_and_sends_nothing(ledger: dict[str, str]) -> None:
    closed = {**ledger, "SLACTL_SMTP_HOST": "127.0.0.1", "SLACTL_SMTP_PORT": str(free_port())}
    proc = run(closed, "--to", "a@acme.example", "--to", "b@acme.example", "--dry-run")
    assert (proc.returncode, proc.stderr) == (0, "")
    head, _, body = proc.stdout.partition("\n\n")
    subject = mime(ledger)["Subject"]
    assert head == f"From: sla@acme.example\nTo: a@acme.example, b@acme.example\nSubject: {subject}"
    assert body == parts(mime(ledger))["text/plain"].replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--week", "2024-W54"], {}, "Error: --week '2024-W54': 2024 has no week 54\n"),
        (["--week", "May"], {}, "Error: --week 'May': use an ISO week such as 2024-W19\n"),
        (["--rep", "alise"], {}, "Error: no rep 'alise' in the ledger; did you mean 'alice'?\n"),
        (["--stdout", "--dry-run"], {}, "Error: --stdout and --dry-run: choose one\n"),
        (
            ["--to", "bob"],
            {},
            "Error: --to 'bob': not an email address; use name@example.com\n",
        ),
        (
            [],
            {"SLACTL_SMTP_SECURITY": "ssl"},
            "Error: SLACTL_SMTP_SECURITY='ssl': use starttls, tls or none\n",
        ),
    ],
)
def test_bad_input_exits_2(
    ledger: dict[str, str], args: list[str], env: dict[str, str], message: str
) -> None:
    proc = run({**ledger, **env}, "--to", "a@acme.example", *args)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", message)


# --week: the ISO week before the one holding as_of, in the agreement's zone --------------


@pytest.mark.parametrize(
    ("text", "as_of", "label"),
    [
        ("last", "2024-05-20T12:00:00+00:00", "2024-W20"),  # Monday 08:00 in New York
        ("last", "2024-05-20T03:00:00+00:00", "2024-W19"),  # still Sunday in New York
        ("this", "2024-05-20T12:00:00+00:00", "2024-W21"),
        ("last", "2025-01-02T12:00:00+00:00", "2024-W52"),  # across the year
        ("last", "2021-01-04T12:00:00+00:00", "2020-W53"),
        ("2024-W19", "2024-05-20T12:00:00+00:00", "2024-W19"),
    ],
)
def test_resolve_week(text: str, as_of: str, label: str) -> None:
    from zoneinfo import ZoneInfo

    from slactl.usecases.digest import resolve_week

    period = resolve_week(text, datetime.fromisoformat(as_of), ZoneInfo("America/New_York"))
    assert period.label == label
    assert period.start.isocalendar()[2] == 1 and (period.end - period.start).days == 6
