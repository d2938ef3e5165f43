"""`slactl notify` (SPEC 8.2) against a real SMTP server (aiosmtpd) and a real HTTP server
on loopback that records the posts and can answer 500 or hang: content, recipients,
escalation instants, exactly once over reruns and two runs at once, retry after failure."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

SLACTL = Path(sys.executable).parent / "slactl"

AGREEMENT = """\
slactl: 1
name: acme-2024
title: Acme
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
definitions:
  touch_kinds: [call, email]
  outcomes: [qualified, disqualified, nurture]
commitments:
  sales:
    - id: speed-to-lead
      activity: First touch on every new MQL
      measure: first_touch
      within: 4 business hours
      warn: 1 business hour
      target: 90%
      escalate:
        - {after: 1 business day, to: manager}
        - {after: 3 business days, to: head-of-sales@example.com}
"""

TEAM = """\
reps:
  alice: {name: Alice Ng, email: alice@example.com, team: east, timezone: America/Los_Angeles}
teams:
  east: {manager: maria@example.com, webhook: "http://127.0.0.1:{port}/east"}
"""

# handed off Friday May 3 12:30 New York: due 16:30 that Friday
LEADS = """\
external_id,email,company,owner,created_at,handed_off_at
L1,l1@prospect.example,Globex,alice,2024-05-03T12:30:00-04:00,2024-05-03T12:30:00-04:00
"""


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.envelopes.append(envelope)
        return "250 OK"

    def sent(self) -> list[tuple[str, str]]:
        """(recipient, subject) of every message, sorted."""
        out = []
        for e in self.envelopes:
            text = e.content.decode() if isinstance(e.content, bytes) else str(e.content)
            subject = next(line for line in text.splitlines() if line.startswith("Subject: "))
            out += [(r, subject[9:]) for r in e.rcpt_tos]
        return sorted(out)


class Hook:
    """The webhook's behaviour and what it received."""

    def __init__(self) -> None:
        self.posts: list[dict[str, str]] = []
        self.mode = "ok"  # ok, 500, hang, kill
        self.kill: int | None = None  # mode kill: this process dies at the second post


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def hook() -> Iterator[tuple[Hook, int]]:
    state = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.mode == "hang":
                time.sleep(20)
                return
            if state.mode == "kill" and state.posts and state.kill is not None:
                os.kill(state.kill, signal.SIGKILL)  # the sender dies waiting for the answer
                return
            if state.mode == "500":
                self.send_response(500)
                self.end_headers()
                return
            state.posts.append(json.loads(body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def setup(
    tmp_path: Path, inbox: tuple[Inbox, int], hook: tuple[Hook, int]
) -> tuple[Path, dict[str, str]]:
    d = tmp_path / "agreements"
    d.mkdir()
    (d / "acme.yaml").write_text(AGREEMENT)
    (d / "team.yaml").write_text(TEAM.replace("{port}", str(hook[1])))
    (tmp_path / "leads.csv").write_text(LEADS)
    env = ledger_env(tmp_path, inbox[1])
    import_leads(env, tmp_path / "leads.csv")
    return tmp_path, env


def ledger_env(tmp_path: Path, smtp_port: int) -> dict[str, str]:
    """The environment of a run on ``tmp_path``'s ledger and agreements, mail to the inbox."""
    return {
        **os.environ,
        "SLACTL_DB": str(tmp_path / "slactl.db"),
        "SLACTL_AGREEMENTS": str(tmp_path / "agreements"),
        "SLACTL_SMTP_HOST": "127.0.0.1",
        "SLACTL_SMTP_PORT": str(smtp_port),
    }


def notify(env: dict[str, str], as_of: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLACTL), "notify", "--as-of", as_of, *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_nothing_due_before_the_warn_window(setup, inbox) -> None:  # type: ignore[no-untyped-def]
    _, env = setup
    done = notify(env, "2024-05-03T15:29")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert inbox[0].envelopes == []


def test_a_run_with_nothing_to_send_loads_no_models(setup, inbox) -> None:  # type: ignore[no-untyped-def]
    # recording each send at once must cost a run that sends nothing neither a connection
    # nor the ORM models (SQLModel and pydantic: 0.2 s, most of such a run)
    _, env = setup
    assert notify(env, "2024-05-03T15:29").returncode == 0  # (the first run saves its watch)
    code = (
        "import sys\nfrom slactl.cli import main\n"
        "sys.argv = ['slactl', 'notify', '--as-of', '2024-05-03T15:29']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('sqlmodel' in sys.modules, 'pydantic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "False False\n", "")
    assert inbox[0].envelopes == []


def test_dry_run_prints_and_records_nothing(setup, inbox) -> None:  # type: ignore[no-untyped-def]
    _, env = setup
    done = notify(env, "2024-05-03T15:45", "--dry-run")
    assert done.returncode == 0, done.stderr
    # alice is in Los Angeles: the deadline in her zone; 45 business minutes left
    assert done.stdout.startswith(
        "-- email to alice@example.com\n"
        "[slactl] speed-to-lead at risk: L1 (Globex)\n"
        "Lead L1 (Globex), owner alice: speed-to-lead is at risk.\n"
        "Commitment: First touch on every new MQL (within 4 business hours).\n"
        "Deadline: Fri 2024-05-03 13:30 PDT (45 min business time left).\n"
        "See why: slactl explain L1\n"
    )
    # the webhook's text as posted, its subject once (the dry run printed it twice)
    assert (
        "-- webhook to east\n"
        "[slactl] speed-to-lead at risk: L1 (Globex)\n"
        "Lead L1 (Globex), owner alice: speed-to-lead is at risk.\n"
    ) in done.stdout
    assert inbox[0].envelopes == []
    again = notify(env, "2024-05-03T15:45")  # nothing was recorded: it sends now
    assert again.returncode == 0, again.stderr
    assert inbox[0].sent() == [("alice@example.com", "[slactl] speed-to-lead at risk: L1 (Globex)")]


def test_at_risk_then_breach_then_escalations_each_once(setup, inbox, hook) -> None:  # type: ignore[no-untyped-def]
    _, env = setup
    box, _ = inbox
    state, _ = hook
    for as_of in ("2024-05-03T15:45", "2024-05-03T16:00"):  # the second run sends nothing
        done = notify(env, as_of)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert len(box.envelopes) == 1 and len(state.posts) == 1
    assert state.posts[0]["text"].startswith("[slactl] speed-to-lead at risk: L1 (Globex)\n")
    # breached at 16:30 Friday: the rep and the manager; the first escalation is one
    # business day later, Monday 16:30, not Saturday
    for as_of in ("2024-05-03T16:31", "2024-05-04T16:31", "2024-05-06T16:29"):
        assert notify(env, as_of).returncode == 0
    breach = "[slactl] speed-to-lead breached: L1 (Globex)"
    assert box.sent() == sorted(
        [
            ("alice@example.com", "[slactl] speed-to-lead at risk: L1 (Globex)"),
            ("alice@example.com", breach),
            ("maria@example.com", breach),
        ]
    )
    assert notify(env, "2024-05-06T16:30").returncode == 0
    escalated = "[slactl] speed-to-lead breached, escalated: L1 (Globex)"
    assert ("maria@example.com", escalated) in box.sent()
    assert len(box.envelopes) == 4 and len(state.posts) == 3
    # three business days after Friday 16:30: Wednesday 16:30
    assert notify(env, "2024-05-08T16:29").returncode == 0
    assert len(box.envelopes) == 4
    assert notify(env, "2024-05-08T16:30").returncode == 0
    assert ("head-of-sales@example.com", escalated) in box.sent()
    assert len(box.envelopes) == 5 and len(state.posts) == 4


def test_a_failed_webhook_is_recorded_and_retried(setup, inbox, hook) -> None:  # type: ignore[no-untyped-def]
    _, env = setup
    state, _ = hook
    state.mode = "500"
    done = notify(env, "2024-05-03T15:45")
    assert done.returncode == 75
    assert done.stderr == (
        "Error: notify: at_risk for L1 speed-to-lead to webhook of east failed: answered 500;"
        " it is retried next run\n"
    )
    assert len(inbox[0].envelopes) == 1  # the email went
    state.mode = "ok"
    done = notify(env, "2024-05-03T15:50")
    assert (done.returncode, done.stderr) == (0, "")
    assert len(inbox[0].envelopes) == 1 and len(state.posts) == 1


@pytest.mark.slow
def test_a_hanging_webhook_times_out_once_per_run(setup, inbox, hook) -> None:  # type: ignore[no-untyped-def]
    _, env = setup
    state, _ = hook
    state.mode = "hang"
    started = time.monotonic()
    # Wednesday 16:30: the breach and both escalations are due, three posts to the webhook
    done = notify(env, "2024-05-08T16:30", "--timeout", "0.5")
    assert time.monotonic() - started < 15  # the webhook hangs for 20 s
    assert done.returncode == 75
    lines = done.stderr.splitlines()
    assert len(lines) == 3
    assert (
        "breach for L1 speed-to-lead to webhook of east failed: did not answer in time"
        in (lines[0])
    )
    assert all("not tried after an earlier failure in this run" in line for line in lines[1:])
    assert len(inbox[0].envelopes) == 4  # the emails went
    state.mode = "ok"
    done = notify(env, "2024-05-08T16:31")
    assert (done.returncode, done.stderr) == (0, "")
    assert len(state.posts) == 3 and len(inbox[0].envelopes) == 4


def test_smtp_server_down_is_retried(setup, inbox) -> None:  # type: ignore[no-untyped-def]
    _, env = setup
    down = {**env, "SLACTL_SMTP_PORT": str(free_port())}
    done = notify(down, "2024-05-03T15:45")
    assert done.returncode == 75
    assert "at_risk for L1 speed-to-lead to alice@example.com failed" in done.stderr
    assert notify(env, "2024-05-03T15:46").returncode == 0
    assert len(inbox[0].envelopes) == 1


def test_a_webhook_nobody_listens_on_is_one_plain_line(setup, inbox) -> None:  # type: ignore[no-untyped-def]
    tmp_path, env = setup
    team = tmp_path / "agreements" / "team.yaml"
    team.write_text(TEAM.replace("{port}", str(free_port())))
    done = notify(env, "2024-05-03T15:45")
    assert (done.returncode, done.stderr) == (
        75,
        "Error: notify: at_risk for L1 speed-to-lead to webhook of east failed:"
        " [Errno 111] Connection refused; it is retried next run\n",
    )
    assert len(inbox[0].envelopes) == 1  # the email went


def test_a_bad_sender_is_bad_input_and_nothing_is_claimed(setup, inbox, hook) -> None:  # type: ignore[no-untyped-def]
    # a server refuses MAIL FROM:<alerts>, so every send would fail, be retried and fail
    # again, run after run: the option is refused before anything is claimed or sent
    _, env = setup
    for extra in ((), ("--dry-run",)):
        done = notify(env, "2024-05-03T15:45", "--from", "alerts", *extra)
        assert (done.returncode, done.stdout, done.stderr) == (
            2,
            "",
            "Error: --from 'alerts': not an email address; use name@example.com\n",
        )
    assert inbox[0].envelopes == [] and hook[0].posts == []
    done = notify(env, "2024-05-03T15:45", "--from", "alerts@acme.example")
    assert (done.returncode, done.stderr) == (0, "")
    assert len(inbox[0].envelopes) == 1 and len(hook[0].posts) == 1


def test_a_run_killed_midway_has_recorded_every_send_it_made(setup, inbox, hook) -> None:  # type: ignore[no-untyped-def]
    # Wednesday 16:30: the breach and both escalations, each an email and a post; the run
    # is killed while it waits on the second post. What it had sent is recorded 'sent', so
    # no later run sends it again; the send it died in stays 'sending' (SPEC 8.2's one
    # window), and what it had not tried yet is still to be sent.
    tmp_path, env = setup
    state, _ = hook
    state.mode = "kill"
    run = subprocess.Popen(
        [str(SLACTL), "notify", "--as-of", "2024-05-08T16:30"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state.kill = run.pid
    assert run.wait(timeout=30) == -signal.SIGKILL
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'slactl.db'}")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT kind, step, recipient, channel, status FROM notification"
            " ORDER BY kind, step, channel, recipient"
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("breach", 0, "alice@example.com", "email", "sent"),
        ("breach", 0, "maria@example.com", "email", "sent"),
        ("breach", 0, "east", "webhook", "sent"),
        ("escalation", 1, "maria@example.com", "email", "sent"),
        ("escalation", 1, "east", "webhook", "sending"),
        ("escalation", 2, "head-of-sales@example.com", "email", "sending"),
        ("escalation", 2, "east", "webhook", "sending"),
    ]
    assert len(inbox[0].envelopes) == 3 and len(state.posts) == 1


def import_leads(env: dict[str, str], leads: Path) -> None:
    done = subprocess.run(
        [str(SLACTL), "import", str(leads), "--kind", "leads"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def two_runs_at_once(env: dict[str, str], inbox: Inbox, hook: Hook) -> None:
    runs = [
        subprocess.Popen(
            [str(SLACTL), "notify", "--as-of", "2024-05-08T16:30"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert (run.returncode, out, err) == (0, "", "")
    # breach to alice and maria, escalation 1 to maria, escalation 2 to head of sales
    assert len(inbox.envelopes) == 4
    assert len(hook.posts) == 3


@pytest.mark.slow
def test_two_runs_at_once_send_each_message_once(setup, inbox, hook) -> None:  # type: ignore[no-untyped-def]
    _, env = setup
    two_runs_at_once(env, inbox[0], hook[0])


@pytest.mark.slow
def test_two_runs_at_once_on_postgresql(setup, inbox, hook, pg_url) -> None:  # type: ignore[no-untyped-def]
    tmp_path, env = setup
    env = {**env, "SLACTL_DB": pg_url}
    import_leads(env, tmp_path / "leads.csv")
    two_runs_at_once(env, inbox[0], hook[0])


def test_notify_looks_back_as_far_as_an_alert_can_come(tmp_path: Path) -> None:
    from slactl.agreement.directory import load_agreements
    from slactl.usecases.notify import notify_lookback

    root = Path(__file__).resolve().parents[2]
    # acme-2024: the cadence's 6 gaps of 2 business days are 12 x 7/5 = 16.8 days, the
    # longest chain; + 1, + 7 days to catch up: 24
    assert notify_lookback(load_agreements(root / "agreements")) == 24
    (tmp_path / "a.yaml").write_text(AGREEMENT)
    # 4 business hours (0.7 days) + the last escalation, 3 business days (4.2): 4.9 -> 4,
    # + 1 + 7 = 12
    assert notify_lookback(load_agreements(tmp_path)) == 12


AWAY_TEAM = """\
reps:
  alice: {email: alice@example.com, team: east, away: [2024-05-06..2024-05-17]}
teams:
  east: {manager: maria@example.com}
"""


def test_an_owner_back_from_two_weeks_away_is_alerted(tmp_path: Path, inbox) -> None:  # type: ignore[no-untyped-def]
    # handed off Friday May 3 16:00, one business hour before alice's two weeks away: on
    # her calendar the 4 business hours end Monday May 20 12:00, 17 days after the clock
    # start, beyond the 12 days this agreement's own chain would look back
    d = tmp_path / "agreements"
    d.mkdir()
    (d / "acme.yaml").write_text(
        AGREEMENT.replace(
            "      warn: 1 business hour\n", "      warn: 1 business hour\n      calendar: owner\n"
        )
    )
    (d / "team.yaml").write_text(AWAY_TEAM)
    (tmp_path / "leads.csv").write_text(LEADS.replace("12:30:00", "16:00:00"))
    env = ledger_env(tmp_path, inbox[1])
    import_leads(env, tmp_path / "leads.csv")
    for as_of in ("2024-05-03T16:30", "2024-05-10T12:00", "2024-05-20T11:30", "2024-05-20T12:30"):
        done = notify(env, as_of)
        assert (done.returncode, done.stderr) == (0, "")
    assert inbox[0].sent() == [
        ("alice@example.com", "[slactl] speed-to-lead at risk: L1 (Globex)"),
        ("alice@example.com", "[slactl] speed-to-lead breached: L1 (Globex)"),
        ("maria@example.com", "[slactl] speed-to-lead breached: L1 (Globex)"),
    ]


def test_the_look_back_grows_by_the_away_days_it_holds(tmp_path: Path) -> None:
    from datetime import datetime

    from slactl.agreement.directory import load_agreements
    from slactl.usecases.notify import notify_lookback

    (tmp_path / "a.yaml").write_text(
        AGREEMENT.replace(
            "      warn: 1 business hour\n", "      warn: 1 business hour\n      calendar: owner\n"
        )
    )
    (tmp_path / "team.yaml").write_text(AWAY_TEAM)
    agreements = load_agreements(tmp_path)
    assert notify_lookback(agreements) == 12
    # 12 days, + the 10 working days alice is away (14 days at 7/5)
    assert notify_lookback(agreements, datetime(2024, 5, 20, 16, tzinfo=UTC)) == 26
    # her days away are long past: they hold up no chain that can still alert
    assert notify_lookback(agreements, datetime(2024, 9, 2, 16, tzinfo=UTC)) == 12
