"""The SQLite schema at the head revision, as the migrations leave it.

A new SQLite ledger is created from these statements in one transaction instead of by
running every migration through Alembic: the same tables and indexes, byte for byte in
``sqlite_master`` (a test holds the two to each other), in about a millisecond instead of
half a second of importing Alembic and the ORM and replaying history. PostgreSQL ledgers
and upgrades still go through Alembic.

After a new migration, print the new snapshot with ``python -m slactl.ledger.schema``
and paste it below (the test says so when they differ).
"""

from __future__ import annotations

import sqlite3

from slactl.ledger.revision import HEAD_REVISION

# (the revision these statements are, then sqlite_master's sql of every table and index)
SNAPSHOT_REVISION = "0013"
HEAD_SCHEMA: tuple[str, ...] = (
    "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)",
    "CREATE TABLE event (\n\tid INTEGER NOT NULL, \n\tlead_id INTEGER, \n\tkind TEXT NOT NULL, \n\tat VARCHAR(32) NOT NULL, \n\trep TEXT, \n\toutcome TEXT, \n\tnote TEXT, \n\torigin TEXT NOT NULL, \n\tdedupe_key TEXT NOT NULL, \n\trecorded_at VARCHAR(32) NOT NULL, reason TEXT, duration FLOAT, from_rep TEXT, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(lead_id) REFERENCES lead (id), \n\tUNIQUE (dedupe_key)\n)",
    "CREATE TABLE import_run (\n\tid INTEGER NOT NULL, \n\tpath TEXT NOT NULL, \n\tsha256 TEXT NOT NULL, \n\tkind TEXT NOT NULL, \n\tpreset TEXT NOT NULL, \n\tstarted_at VARCHAR(32) NOT NULL, \n\tfinished_at VARCHAR(32), \n\trows_read INTEGER DEFAULT '0' NOT NULL, \n\tinserted INTEGER DEFAULT '0' NOT NULL, \n\tupdated INTEGER DEFAULT '0' NOT NULL, \n\tunchanged INTEGER DEFAULT '0' NOT NULL, \n\trejected INTEGER DEFAULT '0' NOT NULL, \n\tPRIMARY KEY (id)\n)",
    'CREATE TABLE "lead" (\n\tid INTEGER NOT NULL, \n\texternal_id TEXT NOT NULL, \n\temail TEXT, \n\tfirst_name TEXT, \n\tlast_name TEXT, \n\tcompany TEXT, \n\tphone TEXT, \n\ttitle TEXT, \n\tsource TEXT, \n\tsegment TEXT, \n\towner TEXT, \n\tscore FLOAT, \n\tcreated_at VARCHAR(32) NOT NULL, \n\thanded_off_at VARCHAR(32), \n\tstatus TEXT, \n\textra TEXT, \n\trow_hash TEXT, \n\trecorded_at VARCHAR(32) NOT NULL, \n\tclock_start_at VARCHAR(32) NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (external_id)\n)',
    "CREATE TABLE lead_change (\n\tid INTEGER NOT NULL, \n\tlead_id INTEGER NOT NULL, \n\timport_id INTEGER, \n\tfield TEXT NOT NULL, \n\told_value TEXT, \n\tnew_value TEXT, \n\trecorded_at VARCHAR(32) NOT NULL, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(lead_id) REFERENCES lead (id), \n\tFOREIGN KEY(import_id) REFERENCES import_run (id)\n)",
    "CREATE TABLE notification (\n\tid INTEGER NOT NULL, \n\tlead TEXT NOT NULL, \n\tcommitment TEXT NOT NULL, \n\tcycle INTEGER NOT NULL, \n\tkind TEXT NOT NULL, \n\tstep INTEGER NOT NULL, \n\trecipient TEXT NOT NULL, \n\tchannel TEXT NOT NULL, \n\tstatus TEXT NOT NULL, \n\tattempts INTEGER NOT NULL, \n\tdeadline VARCHAR(32) NOT NULL, \n\tfirst_tried_at VARCHAR(32) NOT NULL, \n\tlast_tried_at VARCHAR(32) NOT NULL, \n\tsent_at VARCHAR(32), \n\terror TEXT, \n\tPRIMARY KEY (id), \n\tCONSTRAINT uq_notification_send UNIQUE (lead, commitment, cycle, kind, step, recipient, channel)\n)",
    "CREATE TABLE notify_watch (\n\tlead TEXT NOT NULL, \n\tfingerprint TEXT NOT NULL, \n\tas_of VARCHAR(32) NOT NULL, \n\tnext_at VARCHAR(32), \n\tevent_high INTEGER NOT NULL, \n\tchange_high INTEGER NOT NULL, \n\tPRIMARY KEY (lead)\n)",
    "CREATE TABLE opportunity (\n\tid INTEGER NOT NULL, \n\texternal_id TEXT NOT NULL, \n\tlead_id INTEGER NOT NULL, \n\tcreated_at VARCHAR(32) NOT NULL, \n\tamount FLOAT, \n\tcurrency TEXT, \n\tstage TEXT, \n\tclosed_at VARCHAR(32), \n\twon BOOLEAN, \n\trecorded_at VARCHAR(32) NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (external_id), \n\tFOREIGN KEY(lead_id) REFERENCES lead (id)\n)",
    "CREATE TABLE opportunity_change (\n\tid INTEGER NOT NULL, \n\topportunity_id INTEGER NOT NULL, \n\timport_id INTEGER, \n\tfield TEXT NOT NULL, \n\told_value TEXT, \n\tnew_value TEXT, \n\trecorded_at VARCHAR(32) NOT NULL, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(opportunity_id) REFERENCES opportunity (id), \n\tFOREIGN KEY(import_id) REFERENCES import_run (id)\n)",
    "CREATE TABLE published_period (\n\tid INTEGER NOT NULL, \n\tlabel TEXT NOT NULL, \n\tperiod_start TEXT NOT NULL, \n\tperiod_end TEXT NOT NULL, \n\tagreement TEXT NOT NULL, \n\ttitle TEXT NOT NULL, \n\tas_of VARCHAR(32) NOT NULL, \n\tpublished_at VARCHAR(32) NOT NULL, \n\tpublished_by TEXT NOT NULL, \n\treport_json TEXT NOT NULL, \n\tevent_high INTEGER NOT NULL, \n\tchange_high INTEGER NOT NULL, \n\timport_high INTEGER NOT NULL, \n\tPRIMARY KEY (id)\n)",
    "CREATE TABLE rep (\n\tid INTEGER NOT NULL, \n\tname TEXT NOT NULL, \n\temail TEXT, \n\tfirst_seen_at VARCHAR(32) NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (name)\n)",
    "CREATE TABLE trend_period (\n\tscope TEXT NOT NULL, \n\tperiod_start TEXT NOT NULL, \n\tperiod_end TEXT NOT NULL, \n\tfingerprint TEXT NOT NULL, \n\tas_of VARCHAR(32) NOT NULL, \n\tevent_high INTEGER NOT NULL, \n\tchange_high INTEGER NOT NULL, \n\tlead_high INTEGER NOT NULL, \n\topportunity_high INTEGER NOT NULL, \n\topportunity_change_high INTEGER NOT NULL, \n\tfigures TEXT NOT NULL, \n\tPRIMARY KEY (scope, period_start, period_end)\n)",
    "CREATE INDEX ix_event_kind_at ON event (kind, at)",
    "CREATE INDEX ix_event_lead_at_kind ON event (lead_id, at, id, kind)",
    "CREATE INDEX ix_lead_change_lead_id ON lead_change (lead_id)",
    "CREATE INDEX ix_lead_clock_start_at ON lead (clock_start_at)",
    "CREATE INDEX ix_lead_created_at ON lead (created_at)",
    "CREATE INDEX ix_lead_email ON lead (email)",
    "CREATE INDEX ix_lead_owner_clock_start_at ON lead (owner, clock_start_at, created_at)",
    "CREATE INDEX ix_notification_deadline ON notification (deadline)",
    "CREATE INDEX ix_notification_status ON notification (status)",
    "CREATE INDEX ix_opportunity_change_opportunity_id ON opportunity_change (opportunity_id)",
    "CREATE INDEX ix_opportunity_created_at ON opportunity (created_at)",
    "CREATE INDEX ix_opportunity_lead_id ON opportunity (lead_id)",
    "CREATE INDEX ix_published_period_start_end ON published_period (period_start, period_end)",
)


def create_at_head(conn: sqlite3.Connection) -> bool:
    """Create the head schema in an empty SQLite database (a driver connection in
    autocommit mode), stamped with its revision, in one transaction; False, and nothing
    done, when it holds tables by the time the write lock is taken (another process
    created it first) or the snapshot is not of the head revision."""
    if SNAPSHOT_REVISION != HEAD_REVISION:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None:
            conn.execute("ROLLBACK")
            return False
        for statement in HEAD_SCHEMA:
            conn.execute(statement)
        conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (HEAD_REVISION,))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return True


if __name__ == "__main__":
    # (the script alone needs the migrations: the module stays below ``engine``)
    from slactl.ledger.engine import migrated_schema

    print(f'SNAPSHOT_REVISION = "{HEAD_REVISION}"')
    print("HEAD_SCHEMA: tuple[str, ...] = (")
    for sql in migrated_schema():
        print(f"    {sql!r},")
    print(")")
