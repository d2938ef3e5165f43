"""Real-shaped CRM exports (tests/data/exports/): every value that lands in the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from slactl.cli import app
from slactl.errors import ImportError_
from slactl.ledger.engine import open_ledger
from slactl.ledger.ingest.pipeline import import_csv

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "tests" / "data" / "exports"
NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
COLUMNS = (
    "external_id, email, first_name, last_name, company, phone, title, source, segment,"
    " owner, score, created_at, handed_off_at, clock_start_at, status, extra"
)


def leads(url: str, name: str, **kw):  # type: ignore[no-untyped-def]
    engine = open_ledger(url)
    try:
        summary = import_csv(engine, EXPORTS / name, default_tz=NY, now=NOW, **kw)
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT {COLUMNS} FROM lead ORDER BY id")).mappings()
            stored = {r["external_id"]: dict(r) for r in rows}
    finally:
        engine.dispose()
    return summary, stored


def test_salesforce_report_with_quotes_line_breaks_and_its_footer(sqlite_url: str) -> None:
    s, got = leads(sqlite_url, "salesforce_report.csv")
    assert (s.kind, s.preset, s.read, s.inserted, s.rejected) == ("leads", "salesforce", 3, 3, 0)
    a, b, c = got["00Q5g00000AbC01"], got["00Q5g00000AbC02"], got["00Q5g00000AbC03"]
    assert (a["first_name"], a["last_name"], a["title"]) == ("Zoë", "Ångström", "VP Sales")
    assert a["company"] == 'The "Original" Pancake House'
    assert (a["email"], a["phone"], a["source"]) == (
        "zoe@pancake.example",
        "+1 212 555 0101",
        "Web",
    )
    assert (a["status"], a["owner"]) == ("Open - Not Contacted", "Dana Scully")
    assert a["created_at"] == a["clock_start_at"] == "2024-05-03 18:22:00"  # 2:22 PM EDT
    assert (b["company"], b["email"], b["title"], b["phone"]) == (
        "Acme, Inc.",
        "jose@acme.example",
        None,
        None,
    )
    assert b["created_at"] == "2024-05-13 13:05:00"
    assert c["company"] == "Line\r\nBreak Ltd"
    assert c["created_at"] == "2024-12-01 05:00:00"  # 12:00 AM EST is midnight
    assert all(v["extra"] is None and v["handed_off_at"] is None for v in got.values())


def test_hubspot_contacts_with_bom_crlf_and_empty_cells(ledger_url: str) -> None:
    s, got = leads(ledger_url, "hubspot_contacts.csv")
    assert (s.preset, s.inserted, s.rejected) == ("hubspot", 2, 0)
    a, b = got["5101"], got["5102"]
    assert (a["first_name"], a["last_name"], a["company"]) == ("Ana", "Ng", "Ng & Sons, LLC")
    assert (a["phone"], a["owner"], a["score"], a["status"]) == (
        "+1 212 555 0100",
        "alice",
        72.0,
        "NEW",
    )
    assert a["source"] == "ORGANIC_SEARCH"
    utc = {k: v.astimezone(UTC) if isinstance(v, datetime) else v for k, v in a.items()}
    if isinstance(a["created_at"], datetime):  # PostgreSQL
        assert utc["created_at"] == datetime(2024, 5, 3, 18, 22, tzinfo=UTC)
        assert utc["handed_off_at"] == utc["clock_start_at"] == datetime(2024, 5, 3, 19, tzinfo=UTC)
    else:
        assert a["created_at"] == "2024-05-03 18:22:00"
        assert a["handed_off_at"] == a["clock_start_at"] == "2024-05-03 19:00:00"
    assert a["extra"] == '{"Lifecycle Stage": "marketingqualifiedlead"}'
    assert (b["first_name"], b["last_name"], b["company"]) == ("Björn", None, 'He said "hi"')
    assert (b["phone"], b["score"], b["status"], b["handed_off_at"]) == (None, None, None, None)
    assert b["extra"] == '{"Lifecycle Stage": "lead"}'


def test_zoho_leads_are_not_taken_for_hubspot(sqlite_url: str) -> None:
    s, got = leads(sqlite_url, "zoho_leads.csv")
    assert (s.preset, s.inserted) == ("zoho", 2)
    a = got["zcrm_4876000000123001"]
    assert (a["company"], a["phone"], a["source"]) == (
        "Tata Grün GmbH",
        "+91 22 5555 0101",
        "Online Store",
    )
    assert (a["owner"], a["title"], a["status"], a["segment"]) == (
        "Priya Raman",
        "CTO",
        "Contacted",
        "Manufacturing",
    )
    assert (a["first_name"], a["last_name"], a["email"]) == ("Ravi", "Kumar", "ravi@tg.example")
    assert a["created_at"] == "2024-05-03 18:22:10"
    assert a["extra"] == '{"Modified Time": "2024-05-04 08:00:00"}'
    assert got["zcrm_4876000000123002"]["company"] is None


def test_pipedrive_leads(sqlite_url: str) -> None:
    s, got = leads(sqlite_url, "pipedrive_leads.csv")
    assert (s.preset, s.inserted) == ("pipedrive", 2)
    a = got["3f1c0e6a-1d2b-11ef-9c1a-0242ac120002"]
    assert (a["owner"], a["company"], a["source"], a["status"]) == (
        "Sam Okafor",
        "Okafor Kites",
        "Web forms",
        "Hot",
    )
    assert (a["email"], a["phone"], a["created_at"]) == (
        "sam@kites.example",
        "+234 1 555 0101",
        "2024-05-03 18:22:10",
    )
    assert a["extra"] == '{"Lead - Title": "Kite deal"}'


def test_excel_cp1252_with_semicolons_and_day_first_dates(sqlite_url: str) -> None:
    with pytest.raises(ImportError_, match=r"excel_cp1252.csv:2: not UTF-8 text.*--encoding"):
        leads(sqlite_url, "excel_cp1252.csv")
    s, got = leads(sqlite_url, "excel_cp1252.csv", encoding="cp1252")
    assert (s.inserted, s.rejected) == (2, 0)
    assert (got["X-1"]["first_name"], got["X-1"]["company"]) == ("José", "Café € Crème")
    assert (got["X-2"]["first_name"], got["X-2"]["company"]) == ("Søren", "Ærø Fisk")
    # 25/05 settles the order: 03/05 is the 3rd of May
    assert got["X-1"]["created_at"] == "2024-05-03 18:22:00"
    assert got["X-2"]["created_at"] == "2024-05-25 13:00:00"


def test_utf16_is_known_by_its_bom(sqlite_url: str) -> None:
    s, got = leads(sqlite_url, "excel_utf16.csv")
    assert (s.inserted, s.rejected) == (2, 0)
    assert got["U-1"]["company"] == "株式会社テスト"
    assert got["U-1"]["created_at"] == "2024-05-03 05:22:00"
    assert got["U-2"]["company"] == "ООО Ромашка"
    assert got["U-2"]["created_at"] == "2024-05-04 10:00:00"


def test_dates_the_file_does_not_settle_stop_and_name_the_option(sqlite_url: str) -> None:
    with pytest.raises(ImportError_) as err:
        leads(sqlite_url, "en_gb_ambiguous.csv")
    assert str(err.value) == (
        f"{EXPORTS / 'en_gb_ambiguous.csv'}:2: is '03/05/2024 14:22' day-first or"
        " month-first? pass --date-order dmy or --date-order mdy"
    )
    s, got = leads(sqlite_url, "en_gb_ambiguous.csv", date_order="dmy")
    assert s.inserted == 2
    assert got["G-1"]["created_at"] == "2024-05-03 18:22:00"
    assert got["G-2"]["created_at"] == "2024-06-04 13:00:00"


def test_cli_date_order_and_encoding_options(tmp_path: Path) -> None:
    env = {"SLACTL_DB": str(tmp_path / "l.db"), "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    runner = CliRunner()
    r = runner.invoke(app, ["import", str(EXPORTS / "en_gb_ambiguous.csv")], env=env)
    assert r.exit_code == 2 and r.stderr.endswith("pass --date-order dmy or --date-order mdy\n")
    r = runner.invoke(
        app, ["import", str(EXPORTS / "en_gb_ambiguous.csv"), "--date-order", "dmy"], env=env
    )
    assert (r.exit_code, r.stderr.splitlines()[0]) == (
        0,
        "imported en_gb_ambiguous.csv (leads, generic): 2 read, 2 inserted, 0 updated,"
        " 0 unchanged, 0 rejected",
    )
    r = runner.invoke(
        app, ["import", str(EXPORTS / "excel_cp1252.csv"), "--encoding", "cp1252"], env=env
    )
    assert r.exit_code == 0
    r = runner.invoke(
        app, ["import", str(EXPORTS / "zoho_leads.csv"), "--encoding", "nope"], env=env
    )
    assert (r.exit_code, r.stderr) == (2, "Error: --encoding nope: unknown; try utf-8 or cp1252\n")
