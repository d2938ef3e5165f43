"""Benchmark: importing 1M leads and 5M activities, side by side with the C references.

    .venv/bin/python bench/bench_import.py [--pg] [--no-docs] [--leads N --activities M]

Each figure is a subprocess timed by `os.wait4` (wall, CPU, peak RSS); each bar is
judged on the medians of alternating pairs (reference, slactl, reference, …), since the
machine's speed drifts within minutes:

- 1M generic leads into a new SQLite ledger against the `sqlite3` shell's `.import` of
  the same file into a table with the same columns plus the unique index on external_id;
- the same file again (nothing changed), and a copy with 1 % of its rows changed, against
  the same shell reference;
- 5M activities against the shell's `.import` of the same file plus an index on the
  activity's identity and the two the ledger keeps;
- with --pg, 1M leads into PostgreSQL against `psql -c "\\copy …"` of the same file plus
  the unique index.

Leaves bench/out/ledger.db for bench_report.py. With --leads/--activities, a smaller data
set is generated in bench/data-N/ (the full one takes many minutes on a shared machine).
Prints a Markdown table and rewrites the "## Import" section of docs/performance.md
(unless --no-docs).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

from _run import DOC, timed, write_section

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SLACTL = str(ROOT / ".venv" / "bin" / "slactl")
PAIRS = 3
PG = "host=127.0.0.1 user=postgres dbname=test"
SCHEMA = os.environ.get("SLACTL_BENCH_SCHEMA", "bench")  # (one per engineer on a shared server)
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1/test?options=-csearch_path%3D{SCHEMA}"
LEAD_COLUMNS = (
    "external_id TEXT, email TEXT, first_name TEXT, last_name TEXT, company TEXT, phone TEXT,"
    " title TEXT, source TEXT, segment TEXT, owner TEXT, score TEXT, created_at TEXT,"
    " handed_off_at TEXT, status TEXT, industry TEXT"
)
SHELL_LEADS = f"""
CREATE TABLE lead ({LEAD_COLUMNS});
.mode csv
.import --skip 1 {{csv}} lead
CREATE UNIQUE INDEX ix_external_id ON lead(external_id);
"""
SHELL_ACTIVITIES = """
CREATE TABLE event (lead TEXT, kind TEXT, rep TEXT, at TEXT, outcome TEXT, note TEXT);
.mode csv
.import --skip 1 {csv} event
CREATE INDEX ix_identity ON event(at, kind, rep, lead);
CREATE INDEX ix_lead_at_kind ON event(lead, at, kind);
CREATE INDEX ix_kind_at ON event(kind, at);
"""
PSQL_LEADS = f"""
DROP SCHEMA IF EXISTS {SCHEMA}_ref CASCADE;
CREATE SCHEMA {SCHEMA}_ref;
CREATE TABLE {SCHEMA}_ref.lead ({LEAD_COLUMNS});
\\copy {SCHEMA}_ref.lead FROM '{{csv}}' CSV HEADER
CREATE UNIQUE INDEX ix_external_id ON {SCHEMA}_ref.lead(external_id);
"""


def run(cmd: list[str], *, stdin: str | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one command, under the bundled agreements."""
    return timed(cmd, env={"SLACTL_AGREEMENTS": str(ROOT / "agreements")}, stdin=stdin)


def fresh(path: Path) -> Path:
    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    return path


def changed_copy(leads: Path, target: Path) -> Path:
    """The leads file with the score of every hundredth row changed."""
    with open(leads) as src, open(target, "w") as dst:
        dst.write(next(src))
        for i, line in enumerate(src):
            if i % 100 == 0:
                cells = line.split(",")
                cells[10] = str(int(cells[10]) + 1)
                line = ",".join(cells)
            dst.write(line)
    return target


def pg_reset() -> None:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as c:
        c.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        c.execute(f"CREATE SCHEMA {SCHEMA}")


_OPTIONS = ("--pg", "--no-docs", "--leads", "--activities")


def main() -> None:
    unknown = [a for a in sys.argv[1:] if a.startswith("-") and a not in _OPTIONS]
    if unknown:  # --help among them: say how to run, rather than run for many minutes
        sys.exit(__doc__ if unknown == ["--help"] else f"unknown option {unknown[0]}\n{__doc__}")
    n_leads = int(sys.argv[sys.argv.index("--leads") + 1]) if "--leads" in sys.argv else 0
    n_acts = int(sys.argv[sys.argv.index("--activities") + 1]) if "--activities" in sys.argv else 0
    data = ROOT / "bench" / (f"data-{n_leads}" if n_leads else "data")
    leads, acts = data / "leads.csv", data / "activities.csv"
    if not leads.exists() or not acts.exists():
        counts = [str(n_leads or 1_000_000), str(n_acts or 5_000_000), str(data)]
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_data.py"), *counts], check=True)
    OUT.mkdir(exist_ok=True)
    db, ref_db = OUT / "ledger.db", OUT / "reference.db"
    changed = changed_copy(leads, OUT / "leads-1pct-changed.csv")
    runs: dict[str, list[tuple[float, float, float]]] = {}

    def step(name: str, cmd: list[str], stdin: str | None = None) -> None:
        print(f"  {name} …", file=sys.stderr, flush=True)
        runs.setdefault(name, []).append(run(cmd, stdin=stdin))

    for i in range(PAIRS):
        print(f"pair {i + 1} of {PAIRS}", file=sys.stderr)
        fresh(ref_db)
        step("shell", ["sqlite3", str(ref_db)], SHELL_LEADS.format(csv=leads))
        fresh(db)
        step("first load", [SLACTL, "--db", str(db), "import", str(leads)])
        step("again", [SLACTL, "--db", str(db), "import", str(leads)])
        step("1% changed", [SLACTL, "--db", str(db), "import", str(changed)])
    fresh(db)
    step("first load (for the activities)", [SLACTL, "--db", str(db), "import", str(leads)])
    fresh(ref_db)
    step("shell activities", ["sqlite3", str(ref_db)], SHELL_ACTIVITIES.format(csv=acts))
    step("activities", [SLACTL, "--db", str(db), "import", str(acts)])
    if "--pg" in sys.argv:
        for _ in range(2):
            step("psql", ["psql", PG, "-q"], PSQL_LEADS.format(csv=leads))
            pg_reset()
            step("postgresql", [SLACTL, "--db", PG_URL, "import", str(leads)])
    with sqlite3.connect(db) as conn:
        totals = [
            conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("lead", "event")
        ]
    conn.close()
    report(runs, leads, acts, totals)


def report(
    runs: dict[str, list[tuple[float, float, float]]], leads: Path, acts: Path, totals: list[int]
) -> None:
    def med(name: str, k: int = 0) -> float:
        return statistics.median(r[k] for r in runs[name])

    peak = {name: max(r[2] for r in rs) for name, rs in runs.items()}
    shell = med("shell")
    pairs = ", ".join(
        f"{s[0]:.1f} s / {f[0]:.1f} s ({f[0] / s[0]:.2f}×)"
        for s, f in zip(runs["shell"], runs["first load"], strict=False)
    )
    table = [
        "| what | wall s (median) | × reference | CPU s | peak MB | runs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    refs = {"activities": "shell activities", "postgresql": "psql"}
    for name in runs:
        base = med(refs.get(name, "shell" if name not in refs.values() else name))
        table.append(
            f"| {name} | {med(name):.1f} | {med(name) / base:.2f}× | {med(name, 1):.1f}"
            f" | {peak[name]:.0f} | {len(runs[name])} |"
        )
    verdicts = [
        ("first load ≤ 1.3× the shell", med("first load") / shell, 1.3, f"pairs {pairs}"),
        ("peak memory < 300 MB", max(peak.values()) / 300, 1.0, f"{max(peak.values()):.0f} MB"),
        ("re-import, nothing changed, ≤ 0.8× the shell", med("again") / shell, 0.8, ""),
        (
            "1 % changed within 1.2× of the unchanged re-import",
            med("1% changed") / med("again") / 1.2,
            1.0,
            f"{med('1% changed') / med('again'):.2f}× of it",
        ),
        (
            "activities ≤ 3× the shell's `.import` + indexes",
            med("activities") / med("shell activities"),
            3.0,
            "",
        ),
    ]
    if "postgresql" in runs:
        verdicts.append(
            ("PostgreSQL ≤ 2× `\\copy` + unique index", med("postgresql") / med("psql"), 2.0, "")
        )
    lines = [
        f"- {what}: {ratio:.2f}{'' if 'memory' in what or '1 %' in what else '×'}"
        f"{' (' + note + ')' if note else ''} — {'met' if ratio <= bar else '**missed**'}"
        for what, ratio, bar, note in verdicts
    ]
    print("\n".join(table + [""] + lines))
    if "--no-docs" not in sys.argv:
        write_docs(table, lines, leads, acts, totals)


def write_docs(
    table: list[str], lines: list[str], leads: Path, acts: Path, totals: list[int]
) -> None:
    """Replace the head of docs/performance.md's "## Import" section (its dated subsections
    and the other sections kept)."""
    mb = lambda p: p.stat().st_size / 1e6  # noqa: E731
    body = "\n".join(
        [
            "## Import",
            "",
            f"`bench/bench_import.py`, run {_dt.date.today().isoformat()} on {os.cpu_count()}"
            f" cores (load average {os.getloadavg()[0]:.1f} at the end), Python"
            f" {platform.python_version()}: {totals[0]:,} leads ({mb(leads):.0f} MB) and"
            f" {totals[1]:,} events from {mb(acts):.0f} MB of activities. Medians of"
            f" {PAIRS} alternating pairs for the leads; the activities and PostgreSQL fewer.",
            "",
            *table,
            "",
            *lines,
            "",
            IMPORT_NOTES.strip(),
            "",
        ]
    )
    write_section("Import", body)
    print(f"wrote the Import section of {DOC}")


IMPORT_NOTES = """
How the import works is in docs/import.md. Where the time goes, and why some bars are
missed, is written up by hand below the table after each run that changes it.
"""


if __name__ == "__main__":
    main()
