"""Benchmark: importing 1M leads and 5M activities, side by side with the references.

    .venv/bin/python bench/bench_import.py [--pg] [--no-docs]

References, run in the same session on the same file:
- the sqlite3 shell's `.import` into a table with the same columns, then the unique index
  on external_id (its fastest way: load, then index) — 1x;
- `sqlite-utils insert --csv` on the first 100,000 rows, scaled by 10 (the full million
  takes it over ten minutes).

And two floors, with none of slactl's work: Python's `csv.reader` straight into
`executemany` (the reference's table), and the shell's `.import` of the rows slactl stored
into slactl's own lead table, then its secondary indexes.

Then slactl: the 1M leads into a new ledger, the same file again (nothing changed), the 5M
activities. Each is a subprocess timed by /usr/bin/time (wall, CPU, peak RSS). Leaves
bench/out/ledger.db for bench_report.py. With --pg, also the 1M leads into PostgreSQL
(database test, schema bench). Prints a Markdown table and rewrites the "## Import"
section of docs/performance.md (unless --no-docs).
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
SLACTL = str(ROOT / ".venv" / "bin" / "slactl")
DOC = ROOT / "docs" / "performance.md"
PAIRS = 3  # alternating runs of the reference and the fresh import

REF_SQL = """
CREATE TABLE lead (external_id TEXT, email TEXT, first_name TEXT, last_name TEXT,
  company TEXT, phone TEXT, title TEXT, source TEXT, segment TEXT, owner TEXT, score TEXT,
  created_at TEXT, handed_off_at TEXT, status TEXT, industry TEXT);
.mode csv
.import --skip 1 {csv} lead
CREATE UNIQUE INDEX ix_external_id ON lead(external_id);
"""

# the Python floor: the file's cells bound as they are read, nothing parsed or checked
PY_FLOOR = """
import csv, sqlite3, sys
c = sqlite3.connect(sys.argv[2], isolation_level=None)
c.execute('CREATE TABLE lead (external_id TEXT, email TEXT, first_name TEXT,'
  ' last_name TEXT, company TEXT, phone TEXT, title TEXT, source TEXT, segment TEXT,'
  ' owner TEXT, score TEXT, created_at TEXT, handed_off_at TEXT, status TEXT,'
  ' industry TEXT)')
c.execute('BEGIN')
with open(sys.argv[1], newline='') as f:
    r = csv.reader(f)
    next(r)
    c.executemany('INSERT INTO lead VALUES (' + ', '.join('?' * 15) + ')', r)
c.execute('CREATE UNIQUE INDEX ix_external_id ON lead(external_id)')
c.execute('COMMIT')
"""
# `slactl import` with the file read by one process however large it is
ONE_PROCESS = """
import sys
import slactl.ledger.imports as imports
imports.PARALLEL_FROM_BYTES = 1 << 62
from slactl.cli import main
sys.argv[0] = "slactl"
main()
"""
# slactl's lead table, then its secondary indexes (the unique one is in the table)
STORED_DDL = (
    "SELECT sql FROM sqlite_master WHERE tbl_name = 'lead' AND sql IS NOT NULL"
    " ORDER BY type = 'index', name"
)


def run(cmd: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None):  # type: ignore[no-untyped-def]
    """(wall s, CPU s, peak RSS MB) of one command, measured by /usr/bin/time."""
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%e %U %S %M", *cmd],
        env={**os.environ, **(env or {})},
        input=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    lines = proc.stderr.strip().splitlines()
    wall, user, system, rss = lines[-1].split()
    for line in lines[:-1]:
        print(f"    {line}", file=sys.stderr)
    return float(wall), float(user) + float(system), int(rss) / 1024


def main() -> None:
    if not (DATA / "leads.csv").exists() or not (DATA / "activities.csv").exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_data.py")], check=True)
    OUT.mkdir(exist_ok=True)
    leads, acts = DATA / "leads.csv", DATA / "activities.csv"
    env = {"SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    rows: list[tuple[str, float, float, float]] = []

    def step(name: str, cmd: list[str], **kw) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
        print(f"  {name} …", file=sys.stderr, flush=True)
        wall, cpu, rss = run(cmd, **kw)
        rows.append((name, wall, cpu, rss))
        return wall, cpu, rss

    sub = OUT / "leads-100k.csv"
    with open(leads) as src, open(sub, "w") as dst:
        for i, line in enumerate(src):
            if i > 100_000:
                break
            dst.write(line)
    su_db = OUT / "sqlite-utils.db"
    su_db.unlink(missing_ok=True)
    su = str(ROOT / ".venv" / "bin" / "sqlite-utils")
    wall, cpu, rss = run(
        [su, "insert", str(su_db), "lead", str(sub), "--csv", "--pk", "external_id"]
    )
    rows.append(("sqlite-utils insert --csv (100k rows, ×10)", wall * 10, cpu * 10, rss))
    t_su, c_su = wall * 10, cpu * 10
    db = OUT / "ledger.db"
    # the same import kept to one process (the file is not cut in halves)
    for p in OUT.glob("ledger.db*"):
        p.unlink()
    step(
        "slactl import 1M leads, new ledger, one process",
        [sys.executable, "-c", ONE_PROCESS, "--db", str(db), "import", str(leads)],
        env=env,
    )
    # the reference and the fresh import, side by side: PAIRS alternating runs of each, the
    # median of each judged (the machine's speed drifts by a third within minutes)
    ref_db = OUT / "reference.db"
    pairs: list[tuple[tuple[float, float, float], tuple[float, float, float]]] = []
    for i in range(PAIRS):
        print(f"  pair {i + 1} of {PAIRS}: the reference, then slactl …", file=sys.stderr)
        ref_db.unlink(missing_ok=True)
        ref = run(["sqlite3", str(ref_db)], stdin=REF_SQL.format(csv=leads))
        for p in OUT.glob("ledger.db*"):
            p.unlink()
        fresh = run([SLACTL, "--db", str(db), "import", str(leads)], env=env)
        pairs.append((ref, fresh))
    # (the times the medians, the peak memory the highest)
    t_ref, c_ref = (statistics.median(r[0][k] for r in pairs) for k in range(2))
    t_fresh, c_fresh = (statistics.median(r[1][k] for r in pairs) for k in range(2))
    m_ref, m_fresh = (max(r[j][2] for r in pairs) for j in range(2))
    rows.insert(
        0, (f"sqlite3 shell `.import` + unique index (1×; median of {PAIRS})", t_ref, c_ref, m_ref)
    )
    rows.append(
        (
            f"slactl import 1M leads, new ledger (two processes; median of {PAIRS})",
            t_fresh,
            c_fresh,
            m_fresh,
        )
    )
    side_by_side = ", ".join(
        f"{ref[0]:.1f} s / {fresh[0]:.1f} s ({fresh[0] / ref[0]:.2f}×)" for ref, fresh in pairs
    )
    # the floors: what loading takes with none of slactl's parsing, in Python and in C
    floor_db = OUT / "floor.db"
    floor_db.unlink(missing_ok=True)
    _, c_pyfloor, _ = step(
        "floor: Python `csv.reader` straight into `executemany`, the reference's table",
        [sys.executable, "-c", PY_FLOOR, str(leads), str(floor_db)],
    )
    stored = OUT / "stored.csv"
    with sqlite3.connect(db) as conn:
        ddl = [r[0] for r in conn.execute(STORED_DDL)]
        with open(stored, "w", newline="") as fh:
            csv.writer(fh).writerows(conn.execute("SELECT * FROM lead ORDER BY id"))
    conn.close()
    floor_db.unlink(missing_ok=True)
    _, c_cfloor, _ = step(
        "floor: the shell's `.import` of slactl's stored rows into slactl's lead table,"
        " then its 4 secondary indexes",
        ["sqlite3", str(floor_db)],
        stdin=f"{ddl[0]};\n.mode csv\n.import {stored} lead\n"
        + "".join(f"{x};\n" for x in ddl[1:]),
    )
    stored.unlink()
    floor_db.unlink()
    floors = [
        (
            "Python with no parsing (`csv.reader` into `executemany`, the reference's table)",
            f"{c_pyfloor / c_ref:.2f}× the shell",
        ),
        (
            "the shell itself loading slactl's already-converted rows into slactl's table and"
            " indexes",
            f"{c_cfloor / c_ref:.2f}× its own reference, {c_su / c_cfloor:.1f}× faster than"
            " sqlite-utils",
        ),
    ]
    t_again, c_again, m_again = step(
        "slactl import the same 1M leads again",
        [SLACTL, "--db", str(db), "import", str(leads)],
        env=env,
    )
    t_acts, c_acts, m_acts = step(
        "slactl import 5M activities", [SLACTL, "--db", str(db), "import", str(acts)], env=env
    )
    with sqlite3.connect(db) as conn:
        counts = [
            conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("lead", "event")
        ]
    conn.close()
    if "--pg" in sys.argv:
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as c:
            c.execute("DROP SCHEMA IF EXISTS bench CASCADE")
            c.execute("CREATE SCHEMA bench")
        url = "postgresql+psycopg://postgres@127.0.0.1/test?options=-csearch_path%3Dbench"
        step(
            "slactl import 1M leads into PostgreSQL",
            [SLACTL, "--db", url, "import", str(leads)],
            env=env,
        )

    table = [
        "| what | wall s | × `.import` | CPU s | × `.import` CPU | peak MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, wall, cpu, rss in rows:
        table.append(
            f"| {name} | {wall:.1f} | {wall / t_ref:.1f}× | {cpu:.1f} | {cpu / c_ref:.1f}×"
            f" | {rss:.0f} |"
        )
    print("\n".join(table))
    # judged on wall time, the time a user waits: the fresh import of a large file uses
    # both cores, so its CPU seconds (in the table beside it) exceed its wall time
    verdicts = [
        (
            "fresh import ≤ 2× the shell's `.import`",
            t_fresh <= 2 * t_ref,
            f"{t_fresh / t_ref:.2f}× (wall, the medians), {c_fresh / c_ref:.1f}× (CPU); the"
            f" {PAIRS} pairs, reference / slactl: {side_by_side}",
        ),
        (
            "≥ 10× faster than sqlite-utils",
            t_su >= 10 * t_fresh,
            f"{t_su / t_fresh:.1f}× (wall), {c_su / c_fresh:.1f}× (CPU)",
        ),
        (
            "re-import no slower than the fresh import",
            t_again <= t_fresh,
            f"{t_again:.1f} s vs {t_fresh:.1f} s wall ({c_again:.1f} s vs {c_fresh:.1f} s CPU)",
        ),
        (
            "5M activities under 90 s",
            t_acts < 90,
            f"{t_acts:.1f} s wall ({c_acts:.1f} s CPU)",
        ),
        (
            "peak memory under 300 MB",
            max(m_fresh, m_again, m_acts) < 300,
            f"{max(m_fresh, m_again, m_acts):.0f} MB",
        ),
    ]
    print()
    for what, ok, figure in verdicts:
        print(f"{'met    ' if ok else 'MISSED '} {what}: {figure}")
    print()
    for what, figure in floors:
        print(f"floor  {what}: {figure}")
    print(f"\nledger: {counts[0]:,} leads, {counts[1]:,} events")
    if "--no-docs" not in sys.argv:
        write_docs(table, verdicts, floors, counts)


def write_docs(
    table: list[str],
    verdicts: list[tuple[str, bool, str]],
    floors: list[tuple[str, str]],
    counts: list[int],
) -> None:
    """Replace the body of docs/performance.md's "## Import" section (other sections kept)."""
    load = os.getloadavg()[0]
    size = lambda p: (DATA / p).stat().st_size / 1e6  # noqa: E731
    body = [
        "## Import",
        "",
        "`bench/bench_import.py` on `bench/gen_data.py`'s data: 1,000,000 leads"
        f" ({size('leads.csv'):.0f} MB) and 5,000,000 activities ({size('activities.csv'):.0f} MB)"
        " over 2024, fifty reps, New York times with offsets. The reference (1×) is the"
        " `sqlite3` shell's `.import` of the same leads file into a table with the same"
        " columns, then the unique index on `external_id`; it and slactl's import of the file"
        f" into a new ledger are run {PAIRS} times each, in turn (reference, slactl, reference,"
        " …), and their medians are compared. `sqlite-utils insert --csv` is timed"
        " on the first 100,000 rows and multiplied by 10 (its full run takes over ten minutes)."
        f" Run {_dt.date.today().isoformat()} on {os.cpu_count()} cores, Python"
        f" {platform.python_version()}, SQLite {sqlite3.sqlite_version}, load average"
        f" {load:.1f} when it ended. The bars are judged on wall time, the time a user waits;"
        " CPU seconds (user + sys, the worker process included) are beside it: a large leads"
        " file into a new ledger is read on both cores, so there CPU exceeds wall. The"
        " resulting ledger holds"
        f" {counts[0]:,} leads and {counts[1]:,} events.",
        "",
        *table,
        "",
        "Against the issue's bars:",
        "",
        *(f"- {what}: {figure} — {'met' if ok else '**missed**'}" for what, ok, figure in verdicts),
        "",
        textwrap.fill(
            "The floors, measured in the same run (the two `floor:` rows above): what loading"
            " the file takes with none of slactl's work, neither parsing nor converting nor"
            " hashing:",
            width=90,
        ),
        "",
        *(f"- {what}: {figure}" for what, figure in floors),
        "",
        IMPORT_NOTES.strip(),
        "",
    ]
    body[2] = textwrap.fill(body[2], width=90)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    section = "\n".join(body) + "\n"  # ends in a blank line
    match = re.search(r"^## Import\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
    if match and match.end() < len(text):
        text = text[: match.start()] + section + text[match.end() :]
    elif match:
        text = text[: match.start()] + section.rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote the Import section of {DOC}")


IMPORT_NOTES = """
How a large leads file goes into a new ledger (`docs/import.md`): the ledger is created
from the head schema's snapshot, with 16 KiB pages, and loaded with a rollback journal;
the file is plain (no quote, NUL or lone CR), so it is read line by line; each batch of
5,000 lines is split in one go and converted a column at a time (cells stripped, emails
lowercased, scores as numbers, the two times to UTC with numpy, the `extra` JSON), hashed
(blake2b with the salt absorbed once) and bound with `executemany`, `""` and `NULLIF`
where a cell is to be NULL (never None, see below); the file is cut at its middle line,
the second half converted by a forked worker into a bare part table (which then hashes
the whole file for `import_run`) while this process loads the first half into the
ledger; the part is copied in by one `INSERT … SELECT` and the four secondary indexes are
built by SQLite with its sorter threads, while a thread has the pages written so far sent
to the disk (`fdatasync`), so that the commit finds little left to write. The `slactl`
command runs SQLite in multi-thread mode without memory statistics, and the cyclic
garbage collector is paused during the load.

What 2026-12-04 changed, each measured on its own (instruction counts by callgrind, which
do not move with the machine; wall times in alternating runs, which do, by a third):

- no None bound: Python's `sqlite3` passes each None it binds through its adapter
  protocol, which raises and clears an `AttributeError` inside, ~3,000 instructions a
  value; a lead batch had 2.4 a row (two unused parameters, the empty handoffs). Binding
  `""` with `NULLIF`: `executemany` 19% fewer instructions, a whole import 10% fewer.
- SQLite in multi-thread mode, memory statistics off (`ledger/sqlite_lib.py`): no mutex
  on each bind and each allocation; `executemany` 5.12 → 4.18 µs a row (best of six), a
  whole import 8% fewer instructions.
- the pages sent to the disk by a thread before the commit: the commit 0.56–0.71 s →
  0.05 s, the copy and the indexes no slower.
- Typer held below 0.29, whose per-parameter pydantic adapters cost ≈ 0.15 s of every
  command's start-up (the import's command line to its first read: 0.22 s → 0.07 s).
- the activities' new times converted a batch at a time with numpy: 14% fewer
  instructions a row (one 5M-activity run 102.6 s before, 90.8 s after, ten minutes
  apart); then a batch of plain lines converted a column at a time when all its rows
  pass the checks: 10% fewer again (84.5 s in one run). An activity, 73.8k → 53.5k
  instructions that day. And activities into a ledger with no events loaded with a
  rollback journal, as new leads are, instead of the WAL and its checkpoint (1M
  activities 14.8–16.3 s against 17.1–20.6 s, in alternating runs).

Together, instructions a lead of a 20,000-lead import in one process: 84.7k → 70.1k.
Alternating pairs with the reference (`/tmp` scripts, not the benchmark) went from 2.27×,
2.41× and 2.52× that morning to 1.73×, 1.83× and 2.32× after the changes — the machine's
own drift is as large as the change, which is why the benchmark now runs three pairs.

The bars are judged on wall time from this run on; the 2026-12-02 figures were judged on
CPU seconds, when the machine was shared and the import used one core. On CPU seconds (in
the table and the verdicts) the fresh-import bar is missed. The sqlite-utils reference itself
moves a lot between runs (79 s on 2026-12-02, 117–141 s on 2026-12-03 for the same 100,000
rows ×10), and with it the ratio: met here, with little room.

What bounds it is answered by the floors and the serial tail. With nothing parsed,
converted or hashed, Python's `csv.reader` feeding `executemany` already takes about 1.4×
the shell; the shell itself, in C, loading the very rows slactl stores into slactl's lead
table and then building its four secondary indexes (email, owner, clock start, creation
time: what `status`, `report` and the logging commands select by) takes about 2× its own
reference. What must follow both halves in the one process that writes the ledger — the
copy of the second half, the four indexes, the commit — takes ≈ 2.5–4 s, most of the
reference's whole time, while the other core has nothing to do: SQLite lets one
connection build one index at a time, and an index cannot be built in another file and
moved in (the transfer of a table with its indexes works only into an empty table). So
the 2× bar needs the two halves themselves under about the reference's time; with both
cores busy each half runs ≈ 1.4× slower than alone (the two virtual cores share one
machine), so it is met on some runs and missed on others.

A ledger that has no leads yet is loaded with a rollback journal instead of the WAL
(2026-12-02; activities into one with no events since 2026-12-04): in WAL mode every page
of the new file was written twice, into the WAL and by its checkpoint into the file.
Leaving WAL mode needs the file to itself, so with another connection open the import
keeps the WAL; the file is back in WAL mode when the import ends, and a killed import is
undone from the journal by the next connection (tested, with the two-process path: the
worker, orphaned, removes its part file).

Tried and not kept: (2026-12-03, later) each batch as one `INSERT … SELECT … FROM (VALUES
(…), …)` statement with its cells as SQL literals, made by string replacement on the whole
block (no Python object per cell): SQLite 3.40 parses and compiles such a statement at
10–16 µs a row, 2–3× the cost of binding; the conversion done by SQL expressions (`lower`,
`datetime`, the JSON by concatenation) in the INSERT instead of in Python: ≈ 20% less in
one isolated run against the old column path, but the checks it needs first (an ASCII
batch for SQLite's `lower`, no cell to strip) cost as much again with Python's `re`; a
smaller page cache for the load (8 MiB): the same time within the noise, 55 MB less
memory. (Earlier on 2026-12-03) a batch bound as one JSON text and split by SQLite
(`json_each` and `->>`): 2.5× slower than splitting in Python and binding, since SQLite
3.40 parses the row's JSON again for every field. (2026-12-02) staging each row nearly raw
in a TEMP table and converting a batch with one `INSERT … SELECT` in SQL: 14% less CPU at
the time, for a second conversion path of 250 lines.

A re-import of a plain file (2026-12-03) hashes each line as it is and cuts only its
external id from it; the lines whose hash the ledger has are counted unchanged unsplit (1M
unchanged leads: 7.8–8.6 s with the code of that morning, 6.0–6.3 s after, three
alternating pairs on a 16 KiB-page ledger). The activities are read by the same line
reader (`csv.reader` for files that are not plain). The activities: per row the checks,
the time to UTC (remembered: an export repeats its times; on SQLite the new times of a
batch converted together with numpy), the content key (blake2b), and
a 7-parameter `executemany` into a table with a unique index on that key; leads are
looked up by batch of 5,000 ids, and the two secondary indexes of a new event table are
built at the end, since the evening of 2026-12-03 with SQLite's sorter threads and a 4 MiB
cache as the lead indexes are (6.8 s against 12.7 s for the two, alone; the whole import
90.3 s against 94.5 s, and 194 MB against 250 MB at its peak, one pair of runs in a slow
hour). The key starts with the UTC time, so that a time-sorted export grows the
unique index at its end instead of all over it. A re-import hashes each row and looks the
hashes up by batch: unchanged rows are never parsed.

Peak memory is SQLite's 64 MiB page cache, about 60 MB of Python and libraries, a batch of
rows, and at most 50,000 remembered times; it does not grow with the file. The indexes are
built with a 4 MiB cache, in runs SQLite's sorter threads merge.
"""


if __name__ == "__main__":
    main()
