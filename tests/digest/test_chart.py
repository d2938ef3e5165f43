"""The digest's trend chart: an inline PNG beside the HTML part (multipart/related), shown
by ``<img src="cid:…">``, the plain-text alternative kept; delivered through a real SMTP
server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import re
import socket
import subprocess
import sys
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from tests.conftest import example_ledger

ROOT = Path(__file__).resolve().parents[2]
SLACTL = Path(sys.executable).parent / "slactl"
AS_OF = "2024-05-20T08:00"


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("ledger")
    return example_ledger(d)


def delivered(env: dict[str, str], *args: str) -> Message:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    c = Controller(inbox, hostname="127.0.0.1", port=port)
    c.start()
    try:
        proc = subprocess.run(
            [str(SLACTL), "digest", "--as-of", AS_OF, "--from", "sla@acme.example", *args],
            env={**env, "SLACTL_SMTP_HOST": "127.0.0.1", "SLACTL_SMTP_PORT": str(port)},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        c.stop()
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    [envelope] = inbox.envelopes
    return email.message_from_bytes(envelope.original_content)


def structure(part: Message) -> object:
    if part.is_multipart():
        return (part.get_content_type(), [structure(p) for p in part.get_payload()])  # type: ignore[union-attr]
    return part.get_content_type()


def test_inline_trend_image_by_content_id(ledger: dict[str, str]) -> None:
    msg = delivered(ledger, "--to", "mgr@acme.example")
    assert structure(msg) == (
        "multipart/alternative",
        ["text/plain", ("multipart/related", ["text/html", "image/png"])],
    )
    text, related = msg.get_payload()  # type: ignore[misc]
    html_part, image = related.get_payload()
    html = html_part.get_payload(decode=True).decode()
    [cid] = re.findall(r'<img src="cid:([^"]+)"', html)
    assert image["Content-ID"] == f"<{cid}>"
    assert image.get_content_disposition() == "inline" and image.get_filename() == "trend.png"
    png = image.get_payload(decode=True)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == 800 and 200 < height < 1000
    # the text part is the same as before: the chart is the HTML's only
    assert "Trend: compliance in the four weeks before" in text.get_payload(decode=True).decode()
    assert "<table" in html and ">W16</th>" in html


def test_a_personal_digest_has_its_chart_too(ledger: dict[str, str]) -> None:
    msg = delivered(ledger, "--to", "alice@acme.example", "--rep", "alice")
    types = [p.get_content_type() for p in msg.walk()]
    assert types.count("image/png") == 1


def test_dry_run_draws_nothing(ledger: dict[str, str]) -> None:
    proc = subprocess.run(
        [str(SLACTL), "digest", "--as-of", AS_OF, "--to", "a@acme.example", "--dry-run"],
        env=ledger,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "cid:" not in proc.stdout and "image/png" not in proc.stdout
