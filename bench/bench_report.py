"""Benchmark: `slactl report` over the 1M-lead / 5M-activity ledger, side by side with the
sqlite3 shell running plain aggregate queries over the same month's leads and activities;
`slactl status` and `slactl --version` wall time, start-up included.

    .venv/bin/python bench/bench_report.py [--db LEDGER] [--agreements DIR] [--no-docs]
    .venv/bin/python bench/bench_report.py --pairs N [--db LEDGER] [--agreements DIR]

Needs bench/out/ledger.db, built by bench/bench_import.py (or a copy of it: --db). Each
command is a subprocess timed by `os.wait4` (wall, CPU, peak RSS), best of three.
Prints a Markdown table and rewrites the "## Report" section of docs/performance.md
(unless --no-docs).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sqlite3
import sys
from pathlib import Path

from _run import timed, write_section

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SLACTL = str(ROOT / ".venv" / "bin" / "slactl")

# May 2024 in New York is [2024-05-01 04:00, 2024-06-01 04:00) UTC; as_of 2024-06-03 09:00
# EDT is 13:00 UTC. The same rows the report reads, aggregated the way a careful analyst
# would without business hours: per lead the first touch, the first disposition and the
# touches since the clock start, then per owner; the MQLs and complete handoffs; the funnel.
REFERENCE = """
SELECT owner, COUNT(*),
       SUM(score >= 60 OR source IN ('demo-request', 'contact-sales')
           OR handed_off_at IS NOT NULL),
       SUM(first_name <> '' AND last_name <> '' AND company <> '' AND email LIKE '%_@_%._%'
           AND length(phone) >= 7)
  FROM lead
 WHERE clock_start_at >= '2024-05-01 04:00:00' AND clock_start_at < '2024-06-01 04:00:00'
 GROUP BY owner;
SELECT owner, COUNT(*), COUNT(first_touch), COUNT(first_disposition), SUM(touches),
       MIN(first_touch), MAX(first_disposition)
  FROM (SELECT lead.id, lead.owner,
               MIN(CASE WHEN e.kind IN ('call', 'email', 'meeting') THEN e.at END) AS first_touch,
               MIN(CASE WHEN e.kind = 'disposition' THEN e.at END) AS first_disposition,
               SUM(e.kind IN ('call', 'email', 'meeting')) AS touches
          FROM lead LEFT JOIN event e
            ON e.lead_id = lead.id AND e.at >= lead.clock_start_at
           AND e.at <= '2024-06-03 13:00:00'
         WHERE lead.clock_start_at >= '2024-05-01 04:00:00'
           AND lead.clock_start_at < '2024-06-01 04:00:00'
         GROUP BY lead.id)
 GROUP BY owner;
SELECT COUNT(*) FROM lead
 WHERE created_at >= '2024-05-01 04:00:00' AND created_at < '2024-06-01 04:00:00';
SELECT e.outcome, COUNT(*) FROM event e JOIN lead ON lead.id = e.lead_id
 WHERE lead.clock_start_at >= '2024-05-01 04:00:00' AND lead.clock_start_at < '2024-06-01 04:00:00'
   AND e.kind = 'disposition' AND e.at <= '2024-06-03 13:00:00'
 GROUP BY e.outcome;
"""

NOTES = """
This run (2026-12-04) came in a slow hour: the reference itself took 3.17 s, against 1.3–1.5 s
on 2026-12-02, and the report and status with it. Run in turn on the same ledger in that
hour, the code of 2026-12-03 took 7.42–8.32 s for the table report and 1.29–1.54 s for a
status, that of 2026-12-04 (SQLite in multi-thread mode without memory statistics, Typer
below 0.29) 6.50–7.13 s and 1.12–1.25 s: the day's changes made both faster, and the status
bar, missed here by 0.05 s, is missed by the machine's hour, not by a change.

Where the report's time goes (in-process, 2026-12-02): start-up about 0.35 s (Python,
Typer, the agreement and its holidays, numpy; no SQLAlchemy, see below); reading the
month about 1.4 s — two queries (~85,000 leads by their indexed clock start, or by their
indexed creation when their recorded handoff is after `as_of`; their ~300,000 touches,
dispositions and handoffs through `ix_event_lead_at`) and a `Lead` or `Event` record for
each row, of which the events query alone, SQLite's work and the sqlite3 module handing
over its rows, is ~0.6 s; evaluating about 1.8 s — ~53,000 MQLs against five sales
commitments and one marketing one, ~225,000 outcome records, ~35 µs a lead. The
reference never turns a row into an object and knows nothing of business hours; what
separates the two is Python's cost per record, not a missing index.

What brought it from 12.6 s to about 4 s, each checked by tests to give exactly the
answers of the straightforward path: the reasons in words are written only for
`explain` and `whatif` (formatting them was half the time); rows come through the
driver's own cursor, with no `ORDER BY` (SQLite already walks each lead's events in time
order), only the kinds the engine reads, and instants `fromisoformat` reads without a zone
replace; the cyclic garbage collector is paused while the records are made (none is
cyclic; it was re-walking the growing heap); deadlines from the clock start are computed
for the whole cohort at once (the clock's numpy batch path for business hours, the same
rule on arrays for business days); the cadence's per-touch business days come from a
table of the period, and a touch plainly before the next deadline skips the calendar;
conditions (`definitions.mql`, `applies_to`) are remembered by the values of the fields
they read; the schema revision is read with plain SQL against a head-revision constant
(no Alembic import); the records are named tuples rather than frozen dataclasses (half
the cost each; with positional outcomes and attribute getters for `complete_fields`,
4.22–4.33 s became 3.97–4.07 s in three alternating pairs, same JSON).

The read commands (`report`, `status`, `explain`, `leaderboard`, `digest`, `whatif`) open
a SQLite ledger at the current schema through the standard library's `sqlite3`, read-only
(`slactl/ledger/lite.py`), and never import SQLAlchemy, about 0.2 s of each one's
start-up; PostgreSQL and every ledger that needs a message go through SQLAlchemy.
`status --rep rep07` went from 1.11 s to 0.79 s with that (best of eight, same output),
and reads the leads of earlier months only while they have no disposition (a SQL
`NOT EXISTS`), since the others have no open work; the month so far still reads all.
What is left of its ~0.7 s: Python and Typer ≈ 0.1 s, the agreement with its holidays
≈ 0.2 s (the holidays library imports every country's module to look one up), ~4,000
leads read ≈ 0.2 s, their open work evaluated ≈ 0.2 s.

The ratio moves with the reference itself: the sqlite3 shell took 1.32 s, 1.51 s and
1.50 s in three runs of this benchmark on 2026-12-02 (its count of the month's new leads
now uses the `created_at` index of migration 0003). The first run, before the records
became named tuples, came out at 3.1× (4.13 s) and missed the bar; the next two at 2.7×
and 2.8×, which is thin: the bar is met, not with room. Beyond this, the per-lead
evaluation would have to leave Python objects (numpy columns per measure), a second
engine to keep equal to this one.

Since 2026-12-03 a new ledger has 16 KiB pages (the import is about 10% faster), and the
ledger `bench_import.py` leaves behind has them. The reference gets slower on such a
file: in the same hour the shell's aggregates took 2.62 s on it against 1.53–1.55 s on
a copy with 4 KiB pages (the same rows, imported by the same code), while slactl's
report took 4.62 s against 4.76–5.34 s and `status` 1.13 s against 1.12–1.15 s. So the
ratio above is not comparable with the earlier days': against the 4 KiB reference it
was 3.1× that hour. The machine was also slower that day than on 2026-12-02 for every
Python command: the code of 2026-12-02 took 1.22–1.42 s for the same `status` on the
same ledger (this code 0.95–1.23 s), where it had taken 0.73 s, and the report 4.8–6.7 s
where it had taken 4.1 s; `whatif` came out at 2.24× the report in one
`bench_whatif.py` run (10.04 s for the old code, 10.19 s for this one, the same JSON).
"""


def best(cmd: list[str], n: int = 3, **kw):  # type: ignore[no-untyped-def]
    return min((timed(cmd, **kw) for _ in range(n)), key=lambda r: r[0])


def main() -> None:
    db = Path(sys.argv[sys.argv.index("--db") + 1]) if "--db" in sys.argv else OUT / "ledger.db"
    if not db.exists():
        raise SystemExit("run bench/bench_import.py first: it builds bench/out/ledger.db")
    agreements = (
        Path(sys.argv[sys.argv.index("--agreements") + 1])
        if "--agreements" in sys.argv
        else ROOT / "agreements"
    )
    env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(agreements)}
    month = ["--month", "2024-05", "--as-of", "2024-06-03T09:00"]
    if "--pairs" in sys.argv:  # the way: medians of alternating pairs, nothing else
        pairs(db, env, month, int(sys.argv[sys.argv.index("--pairs") + 1]))
        return
    ref = best(["sqlite3", str(db)], stdin=REFERENCE)
    rep_json = best([SLACTL, "report", *month, "--format", "json"], env=env)
    rep_table = best([SLACTL, "report", *month], env=env)
    status = best([SLACTL, "status", "--rep", "rep07", "--as-of", "2024-05-15T12:00"], env=env)
    version = best([SLACTL, "--version"], n=5)
    rows = [
        ("sqlite3 shell: the month's plain aggregates (1×)", ref),
        ("`slactl report --month 2024-05 --format json`", rep_json),
        ("`slactl report --month 2024-05` (table)", rep_table),
        ("`slactl status --rep rep07`", status),
        ("`slactl --version`", version),
    ]
    table = [
        "| what | wall s | CPU s | × reference (wall) | peak MB |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {w:.2f} | {c:.2f} | {w / ref[0]:.1f}× | {m:.0f} |"
            for name, (w, c, m) in rows
        ),
    ]
    print("\n".join(table))
    verdicts = [
        ("report under 10 s", rep_json[0] < 10, f"{rep_json[0]:.1f} s"),
        (
            "report at most 3× the sqlite3 reference",
            rep_json[0] <= 3 * ref[0],
            f"{rep_json[0] / ref[0]:.1f}× wall ({rep_json[1] / ref[1]:.1f}× CPU)",
        ),
        ("status under 1 s", status[0] < 1, f"{status[0]:.2f} s"),
        ("--version under 0.3 s", version[0] < 0.3, f"{version[0]:.2f} s"),
    ]
    print()
    for what, ok, figure in verdicts:
        print(f"{'met    ' if ok else 'MISSED '} {what}: {figure}")
    if "--no-docs" not in sys.argv:
        write_docs(table, verdicts, db)


def pairs(db: Path, env: dict[str, str], month: list[str], n: int) -> None:
    """``n`` alternating pairs (the sqlite3 reference, then `report --format json`), wall
    and CPU medians: a noisy minute on a shared machine weighs on both."""
    import statistics

    refs, reps = [], []
    for _ in range(n):
        refs.append(timed(["sqlite3", str(db)], stdin=REFERENCE))
        reps.append(timed([SLACTL, "report", *month, "--format", "json"], env=env))
    for name, runs in (("sqlite3 reference", refs), ("report --format json", reps)):
        walls = ", ".join(f"{w:.2f}" for w, _, _ in runs)
        wall = statistics.median(w for w, _, _ in runs)
        cpu = statistics.median(c for _, c, _ in runs)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {walls} |")
    ratio = [b[0] / a[0] for a, b in zip(refs, reps, strict=True)]
    print(
        f"report / reference: median {statistics.median(ratio):.2f}x wall (pairs: "
        + ", ".join(f"{r:.2f}" for r in ratio)
        + f"); load average {os.getloadavg()[0]:.1f} at the end"
    )


def write_docs(table: list[str], verdicts: list[tuple[str, bool, str]], db: Path) -> None:
    """Replace the body of docs/performance.md's "## Report" section (other sections kept)."""
    with sqlite3.connect(db) as conn:
        leads, events = (
            conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("lead", "event")
        )
    conn.close()
    body = [
        "## Report",
        "",
        "`bench/bench_report.py` on the ledger `bench/bench_import.py` leaves behind"
        f" ({leads:,} leads, {events:,} events over 2024, fifty reps), the bundled agreement"
        " (five sales commitments, two marketing, one shared), May 2024 as of 3 June 09:00."
        " The reference (1×) is the `sqlite3` shell running plain aggregate queries over the"
        " same month's leads and activities (in the script): per lead the first touch, the"
        " first disposition and the touches since the clock start, rolled up per owner; the"
        " MQLs and complete handoffs per owner; the funnel. Best of three runs, start-up"
        f" included. Run {_dt.date.today().isoformat()} on {os.cpu_count()} cores, Python"
        f" {platform.python_version()}, SQLite {sqlite3.sqlite_version}, load average"
        f" {os.getloadavg()[0]:.1f} when it ended (the machine is shared).",
        "",
        *table,
        "",
        "Against the issue's bars:",
        "",
        *(f"- {what}: {figure} — {'met' if ok else '**missed**'}" for what, ok, figure in verdicts),
        "",
        NOTES.strip(),
        "",
    ]
    write_section("Report", "\n".join(body))


if __name__ == "__main__":
    main()
