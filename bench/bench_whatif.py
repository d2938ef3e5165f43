"""Benchmark: `slactl whatif` over a month of the 1M-lead ledger against one `slactl report`
of the same month (the issue's bar: under 2x), measured in the same run, alternating, best
of three each. CPU seconds (user + sys of the child) are printed beside the wall time: on
a shared machine they move less.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time

from _run import OUT, ROOT, SLACTL


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak MB, stdout) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = int(proc.stderr.strip().splitlines()[-1]) / 1024
    return wall, cpu, peak, proc.stdout


def main() -> None:
    db = OUT / "ledger.db"
    if not db.exists():
        raise SystemExit("run bench/bench_import.py first: it builds bench/out/ledger.db")
    draft = OUT / "draft.yaml"
    text = (ROOT / "agreements" / "acme-2024.yaml").read_text()
    draft.write_text(
        text.replace("within: 4 business hours", "within: 2 business hours").replace(
            'mon-fri: "09:00-17:00"', 'mon-fri: "09:00-17:00"\n    sat: "10:00-14:00"'
        )
    )
    env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    common = ["--month", "2024-05", "--as-of", "2024-06-03T09:00", "--format", "json"]
    reports, whatifs = [], []
    out = ""
    for _ in range(3):
        reports.append(timed([SLACTL, "report", *common], env)[:3])
        wall, cpu, peak, out = timed([SLACTL, "whatif", str(draft), *common], env)
        whatifs.append((wall, cpu, peak))
    r_wall, r_cpu, r_peak = (min(x[i] for x in reports) for i in range(3))
    w_wall, w_cpu, w_peak = (min(x[i] for x in whatifs) for i in range(3))
    result = json.loads(out)
    outcomes = sum(
        c["met"] + c["breached"] + c["pending"] for c in result["current"]["commitments"]
    )
    print(f"draft: {'; '.join(result['changes'])}")
    print(f"outcomes now: {outcomes:,}; flips: {len(result['flips']):,}")
    print()
    print("| what | wall s | × report | CPU s | × report | peak MB |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| slactl report --month 2024-05 | {r_wall:.2f} | 1.0× | {r_cpu:.2f} | 1.0×"
        f" | {r_peak:.0f} |"
    )
    print(
        f"| slactl whatif draft.yaml --month 2024-05 | {w_wall:.2f} | {w_wall / r_wall:.2f}×"
        f" | {w_cpu:.2f} | {w_cpu / r_cpu:.2f}× | {w_peak:.0f} |"
    )


if __name__ == "__main__":
    main()
