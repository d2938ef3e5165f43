"""Benchmark: `slactl dashboard --month 2024-05` against `slactl report --month 2024-05
--format json` on the same ledger, as-of and agreements. The bar: the dashboard under 2×
the report.

    .venv/bin/python bench/bench_dashboard.py [--db LEDGER] [--pairs N]

Needs a benchmark ledger (bench/out/ledger.db from bench/bench_import.py, or a smaller one
built from `bench/gen_data.py 100000 500000`: --db). The two commands run in alternating
pairs (report, then dashboard, N times), each a subprocess timed wall-clock with its
start-up; the medians are compared, so a noisy minute on a shared machine weighs on both.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SLACTL = str(ROOT / ".venv" / "bin" / "slactl")
PERIOD = ["--month", "2024-05", "--as-of", "2024-06-03T09:00"]


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        cmd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - t0


def main() -> None:
    db = Path(sys.argv[sys.argv.index("--db") + 1]) if "--db" in sys.argv else OUT / "ledger.db"
    pairs = int(sys.argv[sys.argv.index("--pairs") + 1]) if "--pairs" in sys.argv else 5
    if not db.exists():
        raise SystemExit(f"{db}: no benchmark ledger; run bench/bench_import.py first (or --db)")
    env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    page = OUT / "dashboard-2024-05.html"
    report = [SLACTL, "report", *PERIOD, "--format", "json"]
    dashboard = [SLACTL, "dashboard", *PERIOD, "-o", str(page)]
    wall(dashboard, env)  # warm the page cache (and matplotlib's font cache) first
    r_times, d_times = [], []
    for _ in range(pairs):
        r_times.append(wall(report, env))
        d_times.append(wall(dashboard, env))
    r, d = statistics.median(r_times), statistics.median(d_times)
    print(f"ledger {db} ({db.stat().st_size / 2**20:.0f} MiB), {pairs} alternating pairs")
    print("| command | median s | runs s |")
    print("|---|---:|---|")
    print(f"| report --format json | {r:.2f} | {', '.join(f'{x:.2f}' for x in r_times)} |")
    print(f"| dashboard | {d:.2f} | {', '.join(f'{x:.2f}' for x in d_times)} |")
    ratio = d / r
    print(f"dashboard / report: {ratio:.2f}× (bar: under 2×) — {'met' if ratio < 2 else 'MISSED'}")
    print(f"page: {page} ({page.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
