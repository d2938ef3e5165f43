"""Benchmark: importing 1M leads and 5M activities, side by side with the references.

    .venv/bin/python bench/bench_import.py [--pg]

References: the sqlite3 shell's `.import` into a table with the same columns, then the
unique index on external_id (its fastest way: load, then index); `sqlite-utils insert
--csv` on the first 100,000 rows, scaled by 10. Leaves bench/out/ledger.db for
bench_report.py. With --pg, also the 1M leads into PostgreSQL (database test).
"""

from __future__ import annotations

import sys

from _run import DATA, OUT, ROOT, SLACTL, ensure_data, run

REF_SQL = """
CREATE TABLE lead (external_id TEXT, email TEXT, first_name TEXT, last_name TEXT,
  company TEXT, phone TEXT, source TEXT, segment TEXT, owner TEXT, score TEXT,
  created_at TEXT, handed_off_at TEXT, status TEXT, industry TEXT);
.mode csv
.import --skip 1 {csv} lead
CREATE UNIQUE INDEX ix_external_id ON lead(external_id);
"""


def main() -> None:
    ensure_data()
    leads, acts = DATA / "leads.csv", DATA / "activities.csv"
    env = {"SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    rows = []
    ref_db = OUT / "reference.db"
    ref_db.unlink(missing_ok=True)
    t_ref, m_ref = run(["sqlite3", str(ref_db)], stdin=REF_SQL.format(csv=leads))
    rows.append(("sqlite3 shell .import + unique index (1x)", t_ref, m_ref))
    sub = OUT / "leads-100k.csv"
    with open(leads) as src, open(sub, "w") as dst:
        for i, line in enumerate(src):
            if i > 100_000:
                break
            dst.write(line)
    su_db = OUT / "sqlite-utils.db"
    su_db.unlink(missing_ok=True)
    t_su, m_su = run(
        [
            str(ROOT / ".venv" / "bin" / "sqlite-utils"),
            "insert",
            str(su_db),
            "lead",
            str(sub),
            "--csv",
            "--pk",
            "external_id",
        ]
    )
    rows.append(("sqlite-utils insert --csv (100k rows x 10)", t_su * 10, m_su))
    db = OUT / "ledger.db"
    for p in OUT.glob("ledger.db*"):
        p.unlink()
    t_fresh, m_fresh = run([SLACTL, "--db", str(db), "import", str(leads)], env=env)
    rows.append(("slactl import leads (fresh ledger)", t_fresh, m_fresh))
    t_again, m_again = run([SLACTL, "--db", str(db), "import", str(leads)], env=env)
    rows.append(("slactl import leads again (nothing changed)", t_again, m_again))
    t_acts, m_acts = run([SLACTL, "--db", str(db), "import", str(acts)], env=env)
    rows.append(("slactl import 5M activities", t_acts, m_acts))
    if "--pg" in sys.argv:
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as c:
            c.execute("DROP SCHEMA IF EXISTS bench CASCADE")
            c.execute("CREATE SCHEMA bench")
        url = "postgresql+psycopg://postgres@127.0.0.1/test?options=-csearch_path%3Dbench"
        t_pg, m_pg = run([SLACTL, "--db", url, "import", str(leads)], env=env)
        rows.append(("slactl import leads into PostgreSQL", t_pg, m_pg))
    print("| what | seconds | x sqlite3 .import | peak MB |")
    print("|---|---:|---:|---:|")
    for name, t, m in rows:
        print(f"| {name} | {t:.1f} | {t / t_ref:.1f}x | {m:.0f} |")
    print(f"\nslactl vs sqlite-utils: {t_su * 10 / t_fresh:.1f}x faster")


if __name__ == "__main__":
    main()
