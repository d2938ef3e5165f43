"""Benchmark: `slactl dashboard --month 2024-05` against `slactl report --month 2024-05
--format json` on the same ledger, as-of and agreements. The bar: the dashboard under 2×
the report.

    .venv/bin/python bench/bench_dashboard.py [--db LEDGER] [--pairs N]

Needs a benchmark ledger (bench/out/ledger.db from bench/bench_import.py, or a smaller one
built from `bench/gen_data.py 100000 500000`: --db). The two commands run in alternating
pairs (report, then dashboard, N times), each a subprocess timed wall-clock with its
start-up; the medians are compared, so a noisy minute on a shared machine weighs on both.
Each command's CPU time (user + system of the child) is shown beside its wall time: on a
loaded machine a run waits for a core, and the CPU ratio is the steadier figure.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SLACTL = str(ROOT / ".venv" / "bin" / "slactl")
PERIOD = ["--month", "2024-05", "--as-of", "2024-06-03T09:00"]


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wall(cmd: list[str], env: dict[str, str], cpus: list[float] | None = None) -> float:
    """The command's wall time; its CPU time appended to ``cpus``."""
    c0 = cpu()
    t0 = time.perf_counter()
    subprocess.run(
        cmd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    took = time.perf_counter() - t0
    if cpus is not None:
        cpus.append(cpu() - c0)
    return took


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
    r_times: list[float] = []
    d_times: list[float] = []
    r_cpu: list[float] = []
    d_cpu: list[float] = []
    for _ in range(pairs):
        r_times.append(wall(report, env, r_cpu))
        d_times.append(wall(dashboard, env, d_cpu))
    r, d = statistics.median(r_times), statistics.median(d_times)
    rc, dc = statistics.median(r_cpu), statistics.median(d_cpu)
    print(f"ledger {db} ({db.stat().st_size / 2**20:.0f} MiB), {pairs} alternating pairs")
    print("| command | median wall s | runs s | median CPU s | runs CPU s |")
    print("|---|---:|---|---:|---|")
    for name, m, runs, mc, cruns in (
        ("report --format json", r, r_times, rc, r_cpu),
        ("dashboard", d, d_times, dc, d_cpu),
    ):
        walls, cpus = ", ".join(f"{x:.2f}" for x in runs), ", ".join(f"{x:.2f}" for x in cruns)
        print(f"| {name} | {m:.2f} | {walls} | {mc:.2f} | {cpus} |")
    ratio = d / r
    print(f"dashboard / report: {ratio:.2f}× (bar: under 2×) — {'met' if ratio < 2 else 'MISSED'}")
    print(f"CPU: {dc / rc:.2f}×; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"page: {page} ({page.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
