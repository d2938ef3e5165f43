"""Benchmark: `slactl whatif` over a month of the 1M-lead ledger against one `slactl report`
of the same month (the issue's bar: under 2x), measured in the same run in alternating
pairs (report, what-if), N pairs (default 5): medians of each and of the pairs' ratios,
wall and CPU (user + sys of the child: on a shared machine it moves less).

    .venv/bin/python bench/bench_whatif.py [--pairs N] [--db LEDGER] [--agreements DIR]

Needs bench/out/ledger.db (bench/bench_import.py), or another ledger (--db: the
lifecycle ledger bench/bench_status.py builds, bench/out/life.db, with its agreements
bench/out/agr-life). The draft: speed-to-lead within 2 business hours instead of 4, and
Saturday 10:00-14:00 added to the working hours.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import yaml
from _run import OUT, ROOT, SLACTL, timed


def option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main() -> None:
    pairs = int(option("--pairs", "5"))
    db = Path(option("--db", str(OUT / "ledger.db")))
    agreements = Path(option("--agreements", str(ROOT / "agreements")))
    if not db.exists():
        raise SystemExit(f"{db}: no ledger; run bench/bench_import.py first (ledger.db)")
    draft = OUT / "draft.yaml"
    with next(agreements.glob("acme-*.yaml")).open(encoding="utf-8") as f:
        agreement = yaml.safe_load(f)
    for c in agreement["commitments"]["sales"]:
        if c["id"] == "speed-to-lead":
            c["within"] = "2 business hours"
    agreement["calendar"]["hours"]["sat"] = "10:00-14:00"
    with draft.open("w", encoding="utf-8") as f:
        yaml.safe_dump(agreement, f, sort_keys=False, allow_unicode=True)
    env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(agreements)}
    common = ["--month", "2024-05", "--as-of", "2024-06-03T09:00", "--format", "json"]
    report = [SLACTL, "report", *common]
    whatif = [SLACTL, "whatif", str(draft), *common]
    out = subprocess.run(
        whatif, env={**os.environ, **env}, capture_output=True, text=True, check=True
    ).stdout  # (untimed: the draft's changes and flips for the summary)
    runs: list[tuple[tuple[float, float, float], tuple[float, float, float]]] = []
    for _ in range(pairs):
        runs.append((timed(report, env=env), timed(whatif, env=env)))
    med = statistics.median
    result = json.loads(out)
    outcomes = sum(
        c["met"] + c["breached"] + c["pending"] for c in result["current"]["commitments"]
    )
    print(f"ledger: {db}; draft: {'; '.join(result['changes'])}")
    print(f"outcomes now: {outcomes:,}; flips: {len(result['flips']):,}")
    print()
    print(f"{pairs} alternating pairs, medians; load average {os.getloadavg()[0]:.1f} at the end")
    print()
    print("| what | wall s | × report | CPU s | × report | peak MB |")
    print("|---|---:|---:|---:|---:|---:|")
    r = [med(p[0][i] for p in runs) for i in range(3)]
    w = [med(p[1][i] for p in runs) for i in range(3)]
    wall_x = med(p[1][0] / p[0][0] for p in runs)
    cpu_x = med(p[1][1] / p[0][1] for p in runs)
    print(f"| slactl report --month 2024-05 | {r[0]:.2f} | 1.0× | {r[1]:.2f} | 1.0× | {r[2]:.0f} |")
    print(
        f"| slactl whatif draft.yaml --month 2024-05 | {w[0]:.2f} | {wall_x:.2f}×"
        f" | {w[1]:.2f} | {cpu_x:.2f}× | {w[2]:.0f} |"
    )
    print()
    print(f"{'met' if wall_x < 2 else 'MISSED'}  what-if under 2x the report: {wall_x:.2f}x")


if __name__ == "__main__":
    main()
