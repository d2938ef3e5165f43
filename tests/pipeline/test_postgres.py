"""Opportunities on PostgreSQL (SPEC 9): the import's staging and merge on the server
(``COPY`` through ADBC), a re-import's history, the same report as SQLite, and
``slactl db copy`` carrying both tables there and back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.pipeline.scenario import report, run, setup


def test_import_report_and_copy_round_trip(tmp_path: Path, pg_url: str) -> None:
    env = setup(tmp_path)
    assert run(env, "import", str(tmp_path / "opps.csv")).returncode == 0
    on_sqlite = report(env)
    copied = run(env, "db", "copy", "--to", pg_url)
    assert copied.returncode == 0, copied.stderr
    pg = {**env, "SLACTL_DB": pg_url}
    assert report(pg) == on_sqlite
    # a re-import on the server: the same file changes nothing, a moved stage is recorded
    again = run(pg, "import", str(tmp_path / "opps.csv"))
    assert again.stderr.splitlines()[0] == (
        "imported opps.csv (opportunities, generic): 4 read, 0 inserted, 0 updated,"
        " 3 unchanged, 1 rejected"
    )
    moved = tmp_path / "opps2.csv"
    moved.write_text(
        "id,lead,created_at,amount,currency,stage,closed_at,won\n"
        "O-2,L-1,2024-05-15T10:00-04:00,6000,USD,Closed Won,2024-05-30T15:00-04:00,true\n"
        "O-9,bo@b.example,2024-05-20T10:00-04:00,1000,USD,Prospecting,,\n"
    )
    r = run(pg, "import", str(moved))
    assert r.stderr.splitlines()[0] == (
        "imported opps2.csv (opportunities, generic): 2 read, 1 inserted, 1 updated,"
        " 0 unchanged, 0 rejected"
    )
    doc = report(pg)
    assert (doc["funnel"]["pipeline"], doc["funnel"]["won"]) == (25000, 2)
    back = tmp_path / "back.db"
    r = run(pg, "db", "copy", "--to", str(back))
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(back) as conn:
        changes = list(
            conn.execute("SELECT field, old_value, new_value FROM opportunity_change ORDER BY id")
        )
        opps = list(conn.execute("SELECT external_id, amount, won FROM opportunity ORDER BY id"))
    assert changes == [
        ("amount", "5000.0", "6000.0"),
        ("stage", "Negotiation", "Closed Won"),
        ("closed_at", None, "2024-05-30 19:00:00"),
        ("won", None, "true"),
    ]
    assert opps == [
        ("O-1", 10000.0, 1),
        ("O-2", 6000.0, 1),
        ("O-3", 8000.0, 0),
        ("O-9", 1000.0, None),
    ]
    assert report({**env, "SLACTL_DB": str(back)}) == doc


def test_a_first_import_on_the_server_gives_the_same_report(tmp_path: Path, pg_url: str) -> None:
    """The first load into an empty table (each lead found by an Arrow lookup, the batch
    appended through COPY) and the SQLite ledger's report agree."""
    env = setup(tmp_path)
    pg = {**env, "SLACTL_DB": pg_url}
    for name in ("leads.csv", "activities.csv", "opps.csv"):
        assert run(pg, "import", str(tmp_path / name)).returncode == 0
    assert run(env, "import", str(tmp_path / "opps.csv")).returncode == 0
    assert report(pg) == report(env)
