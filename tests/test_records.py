"""One list of a lead's fields: ``records.Lead`` (the typed record every layer reads) and
``records.LEAD_FIELDS`` (the same names in SPEC section 5's order) agree, the ledger's
table holds each, and the ledger's reads fill each from its column by name (they read
the columns in ``Lead``'s order), on both ways of reading a SQLite ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from slactl.ledger import queries
from slactl.ledger.engine import open_ledger
from slactl.ledger.ingest.pipeline import import_csv
from slactl.ledger.lite import LiteEngine
from slactl.ledger.models import Lead as LeadRow
from slactl.ledger.opening import open_for_reading
from slactl.records import LEAD_FIELDS, Lead


def test_the_record_and_the_field_list_name_the_same_fields() -> None:
    assert Lead._fields == (*Lead._fields[:-1], "extra")
    assert sorted(Lead._fields[:-1]) == sorted(LEAD_FIELDS)
    assert len(set(LEAD_FIELDS)) == len(LEAD_FIELDS)


def test_the_ledger_table_has_a_column_for_each() -> None:
    assert set(Lead._fields) <= set(LeadRow.__table__.columns.keys())  # type: ignore[attr-defined]


def test_each_field_is_read_back_from_its_column(tmp_path: Path) -> None:
    values = {
        "external_id": "L-9",
        "email": "ann@example.com",
        "first_name": "Ann",
        "last_name": "Lee",
        "company": "Acme",
        "phone": "555-0100",
        "title": "CTO",
        "source": "web",
        "segment": "smb",
        "owner": "alice",
        "score": "72.5",
        "created_at": "2024-05-06T10:00:00+00:00",
        "handed_off_at": "2024-05-06T11:30:00+00:00",
        "status": "open",
    }
    assert list(values) == list(LEAD_FIELDS)
    csv = tmp_path / "leads.csv"
    csv.write_text(
        ",".join((*values, "industry")) + "\n" + ",".join((*values.values(), "x")) + "\n"
    )
    db = tmp_path / "l.db"
    engine = open_ledger(str(db))
    import_csv(engine, csv, kind="leads", now=datetime(2024, 6, 1, tzinfo=UTC))
    engine.dispose()
    expected = Lead(
        external_id="L-9",
        created_at=datetime(2024, 5, 6, 10, tzinfo=UTC),
        email="ann@example.com",
        first_name="Ann",
        last_name="Lee",
        company="Acme",
        phone="555-0100",
        title="CTO",
        source="web",
        segment="smb",
        owner="alice",
        score=72.5,
        handed_off_at=datetime(2024, 5, 6, 11, 30, tzinfo=UTC),
        status="open",
        extra={"industry": "x"},
    )
    for reader in (open_for_reading(str(db)), open_ledger(str(db), create=False)):
        with reader.connect() as conn:
            (history,) = queries.load_histories(
                conn=conn,
                start=datetime(2024, 5, 1, tzinfo=UTC),
                end=datetime(2024, 6, 1, tzinfo=UTC),
                as_of=datetime(2024, 6, 1, tzinfo=UTC),
            )
            single = queries.lead_history(conn=conn, key="L-9")
        reader.dispose()
        assert history.lead == expected
        assert single is not None and single.lead == expected
    lite = open_for_reading(str(db))
    assert isinstance(lite, LiteEngine)  # the first reader above was the sqlite3 one
    lite.dispose()
