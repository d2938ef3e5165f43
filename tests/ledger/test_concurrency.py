"""Many writers at once, on both engines: eight processes logging 500 touches each while an
import runs and a report reads. Every event lands exactly once; nobody sees an error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from slactl.ledger.engine import open_ledger

pytestmark = pytest.mark.slow  # many processes writing at once

ROOT = Path(__file__).resolve().parents[2]
SLACTL = Path(sys.executable).parent / "slactl"
WORKER = """
import sys
from datetime import UTC, datetime, timedelta
from slactl.ledger.engine import open_ledger
from slactl.ledger.record import record_event

url, k = sys.argv[1], int(sys.argv[2])
engine = open_ledger(url)
base = datetime(2024, 5, 6, 13, 0, tzinfo=UTC)
for i in range(500):
    lead = f"L-{(i % 150) + 1:04d}"
    at = base + timedelta(minutes=i, seconds=k)
    record_event(engine, lead=lead, kind="call", at=at, now=base, rep=f"worker{k}", new_rep=True)
engine.dispose()
"""


def test_eight_writers_an_import_and_a_report(ledger_url: str) -> None:
    env = {**os.environ, "SLACTL_DB": ledger_url, "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    subprocess.run(
        [str(SLACTL), "import", str(ROOT / "examples" / "leads.csv")],
        env=env,
        check=True,
        capture_output=True,
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, ledger_url, str(k)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(8)
    ]
    importer = subprocess.Popen(
        [str(SLACTL), "import", str(ROOT / "examples" / "activities.csv")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    report = subprocess.run(
        [
            str(SLACTL),
            "report",
            "--month",
            "2024-05",
            "--as-of",
            "2024-06-03T09:00",
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    results = [(p.wait(timeout=300), *p.communicate()) for p in workers]
    imported = (importer.wait(timeout=300), *importer.communicate())
    assert [r[0] for r in results] == [0] * 8, [r[2] for r in results]
    assert all(r[2] == "" for r in results)
    assert imported[0] == 0 and "Error" not in imported[2], imported[2]
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["period"]["start"] == "2024-05-01"
    engine = open_ledger(ledger_url)
    with engine.connect() as conn:
        by_origin = dict(
            conn.execute(text("SELECT origin, COUNT(*) FROM event GROUP BY origin")).all()
        )
        dupes = conn.execute(
            text(
                "SELECT COUNT(*) FROM (SELECT dedupe_key FROM event GROUP BY dedupe_key"
                " HAVING COUNT(*) > 1) AS d"
            )
        ).scalar()
    engine.dispose()
    assert by_origin == {"cli": 4000, "import": 687}
    assert dupes == 0


def cli_events(url: str) -> int:
    engine = open_ledger(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM event WHERE origin = 'cli'")).scalar()
    engine.dispose()
    return int(n or 0)


LOGGER = """
import sys
from pathlib import Path
from typer.testing import CliRunner
from slactl.cli import app

k, stop = int(sys.argv[1]), Path(sys.argv[2])
codes = []
i = 0
while not stop.exists() or i < 5:
    at = f"2024-05-{1 + i // 1440 % 28:02d}T{i // 60 % 24:02d}:{i % 60:02d}:{k:02d}Z"
    lead = f"L-{i % 150 + 1:04d}"
    r = CliRunner().invoke(app, ["log", lead, "call", "--rep", f"w{k}", "--new-rep", "--at", at])
    codes.append(r.exit_code)
    i += 1
print(len(codes), sorted(set(codes)))
"""


def test_writers_queue_behind_a_first_load_and_a_reimport(ledger_url: str, tmp_path: Path) -> None:
    """Eight processes log touches while 60,000 activities are loaded into a ledger with
    no events and then imported again: the ledger stays in WAL mode, the writers wait for
    the import's lock instead of failing, and every touch lands."""
    env = {**os.environ, "SLACTL_DB": ledger_url, "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    subprocess.run(
        [str(SLACTL), "import", str(ROOT / "examples" / "leads.csv")],
        env=env,
        check=True,
        capture_output=True,
    )
    acts = tmp_path / "acts.csv"
    with open(acts, "w") as f:
        f.write("lead,kind,rep,at,outcome,note\n")
        for i in range(60_000):
            f.write(
                f"L-{i % 150 + 1:04d},email,rep{i % 9},2024-06-{1 + i // 86400:02d}T"
                f"{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z,,n{i}\n"
            )
    stop = tmp_path / "stop"
    loggers = [
        subprocess.Popen(
            [sys.executable, "-c", LOGGER, str(k), str(stop)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(8)
    ]
    try:
        deadline = time.monotonic() + 120
        while cli_events(ledger_url) < 16:  # the loggers are logging
            assert time.monotonic() < deadline, "the loggers logged nothing"
            time.sleep(0.05)
        for _ in range(2):
            done = subprocess.run(
                [str(SLACTL), "import", str(acts)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
    finally:
        stop.touch()
    outputs = [p.communicate(timeout=300) for p in loggers]
    counts = []
    for out, err in outputs:
        n, codes = out.split(" ", 1)
        assert codes.strip() == "[0]", err  # no exit 75, no error of any kind
        counts.append(int(n))
    engine = open_ledger(ledger_url)
    with engine.connect() as conn:
        by_origin = dict(
            conn.execute(text("SELECT origin, COUNT(*) FROM event GROUP BY origin")).all()
        )
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
    assert by_origin == {"cli": sum(counts), "import": 60_000}
