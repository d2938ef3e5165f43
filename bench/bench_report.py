"""Benchmark: `slactl report` on the 1M-lead / 5M-activity ledger built by bench_import.py,
side by side with the sqlite3 shell running plain aggregates over the same month's leads and
activities; `slactl status` and `slactl --version` wall time, start-up included.
"""

from __future__ import annotations

from _run import OUT, ROOT, SLACTL, run

# the same rows the report reads: May 2024's leads by clock start, and their events
REFERENCE = """
SELECT owner, COUNT(*), SUM(handed_off_at IS NOT NULL), MIN(created_at), MAX(created_at)
  FROM lead WHERE clock_start_at >= '2024-05-01 04:00:00' AND clock_start_at < '2024-06-01 04:00:00'
  GROUP BY owner;
SELECT lead.owner, event.kind, COUNT(*), MIN(event.at), MAX(event.at)
  FROM event JOIN lead ON lead.id = event.lead_id
  WHERE lead.clock_start_at >= '2024-05-01 04:00:00' AND lead.clock_start_at < '2024-06-01 04:00:00'
    AND event.at <= '2024-06-03 13:00:00'
  GROUP BY lead.owner, event.kind;
"""


def best(cmd: list[str], n: int = 3, **kw) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    results = [run(cmd, **kw) for _ in range(n)]
    return min(results)


def main() -> None:
    db = OUT / "ledger.db"
    if not db.exists():
        raise SystemExit("run bench/bench_import.py first: it builds bench/out/ledger.db")
    env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    t_ref, _ = best(["sqlite3", str(db)], stdin=REFERENCE)
    t_rep, m_rep = best(
        [SLACTL, "report", "--month", "2024-05", "--as-of", "2024-06-03T09:00", "--format", "json"],
        env=env,
    )
    t_status, m_status = best(
        [SLACTL, "status", "--rep", "rep07", "--as-of", "2024-05-15T12:00"], env=env
    )
    t_version, _ = best([SLACTL, "--version"], n=5)
    print("| what | seconds | x sqlite3 reference | peak MB |")
    print("|---|---:|---:|---:|")
    print(f"| sqlite3 shell: the month's aggregates (1x) | {t_ref:.2f} | 1.0x | |")
    print(
        f"| slactl report --month 2024-05 --format json | {t_rep:.2f} | {t_rep / t_ref:.1f}x"
        f" | {m_rep:.0f} |"
    )
    print(f"| slactl status --rep rep07 | {t_status:.2f} | | {m_status:.0f} |")
    print(f"| slactl --version | {t_version:.2f} | | |")


if __name__ == "__main__":
    main()
