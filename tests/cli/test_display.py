"""Small display defects, on the bundled example as a user sees it at 80 columns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app

ROOT = Path(__file__).resolve().parents[2]
AGREEMENTS = str(ROOT / "agreements")
AS_OF = ["--as-of", "2024-06-03T09:00"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("display") / "slactl.db"
    for name in ("leads.csv", "activities.csv"):
        assert cli(path, "import", str(ROOT / "examples" / name)).exit_code == 0
    return path


def cli(db: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app, ["--db", str(db), "--agreements", AGREEMENTS, *args], terminal_width=80
    )


def test_the_report_table_keeps_commitment_ids_whole_at_80_columns(db: Path) -> None:
    r = cli(db, "report", "--month", "2024-05", *AS_OF)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert any(line.startswith(" speed-to-lead-enterprise ") for line in lines)


def test_status_shows_every_cell_whole_at_80_columns(db: Path) -> None:
    """Commitment ids, deadlines and states are never cut (they were: 'Thu 05-30 12:…',
    'AT RI…', and the company column squeezed to nothing): the company sits under the
    lead's id, and the lead and the time left wrap."""
    r = cli(db, "status", "--rep", "alice", "--as-of", "2024-05-30T12:00")
    assert r.exit_code == 0, r.output
    lines = [line.rstrip() for line in r.stdout.splitlines()]
    assert max(len(line) for line in lines) <= 80
    assert "…" not in r.stdout
    pairs = list(zip(lines, lines[1:], strict=False))
    assert (  # the company under the lead's id; the time left wraps rather than be cut
        "│ L-0112    │ speed-to-lead-enterprise │ Thu 05-30 09:35 │ 2h25m     │ OVERDUE │",
        "│ Stark     │                          │                 │ late      │         │",
    ) in pairs
    assert (
        "│ L-0052    │ disposition              │ Fri 05-10 12:45 │ 103h15m   │ OVERDUE │",
        "│ Northwind │                          │                 │ late      │         │",
    ) in pairs


def test_whatif_keeps_commitment_ids_readable_at_80_columns(db: Path) -> None:
    draft = str(ROOT / "src" / "slactl" / "templates" / "example" / "draft.yaml")
    r = cli(db, "whatif", draft, "--month", "2024-05", *AS_OF)
    assert r.exit_code == 0, r.output
    lines = [line.rstrip() for line in r.stdout.splitlines()]
    assert max(len(line) for line in lines) <= 80
    assert "…" not in r.stdout  # was 'speed-to-lea…' and 'complete-han…'
    i = lines.index(
        "│ speed-to-lead │    95% │  20.0% │          95% │  20.0% │         = │   FAIL │"
    )
    assert lines[i + 1].startswith("│ -enterprise   │")


def test_a_prorated_quota_shows_as_whole_leads(db: Path) -> None:
    r = cli(db, "report", "--week", "2024-W19", *AS_OF)
    text = " ".join(r.stdout.split())
    assert "(10 of 8)" in text  # 7.95 of the month's 35
    assert not re.search(r"of \d+\.\d", text)
    quota = next(
        c
        for c in json.loads(
            cli(db, "report", "--week", "2024-W19", *AS_OF, "--format", "json").stdout
        )["commitments"]
        if c["id"] == "mql-volume"
    )["quota"]
    assert quota == 7.95  # the JSON keeps the exact figure
    w = cli(db, "whatif", str(ROOT / "agreements" / "acme-2024.yaml"), "--week", "2024-W19", *AS_OF)
    assert "Marketing's MQL quota: 10 of 8 (100.0%) now" in w.stdout


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_the_funnel_says_nurture_as_the_json_does(db: Path, fmt: str) -> None:
    r = cli(db, "report", "--month", "2024-05", *AS_OF, "--format", fmt)
    assert "Nurture" in r.stdout
    assert "Returned" not in r.stdout
    data = json.loads(cli(db, "report", "--month", "2024-05", *AS_OF, "--format", "json").stdout)
    assert set(data["funnel"]) == {"leads", "mql", "sql", "disqualified", "nurture", "recycled"} | {
        "opportunities",
        "won",
        "pipeline",
        "won_amount",
        "rates",
        "median_sales_cycle_days",
    }


def test_the_markdown_reps_table_has_compliance(db: Path) -> None:
    r = cli(db, "report", "--month", "2024-05", *AS_OF, "--format", "markdown")
    assert "| Rep | Met | Breached | Pending | Compliance | Points |" in r.stdout
    assert "| alice | 9 | 3 | 1 | 75.0% | 75 |" in r.stdout


def test_csv_as_of_has_no_microseconds(db: Path) -> None:
    r = cli(
        db,
        "report",
        "--month",
        "2024-05",
        "--as-of",
        "2024-06-03T09:00:00.123456",
        "--format",
        "csv",
    )
    assert r.exit_code == 0, r.output
    rows = r.stdout.splitlines()
    assert rows[0].split(",")[3] == "as_of"
    assert {row.split(",")[3] for row in rows[1:]} == {"2024-06-03T09:00:00-04:00"}


def test_agreement_show_lists_no_holiday_past_the_agreements_end() -> None:
    r = CliRunner().invoke(
        app, ["--agreements", AGREEMENTS, "agreement", "show", "--on", "2024-12-01"]
    )
    assert r.exit_code == 0, r.output
    listed = re.findall(r"\d{4}-\d\d-\d\d", r.stdout.split("holidays from")[1])
    assert listed[:2] == ["2024-12-01", "2024-12-31"]  # the heading's span
    assert listed[2:] == ["2024-12-24", "2024-12-25"]
