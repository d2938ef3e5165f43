"""Issue #20's bar for `slactl status --rep`: under 0.5 s wall on the 1M-lead ledger with
10 % of the April-May leads recycled, reassigned or paused.

    .venv/bin/python bench/bench_status.py [--runs N]

Needs bench/out/ledger.db (bench/bench_import.py). Builds, once, bench/out/life.db: a copy
of it with bench/gen_lifecycle.py's events imported under bench/out/agr-life/, the bundled
agreement with pauses turned on (`definitions.pauses`, `pausable: true` on speed-to-lead
and disposition). Then times, as whole processes in turn (N rounds, medians): the table
and JSON of rep07's status at 2024-05-15 12:00, the same rep at 2024-01-01 08:00 (no open
work: the start-up and the fixed part), and `slactl --version`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys

import yaml
from _run import OUT, ROOT, SLACTL, timed

PAUSABLE = ("speed-to-lead", "disposition")


def build(ledger: str, life: str, agreements: str) -> None:
    """The lifecycle ledger and its agreements directory (see the module's docstring)."""
    shutil.rmtree(agreements, ignore_errors=True)
    shutil.copytree(ROOT / "agreements", agreements)
    path = os.path.join(agreements, "acme-2024.yaml")
    with open(path, encoding="utf-8") as f:
        agreement = yaml.safe_load(f)
    agreement["definitions"]["pauses"] = {
        "reasons": ["callback-requested"],
        "max": "3 business days",
    }
    for c in agreement["commitments"]["sales"]:
        if c["id"] in PAUSABLE:
            c["pausable"] = True
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(agreement, f, sort_keys=False, allow_unicode=True)
    part = life + ".part"
    shutil.copyfile(ledger, part)
    # (a ledger bench_import.py built with an older slactl; the copy's backup is not kept)
    subprocess.run([SLACTL, "--db", part, "db", "upgrade"], check=True)
    for backup in OUT.glob("life.db.part.*.bak"):
        backup.unlink()
    events = str(OUT / "life-events.csv")
    gen = ROOT / "bench" / "gen_lifecycle.py"
    subprocess.run([sys.executable, str(gen), part, events], check=True)
    env = {**os.environ, "SLACTL_AGREEMENTS": agreements}
    subprocess.run([SLACTL, "--db", part, "import", events], env=env, check=True)
    os.replace(part, life)


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 9
    ledger, life = str(OUT / "ledger.db"), str(OUT / "life.db")
    agreements = str(OUT / "agr-life")
    if not os.path.exists(ledger):
        raise SystemExit("run bench/bench_import.py first: it builds bench/out/ledger.db")
    if not os.path.exists(life) or not os.path.isdir(agreements):
        build(ledger, life, agreements)
    env = {"SLACTL_DB": life, "SLACTL_AGREEMENTS": agreements}
    status = [SLACTL, "status", "--rep", "rep07"]
    commands = {
        "`status --rep rep07 --as-of 2024-05-15T12:00` (table)": [
            *status,
            "--as-of",
            "2024-05-15T12:00",
        ],
        "the same, `--format json`": [*status, "--as-of", "2024-05-15T12:00", "--format", "json"],
        "`status --rep rep07 --as-of 2024-01-01T08:00` (no open work)": [
            *status,
            "--as-of",
            "2024-01-01T08:00",
        ],
        "`slactl --version`": [SLACTL, "--version"],
    }
    for cmd in commands.values():  # once untimed: the page cache and the holidays cache
        timed(cmd, env=env)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(timed(cmd, env=env)[:2])
    print(f"{runs} rounds, load average {os.getloadavg()[0]:.1f} at the end\n")
    print("| command | wall s (median, min-max) | CPU s (median) |")
    print("|---|---:|---:|")
    for name, got in times.items():
        walls = [w for w, _ in got]
        print(
            f"| {name} | {statistics.median(walls):.3f} ({min(walls):.3f}-{max(walls):.3f})"
            f" | {statistics.median(c for _, c in got):.3f} |"
        )
    table = statistics.median(w for w, _ in next(iter(times.values())))
    print(f"\n{'met    ' if table < 0.5 else 'MISSED '} status --rep under 0.5 s: {table:.3f} s")


if __name__ == "__main__":
    main()
