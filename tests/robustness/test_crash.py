"""The crash matrix: the installed slactl killed with SIGKILL at points across a ``log``, an
``import`` and a ``db upgrade`` (the import's white-box kill tests, which wait for pages to
be written before killing, are in tests/ledger/test_import.py). After each kill
the ledger passes SQLite's integrity check, holds exactly the state before or after the
command, and the next command works.

The kill points are a sweep of delays rather than hooks inside slactl, so the test holds
for any implementation; with the delays spread over the command's life, some land inside
its transaction on any machine (the test checks that at least one did, for the upgrade).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.test_report_cmds import ACTIVITIES, AGREEMENT, LEADS
from tests.robustness.harness import SLACTL, ledger_digest

pytestmark = pytest.mark.slow  # processes killed at random points


def slactl(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """slactl started, to be killed."""
    return subprocess.Popen(
        [str(SLACTL), *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def ok(args: list[str], env: dict[str, str]) -> None:
    """slactl run to the end, successfully."""
    r = subprocess.run(
        [str(SLACTL), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def ledger(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "agreements").mkdir()
    (tmp_path / "agreements" / "cli.yaml").write_text(AGREEMENT)
    env = {"SLACTL_DB": str(tmp_path / "l.db"), "SLACTL_AGREEMENTS": str(tmp_path / "agreements")}
    for name, text in (("leads.csv", LEADS), ("activities.csv", ACTIVITIES)):
        (tmp_path / name).write_text(text)
        ok(["import", str(tmp_path / name)], env)
    return env


def test_kill_during_log(ledger: dict[str, str]) -> None:
    db = Path(ledger["SLACTL_DB"])
    touches = "SELECT COUNT(*) FROM event WHERE kind = 'call' AND rep = 'zed'"
    for k, delay in enumerate([0.08 * i for i in range(1, 11)]):
        at = f"2024-05-{6 + k // 8:02d}T{9 + k % 8:02d}:30"
        before = count(db, touches)
        p = slactl(["log", "A1", "call", "--rep", "zed", "--new-rep", "--at", at], ledger)
        time.sleep(delay)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        assert integrity(db) == "ok"
        after = count(db, touches)
        assert after in (before, before + 1)
        # the next command works, and the touch is there once
        ok(["log", "A1", "call", "--rep", "zed", "--new-rep", "--at", at], ledger)
        assert count(db, touches) == before + 1


def test_kill_during_import(ledger: dict[str, str], tmp_path: Path) -> None:
    db = Path(ledger["SLACTL_DB"])
    n = 40_000
    big = tmp_path / "big.csv"
    big.write_text(
        "external_id,email,owner,score,created_at\n"
        + "".join(f"K-{i},k{i}@x.com,alice,70,2024-05-03T10:00\n" for i in range(n))
    )
    before = count(db, "SELECT COUNT(*) FROM lead")
    for delay in (0.3, 0.7, 1.2):
        p = slactl(["import", str(big)], ledger)
        time.sleep(delay)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        assert integrity(db) == "ok"
        # all of the file or none of it
        assert count(db, "SELECT COUNT(*) FROM lead") in (before, before + n)
        if count(db, "SELECT COUNT(*) FROM lead") == before + n:
            break
    ok(["import", str(big)], ledger)  # the next import completes (or finds it all there)
    assert count(db, "SELECT COUNT(*) FROM lead") == before + n
    assert integrity(db) == "ok"


def _old_ledger(path: Path, leads: int) -> None:
    """A ledger at the first schema (0001) with ``leads`` leads and a call on each."""
    from slactl.ledger.engine import make_engine, upgrade

    engine = make_engine(str(path))
    upgrade(engine, "0001")
    engine.dispose()
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO lead (id, external_id, owner, created_at, recorded_at)"
            " VALUES (?, ?, 'alice', '2024-05-03 14:00:00', '2024-05-03 14:00:00')",
            ((i, f"L-{i}") for i in range(1, leads + 1)),
        )
        conn.executemany(
            "INSERT INTO event (lead_id, kind, at, rep, origin, dedupe_key, recorded_at)"
            " VALUES (?, 'call', '2024-05-03 15:00:00', 'alice', 'cli', ?, '2024-05-03 15:00:00')",
            ((i, f"k{i}") for i in range(1, leads + 1)),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _revision(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def test_kill_during_db_upgrade(tmp_path: Path) -> None:
    from slactl.ledger.revision import HEAD_REVISION

    leads = 150_000
    template = tmp_path / "template.db"
    _old_ledger(template, leads)
    old = ledger_digest(template)
    interrupted = 0
    for delay in (0.0, 0.25, 0.6, 1.0):
        work = tmp_path / f"run-{delay}"
        work.mkdir()
        db = work / "l.db"
        shutil.copyfile(template, db)
        env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(work / "none")}
        p = slactl(["db", "upgrade"], env)
        backup = Path(f"{db}.0001.bak")
        deadline = time.monotonic() + 60
        # the migration starts once the backup is written: kill at points from there on
        while time.monotonic() < deadline and p.poll() is None:
            if backup.exists() and backup.stat().st_size == template.stat().st_size:
                break
            time.sleep(0.005)
        time.sleep(delay)
        finished = p.poll() is not None
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        assert integrity(db) == "ok"
        rev = _revision(db)
        assert rev in ("0001", HEAD_REVISION)
        if rev == "0001":
            interrupted += not finished
            assert ledger_digest(db) == old  # untouched: the migration is one transaction
        assert count(db, "SELECT COUNT(*) FROM lead") == leads
        # the next upgrade finishes the job, with every row
        ok(["db", "upgrade"], env)
        assert _revision(db) == HEAD_REVISION
        assert count(db, "SELECT COUNT(*) FROM lead") == leads
        assert count(db, "SELECT COUNT(*) FROM event") == leads
        assert count(db, "SELECT COUNT(*) FROM rep") == 1
    assert interrupted >= 1, "no kill landed inside the migration: raise the lead count"
