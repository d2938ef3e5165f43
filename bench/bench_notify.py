"""Benchmark: `slactl notify` on the 1M-lead ledger with a team.yaml of 50 reps in 5 teams,
against a real SMTP server (aiosmtpd) and a real webhook server on loopback.

    .venv/bin/python bench/bench_notify.py [--db LEDGER] [--due N] [--trials T]

Needs bench/out/ledger.db (bench/bench_import.py). Works on a copy (bench/out/notify.db,
upgraded to the current schema). At AS_OF, every alert then due is first recorded as sent,
and one untimed run (the first on this ledger: it evaluates every open lead and leaves its
watch rows) finds nothing new. Then N of the sends (default 1,000) are made failed, as a
run whose servers were down leaves them: a timed `slactl notify` sends them again, and a
second timed run finds nothing new to send. Each run is a subprocess timed by
`os.wait4`, start-up included (best of three). Bars: < 3 s with 1,000 alerts due, < 2 s
with nothing due.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    trials = int(sys.argv[sys.argv.index("--trials") + 1]) if "--trials" in sys.argv else TRIALS
    if not src.exists():
        raise SystemExit(f"{src}: no ledger; run bench/bench_import.py first")
    db = OUT / "notify.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, db)
    subprocess.run([SLACTL, "--db", str(db), "db", "upgrade"], check=True, capture_output=True)
    for backup in OUT.glob("notify.db.*.bak"):  # db upgrade's backup of the copy
        backup.unlink()
    agreements = OUT / "notify-agreements"
    shutil.rmtree(agreements, ignore_errors=True)
    agreements.mkdir()
    shutil.copy(ROOT / "agreements" / "acme-2024.yaml", agreements)
    shutil.copy(ROOT / "agreements" / "quotas.yaml", agreements)
    mails, posts = Counter(), Counter()
    smtp_port = free_port()
    smtp = Controller(mails, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    hooks = webhook_server(posts)
    (agreements / "team.yaml").write_text(team_yaml(int(hooks.server_address[1])))
    env = {
        "SLACTL_DB": str(db),
        "SLACTL_AGREEMENTS": str(agreements),
        "SLACTL_SMTP_HOST": "127.0.0.1",
        "SLACTL_SMTP_PORT": str(smtp_port),
    }
    try:
        total, unsent = prepare(db, agreements, due)
        print(f"{total:,} alerts due at {AS_OF}; {len(unsent):,} left unsent")
        cmd = [SLACTL, "notify", "--as-of", AS_OF]
        first = run(cmd, env=env)[0]
        print(f"first run (every open lead evaluated, nothing sent): {first:.2f} s")
        assert mails.n + posts.n == 0
        with_due, nothing = [], []
        for _ in range(trials):
            unsend(db, unsent)
            mails.n = posts.n = 0
            with_due.append(run(cmd, env=env)[0])
            assert mails.n + posts.n == len(unsent), (mails.n, posts.n, len(unsent))
            nothing.append(run(cmd, env=env)[0])
            assert mails.n + posts.n == len(unsent)
    finally:
        smtp.stop()
        hooks.shutdown()
    print(f"| run | wall (best of {trials}) | bar |")
    print("|---|---|---|")
    print(f"| notify, {len(unsent):,} alerts due | {min(with_due):.2f} s | < 3 s |")
    print(f"| notify, nothing new due | {min(nothing):.2f} s | < 2 s |")
    print(
        f"all runs: {', '.join(f'{a:.2f}/{b:.2f}' for a, b in zip(with_due, nothing, strict=True))}"
    )


def prepare(db: Path, agreements: Path, due: int) -> tuple[int, list[int]]:
    """Record every alert due at AS_OF as sent, then return the ids of ``due`` of them."""
    from zoneinfo import ZoneInfo

    from slactl.agreement.directory import load_agreements
    from slactl.ledger.opening import open_for_writing
    from slactl.ledger.utc import to_utc_text
    from slactl.usecases.notify import due_alerts, notify_lookback
    from slactl.usecases.reading import open_items

    agreement_set = load_agreements(agreements)
    as_of = datetime.fromisoformat(AS_OF).replace(tzinfo=ZoneInfo("America/New_York"))
    engine = open_for_writing(str(db))
    started = time.perf_counter()
    try:
        items = open_items(
            engine, agreement_set, as_of=as_of, lookback_days=notify_lookback(agreement_set)
        )
    finally:
        engine.dispose()
    alerts = due_alerts(agreement_set, items, as_of)
    print(
        f"in-process: {len(items):,} open pairs, {len(alerts):,} alerts"
        f" in {time.perf_counter() - started:.2f} s"
    )
    now = to_utc_text(datetime.now(UTC))
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO notification (lead, commitment, cycle, kind, step, recipient,"
            " channel, status, attempts, deadline, first_tried_at, last_tried_at, sent_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'sent', 1, ?, ?, ?, ?)",
            [
                (a.lead, a.commitment, a.cycle, a.kind, a.step, a.recipient, a.channel)
                + (to_utc_text(a.deadline), now, now, now)
                for a in alerts
            ],
        )
        ids = [r[0] for r in conn.execute("SELECT id FROM notification ORDER BY id")]
    step = max(1, len(ids) // due)
    return len(alerts), ids[::step][:due]


def unsend(db: Path, ids: list[int]) -> None:
    """Bench only: make these sends failed, as a run whose servers were down leaves them."""
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "UPDATE notification SET status = 'failed', error = 'bench' WHERE id = ?",
            [(i,) for i in ids],
        )


if __name__ == "__main__":
    main()
