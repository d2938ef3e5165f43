"""Migrations from the first schema with data in it; db status / upgrade through the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, select, text
from typer.testing import CliRunner

from slactl.cli import app
from slactl.ledger.engine import make_engine, open_ledger, upgrade
from slactl.ledger.models import Lead

ROOT = Path(__file__).resolve().parents[2]


def at(engine, iso: str):  # type: ignore[no-untyped-def]
    """A time as the 0001 schema stores it on this engine."""
    value = datetime.fromisoformat(iso).replace(tzinfo=UTC)
    return value if engine.dialect.name == "postgresql" else value.strftime("%Y-%m-%d %H:%M:%S")


def test_0002_fills_clock_starts_from_handoffs_and_reps(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        for ext, owner, handed in (("L-1", "alice", "2024-05-03 15:00"), ("L-2", "bob", None)):
            conn.execute(
                text(
                    "INSERT INTO lead (external_id, owner, created_at, handed_off_at, recorded_at)"
                    " VALUES (:e, :o, :c, :h, :c)"
                ),
                {
                    "e": ext,
                    "o": owner,
                    "c": at(engine, "2024-05-03 14:00"),
                    "h": at(engine, handed) if handed else None,
                },
            )
        conn.execute(
            text("INSERT INTO lead (external_id, created_at, recorded_at) VALUES ('L-3', :c, :c)"),
            {"c": at(engine, "2024-05-03 14:00")},
        )
        for n, (lead, kind, rep, when) in enumerate(
            (
                ("L-2", "handoff", "dana", "2024-05-06 13:00"),
                ("L-2", "handoff", "dana", "2024-05-04 13:00"),
                ("L-1", "handoff", "dana", "2024-05-02 13:00"),
                ("L-3", "call", "erin", "2024-05-05 13:00"),
            )
        ):
            conn.execute(
                text(
                    "INSERT INTO event (lead_id, kind, at, rep, origin, dedupe_key, recorded_at)"
                    " SELECT id, :k, :t, :r, 'cli', :d, :t FROM lead WHERE external_id = :l"
                ),
                {"l": lead, "k": kind, "t": at(engine, when), "r": rep, "d": f"k{n}"},
            )
    engine.dispose()
    engine = make_engine(ledger_url)
    upgrade(engine)
    lead = Lead.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        starts = dict(conn.execute(select(lead.external_id, lead.clock_start_at)).all())
        reps = conn.execute(text("SELECT name FROM rep ORDER BY name")).scalars().all()
        events = conn.execute(text("SELECT COUNT(*) FROM event")).scalar()
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("lead")}
    engine.dispose()
    assert starts == {
        "L-1": datetime(2024, 5, 3, 15, 0, tzinfo=UTC),  # handed_off_at wins over the event
        "L-2": datetime(2024, 5, 4, 13, 0, tzinfo=UTC),  # the earliest handoff event
        "L-3": datetime(2024, 5, 3, 14, 0, tzinfo=UTC),  # created_at
    }
    assert reps == ["alice", "bob", "dana", "erin"]
    assert events == 4
    assert "ix_lead_clock_start_at" in indexes
    # the upgraded ledger takes imports like a new one
    engine = open_ledger(ledger_url)
    from slactl.ledger.ingest.pipeline import import_csv

    s = import_csv(engine, ROOT / "examples" / "leads.csv", now=datetime(2024, 6, 1, tzinfo=UTC))
    engine.dispose()
    assert (s.inserted, s.rejected) == (172, 0)


def cli(db: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", str(db), *args])


def test_db_status_and_upgrade_messages(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    engine = make_engine(str(db))
    upgrade(engine, "0001")
    engine.dispose()
    r = cli(db, "db", "status")
    assert r.exit_code == 2
    assert r.stdout == f"ledger: sqlite:///{db}\nschema: 0001 (current 0013)\n" + "".join(
        f"{t}: 0\n" for t in ("lead", "event", "lead_change", "import_run")
    )
    assert r.stderr == "Error: the ledger needs 'slactl db upgrade'\n"
    r = cli(db, "import", str(ROOT / "examples" / "leads.csv"))
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: the ledger sqlite:///{db} is at an older schema (0001, current 0013):"
        " run 'slactl db upgrade' (SQLite files are backed up first)\n"
    )
    r = cli(db, "db", "upgrade")
    assert r.exit_code == 0
    assert r.stderr == (f"backed up to {db}.0001.bak\nupgraded the ledger from 0001 to 0013\n")
    r = cli(db, "db", "upgrade")
    assert (r.exit_code, r.stderr) == (0, "the ledger is already at the current schema (0013)\n")
    assert cli(db, "import", str(ROOT / "examples" / "leads.csv")).exit_code == 0
    r = cli(db, "db", "status")
    assert r.exit_code == 0
    assert r.stdout == (
        f"ledger: sqlite:///{db}\nschema: 0013 (current 0013)\n"
        "lead: 172\nevent: 0\nlead_change: 0\nimport_run: 1\n"
    )


def test_db_status_of_a_missing_file_leaves_no_file_behind(tmp_path: Path) -> None:
    db = tmp_path / "typo.db"
    r = cli(db, "db", "status")
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        f"ledger: sqlite:///{db}\n"
        "schema: none (current 0013): no such file yet; import or log creates it\n"
    )
    assert not db.exists()


def test_newer_ledger_refused_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    engine = open_ledger(str(db))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0042'"))
    engine.dispose()
    r = cli(db, "import", str(ROOT / "examples" / "leads.csv"))
    assert (r.exit_code, r.stderr) == (
        2,
        f"Error: the ledger sqlite:///{db} was written by a newer slactl (schema 0042):"
        " upgrade slactl to use it\n",
    )


def test_a_migrated_ledger_has_the_indexes_of_a_new_one(tmp_path: Path) -> None:
    def shape(engine):  # type: ignore[no-untyped-def]
        with engine.connect() as conn:
            insp = inspect(conn)
            return {
                t: sorted((ix["name"], tuple(ix["column_names"])) for ix in insp.get_indexes(t))
                for t in ("lead", "event", "lead_change", "import_run", "rep")
            }

    old = make_engine(str(tmp_path / "old.db"))
    upgrade(old, "0001")
    upgrade(old)
    new = open_ledger(str(tmp_path / "new.db"))
    assert shape(old) == shape(new)
    assert ("ix_lead_created_at", ("created_at",)) in shape(new)["lead"]
    old.dispose()
    new.dispose()


def test_the_head_schema_snapshot_is_what_the_migrations_build(tmp_path: Path) -> None:
    from slactl.ledger.engine import migrated_schema
    from slactl.ledger.revision import HEAD_REVISION
    from slactl.ledger.schema import HEAD_SCHEMA, SNAPSHOT_REVISION

    assert SNAPSHOT_REVISION == HEAD_REVISION, "run: python -m slactl.ledger.schema"
    assert list(HEAD_SCHEMA) == migrated_schema(), "run: python -m slactl.ledger.schema"


def test_a_new_sqlite_ledger_is_the_migrated_one(tmp_path: Path) -> None:
    import sqlite3

    def master(path: Path) -> list[tuple[str, str, str, str | None]]:
        conn = sqlite3.connect(path)
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        stamped = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        conn.close()
        return sorted(rows, key=lambda r: r[1]) + stamped

    migrated = make_engine(str(tmp_path / "migrated.db"))
    upgrade(migrated)
    migrated.dispose()
    new = open_ledger(str(tmp_path / "new.db"))  # created from the snapshot
    new.dispose()
    assert master(tmp_path / "new.db") == master(tmp_path / "migrated.db")
    # and it takes an import like any ledger
    r = cli(tmp_path / "new.db", "import", str(ROOT / "examples" / "leads.csv"))
    assert r.exit_code == 0, r.output


def test_a_ledger_created_meanwhile_is_left_to_alembic(tmp_path: Path) -> None:
    import sqlite3

    from slactl.ledger.schema import create_at_head

    db = tmp_path / "l.db"
    open_ledger(str(db)).dispose()
    conn = sqlite3.connect(db, isolation_level=None)
    assert create_at_head(conn) is False  # it holds tables: nothing done
    assert conn.execute("SELECT COUNT(*) FROM alembic_version").fetchone() == (1,)
    conn.close()


def test_0004_rekeys_events_by_lead_kind_time_and_rep(ledger_url: str) -> None:
    """The same touch stored twice under the old keys (its note edited, its rep spelt
    another way) keeps both rows: the first takes the new key, the second its old one."""
    from slactl.ledger.record import event_key

    engine = make_engine(ledger_url)
    upgrade(engine, "0003")
    when = at(engine, "2024-05-03 14:00")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO lead (external_id, created_at, clock_start_at, recorded_at)"
                " VALUES ('L-1', :t, :t, :t)"
            ),
            {"t": when},
        )
        for key, rep, note in (("old-1", "Alice", "first"), ("old-2", "alice", "edited")):
            conn.execute(
                text(
                    "INSERT INTO event (lead_id, kind, at, rep, note, origin, dedupe_key,"
                    " recorded_at) SELECT id, 'call', :t, :r, :n, 'import', :k, :t FROM lead"
                ),
                {"t": when, "r": rep, "n": note, "k": key},
            )
    upgrade(engine)
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT dedupe_key FROM event ORDER BY id")).scalars().all()
        lead_id = conn.execute(text("SELECT id FROM lead")).scalar()
    engine.dispose()
    assert keys == [event_key(lead_id, "call", "alice", "2024-05-03 14:00:00"), "old-2"]
