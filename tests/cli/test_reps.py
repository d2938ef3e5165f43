"""Typos do not pass: every rep and lead argument is checked against the ledger, with the
closest known name; a genuinely new rep is said to be one with --new-rep."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app

ROOT = Path(__file__).resolve().parents[2]
AGREEMENTS = str(ROOT / "agreements")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "slactl.db"
    assert cli(path, "import", str(ROOT / "examples" / "leads.csv")).exit_code == 0
    return path


def cli(db: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", str(db), "--agreements", AGREEMENTS, *args])


def events(db: Path) -> int:
    out = cli(db, "db", "status").stdout
    return int(next(line for line in out.splitlines() if line.startswith("event:")).split()[1])


AT = ["--at", "2024-05-29T11:00"]


@pytest.mark.parametrize(
    "command",
    [
        ["log", "L-0044", "call", "--rep", "alcie", *AT],
        ["disposition", "L-0044", "qualified", "--rep", "alcie", *AT],
        ["handoff", "L-0044", "--rep", "alcie", *AT],
    ],
)
def test_a_mistyped_rep_is_refused_with_the_closest_name(db: Path, command: list[str]) -> None:
    r = cli(db, *command)
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: no rep 'alcie' in the ledger; did you mean 'alice'? (a new rep: add --new-rep)\n"
    )
    assert events(db) == 0


def test_a_new_rep_is_accepted_with_new_rep_and_known_after(db: Path) -> None:
    r = cli(db, "log", "L-0044", "call", "--rep", "frank", *AT)
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: no rep 'frank' in the ledger: check the name, or add --new-rep for a new rep\n"
    )
    r = cli(db, "log", "L-0044", "call", "--rep", "frank", "--new-rep", *AT)
    assert r.exit_code == 0, r.output
    r = cli(db, "log", "L-0044", "email", "--rep", "frank", *AT)
    assert r.exit_code == 0, r.output
    assert events(db) == 2


def test_the_first_rep_of_an_empty_ledger_needs_no_flag(tmp_path: Path) -> None:
    r = cli(tmp_path / "new.db", "review", "--at", "2024-05-06T10:00")
    assert r.exit_code == 0, r.output
    leads = tmp_path / "leads.csv"
    leads.write_text("external_id,created_at\nL-1,2024-05-06T09:00-04:00\n")
    assert cli(tmp_path / "new.db", "import", str(leads)).exit_code == 0
    r = cli(tmp_path / "new.db", "log", "L-1", "call", "--rep", "alice", *AT)
    assert r.exit_code == 0, r.output


def test_explain_offers_the_closest_lead_id(db: Path) -> None:
    r = cli(db, "explain", "L-004", "--as-of", "2024-06-03T09:00")
    assert r.exit_code == 2
    assert r.stderr == "Error: no lead 'L-004' in the ledger; did you mean 'L-0004'?\n"
    r = cli(db, "explain", "nobody@example.com", "--as-of", "2024-06-03T09:00")
    assert r.stderr == (
        "Error: no lead 'nobody@example.com' in the ledger: check the external id or email\n"
    )
