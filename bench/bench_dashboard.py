"""Benchmark: `slactl dashboard --month 2024-05` against `slactl report --month 2024-05
--format json` on the same ledger, as-of and agreements. The bar: the dashboard under 2×
the report.

    .venv/bin/python bench/bench_dashboard.py [--db LEDGER] [--agreements DIR] [--pairs N]

Needs a benchmark ledger at the current schema (bench/out/ledger.db from
bench/bench_import.py, or a smaller one built from `bench/gen_data.py 100000 500000`:
--db); it writes the dashboard's stored trend figures (`trend_period`) into it, so give it
a copy.

The store is first put in the state real use leaves it: its rows of this scope are
deleted, then one untimed dashboard run evaluates every week and keeps the closed weeks
whose pairs were all decided (as a manager's first opening of the month does). Then three
commands run in alternating rounds (report, dashboard, dashboard --no-store, N times),
each a subprocess timed wall-clock with its start-up; the medians are compared, so a noisy
minute on a shared machine weighs on all three. The bar is judged on the dashboard with
the store; the figure without it (every week read and evaluated, as the first opening) is
printed beside it. Each command's CPU time (user + system of the child) is shown beside
its wall time: on a loaded machine a run waits for a core, and the CPU ratio is the
steadier figure.
"""

from __future__ import annotations

import os
import resource
import sqlite3
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
    agreements = (
        sys.argv[sys.argv.index("--agreements") + 1]
        if "--agreements" in sys.argv
        else str(ROOT / "agreements")
    )
    if not db.exists():
        raise SystemExit(f"{db}: no benchmark ledger; run bench/bench_import.py first (or --db)")
    env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": agreements}
    OUT.mkdir(exist_ok=True)
    page = OUT / "dashboard-2024-05.html"
    evaluated_page = OUT / "dashboard-2024-05-no-store.html"
    report = [SLACTL, "report", *PERIOD, "--format", "json"]
    dashboard = [SLACTL, "dashboard", *PERIOD, "-o", str(page)]
    no_store = [SLACTL, "dashboard", *PERIOD, "--no-store", "-o", str(evaluated_page)]
    with sqlite3.connect(db) as conn:  # the store as before any dashboard of the month
        conn.execute("DELETE FROM trend_period WHERE scope = ''")
    conn.close()
    load = [os.getloadavg()[0]]
    wall(dashboard, env)  # untimed: keeps the settled weeks, warms the page cache
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT COUNT(*) FROM trend_period WHERE scope = ''").fetchone()[0]
    conn.close()
    names = ("report --format json", "dashboard", "dashboard --no-store")
    times: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(pairs):
        for name, cmd in zip(names, (report, dashboard, no_store), strict=True):
            times[name].append(wall(cmd, env, cpus[name]))
    load.append(os.getloadavg()[0])
    med = {n: statistics.median(times[n]) for n in names}
    cmed = {n: statistics.median(cpus[n]) for n in names}
    print(f"ledger {db} ({db.stat().st_size / 2**20:.0f} MiB), {pairs} alternating rounds")
    print(f"stored weeks after the untimed run: {kept}")
    print("| command | median wall s | runs s | median CPU s | runs CPU s | × report (wall, CPU) |")
    print("|---|---:|---|---:|---|---|")
    r, rc = med[names[0]], cmed[names[0]]
    for name in names:
        walls = ", ".join(f"{x:.2f}" for x in times[name])
        cruns = ", ".join(f"{x:.2f}" for x in cpus[name])
        x = f"{med[name] / r:.2f}×, {cmed[name] / rc:.2f}×"
        print(f"| {name} | {med[name]:.2f} | {walls} | {cmed[name]:.2f} | {cruns} | {x} |")
    ratio = med["dashboard"] / r
    print(f"dashboard / report: {ratio:.2f}× (bar: under 2×) — {'met' if ratio < 2 else 'MISSED'}")
    print(f"load average {load[0]:.1f} before, {load[1]:.1f} at the end")
    same = page.read_bytes() == evaluated_page.read_bytes()
    print(f"page: {page} ({page.stat().st_size} bytes), the same as --no-store's: {same}")


if __name__ == "__main__":
    main()
