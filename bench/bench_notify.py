"""Benchmark: `slactl notify` on the 1M-lead ledger with a team.yaml of 50 reps in 5 teams,
against a real SMTP server (aiosmtpd) and a real webhook server on loopback.

    .venv/bin/python bench/bench_notify.py [--db LEDGER] [--due N]

Needs bench/out/ledger.db (bench/bench_import.py). Works on a copy (bench/out/notify.db,
upgraded to the current schema). At AS_OF, every alert then due is first recorded as sent
but N (default 1,000), which a timed `slactl notify` then sends; a second timed run finds
nothing new to send. Each run is a subprocess timed by /usr/bin/time, start-up included;
the N alerts are made unsent again between trials (best of three). Bars: < 3 s with 1,000
alerts due, < 2 s with nothing due.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _run import ROOT, SLACTL, run
from aiosmtpd.controller import Controller

OUT = ROOT / "bench" / "out"
AS_OF = "2024-06-03T09:00"
TRIALS = 3


class Counter:
    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            self.n += len(envelope.rcpt_tos)
        return "250 OK"


def webhook_server(counter: Counter) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            with counter.lock:
                counter.n += 1
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def team_yaml(port: int) -> str:
    lines = ["reps:"]
    for i in range(50):
        zone = "America/Los_Angeles" if i % 5 == 4 else "America/New_York"
        lines.append(
            f"  rep{i:02d}: {{email: rep{i:02d}@acme.example, team: team{i % 5}, timezone: {zone}}}"
        )
    lines.append("teams:")
    for t in range(5):
        lines.append(
            f"  team{t}: {{manager: manager{t}@acme.example,"
            f' webhook: "http://127.0.0.1:{port}/team{t}"}}'
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    src = Path(sys.argv[sys.argv.index("--db") + 1]) if "--db" in sys.argv else OUT / "ledger.db"
    due = int(sys.argv[sys.argv.index("--due") + 1]) if "--due" in sys.argv else 1000
    if not src.exists():
        raise SystemExit(f"{src}: no ledger; run bench/bench_import.py first")
    db = OUT / "notify.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, db)
    subprocess.run([SLACTL, "--db", str(db), "db", "upgrade"], check=True, capture_output=True)
    agreements = OUT / "notify-agreements"
    shutil.rmtree(agreements, ignore_errors=True)
    agreements.mkdir()
    shutil.copy(ROOT / "agreements" / "acme-2024.yaml", agreements)
    shutil.copy(ROOT / "agreements" / "quotas.yaml", agreements)
    mails, posts = Counter(), Counter()
    smtp = Controller(mails, hostname="127.0.0.1", port=0)
    smtp.start()
    hooks = webhook_server(posts)
    (agreements / "team.yaml").write_text(team_yaml(int(hooks.server_address[1])))
    env = {
        "SLACTL_DB": str(db),
        "SLACTL_AGREEMENTS": str(agreements),
        "SLACTL_SMTP_HOST": "127.0.0.1",
        "SLACTL_SMTP_PORT": str(smtp.server.sockets[0].getsockname()[1]),  # type: ignore[union-attr]
    }
    try:
        total, unsent = prepare(db, agreements, due)
        print(f"{total:,} alerts due at {AS_OF}; {len(unsent):,} left unsent")
        cmd = [SLACTL, "notify", "--as-of", AS_OF]
        with_due, nothing = [], []
        for _ in range(TRIALS):
            unsend(db, unsent)
            mails.n = posts.n = 0
            with_due.append(run(cmd, env=env)[0])
            assert mails.n + posts.n == len(unsent), (mails.n, posts.n, len(unsent))
            nothing.append(run(cmd, env=env)[0])
            assert mails.n + posts.n == len(unsent)
    finally:
        smtp.stop()
        hooks.shutdown()
    print("| run | wall (best of 3) | bar |")
    print("|---|---|---|")
    print(f"| notify, {len(unsent):,} alerts due | {min(with_due):.2f} s | < 3 s |")
    print(f"| notify, nothing new due | {min(nothing):.2f} s | < 2 s |")


def prepare(db: Path, agreements: Path, due: int) -> tuple[int, list[int]]:
    """Record every alert due at AS_OF as sent, then return the ids of ``due`` of them."""
    from zoneinfo import ZoneInfo

    from slactl.agreement.loader import load_agreements
    from slactl.ledger import notifications
    from slactl.ledger.opening import open_for_writing
    from slactl.notify import due_alerts
    from slactl.reports import open_items

    agreement_set = load_agreements(agreements)
    as_of = datetime.fromisoformat(AS_OF).replace(tzinfo=ZoneInfo("America/New_York"))
    engine = open_for_writing(str(db))
    try:
        alerts = due_alerts(agreement_set, open_items(engine, agreement_set, as_of=as_of), as_of)
        now = datetime.now(UTC)
        sends = [(a.key(), a.deadline) for a in alerts]
        notifications.claim(engine, sends=sends, now=now, stale=notifications_stale())
        notifications.mark(engine, results=[(k, None) for k, _ in sends], now=now)
    finally:
        engine.dispose()
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM notification ORDER BY id")]
    step = max(1, len(ids) // due)
    return len(alerts), ids[::step][:due]


def notifications_stale():  # type: ignore[no-untyped-def]
    from slactl.notify import STALE

    return STALE


def unsend(db: Path, ids: list[int]) -> None:
    """Bench only: make these sends due again (the ledger itself never deletes them)."""
    with sqlite3.connect(db) as conn:
        conn.executemany("DELETE FROM notification WHERE id = ?", [(i,) for i in ids])


if __name__ == "__main__":
    main()
