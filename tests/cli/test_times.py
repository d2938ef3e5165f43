"""Times typed on the command line are never silently misread: without an offset they need
a zone (the agreement's or --tz), and they are echoed in local time."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app

ROOT = Path(__file__).resolve().parents[2]
AGREEMENTS = str(ROOT / "agreements")


def run(tmp_path: Path, *args: str, agreements: str | None = None):  # type: ignore[no-untyped-def]
    where = agreements or str(tmp_path / "no-agreements")
    return CliRunner().invoke(app, ["--db", str(tmp_path / "l.db"), "--agreements", where, *args])


@pytest.mark.parametrize("command", [["review"], ["handoff", "L-1", "--rep", "alice"]])
def test_a_time_without_offset_and_no_agreement_is_an_error(
    tmp_path: Path, command: list[str]
) -> None:
    r = run(tmp_path, *command, "--at", "2024-05-06T10:00")
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: --at: a time without an offset, and no agreement in {tmp_path / 'no-agreements'}"
        " to give its zone: add the offset (2024-05-06T10:00-04:00), pass --tz ZONE or run"
        " 'slactl init'\n"
    )
    assert not (tmp_path / "l.db").exists()


def test_tz_gives_the_zone_of_a_time_without_offset(tmp_path: Path) -> None:
    r = run(tmp_path, "review", "--at", "2024-05-06T10:00", "--tz", "Europe/Paris")
    assert r.exit_code == 0, r.output
    assert r.stderr == "logged review at 2024-05-06T10:00+02:00\n"


def test_an_offset_needs_no_zone(tmp_path: Path) -> None:
    r = run(tmp_path, "review", "--at", "2024-05-06T10:00-04:00")
    assert r.exit_code == 0, r.output
    assert r.stderr == "logged review at 2024-05-06T10:00-04:00\n"


def test_an_unknown_tz_is_one_line(tmp_path: Path) -> None:
    r = run(tmp_path, "review", "--at", "2024-05-06T10:00", "--tz", "Mars/Olympus")
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: --tz Mars/Olympus: unknown time zone; use an IANA name such as America/New_York\n"
    )


def test_at_is_echoed_in_the_agreements_local_time(tmp_path: Path) -> None:
    r = run(tmp_path, "review", "--at", "2024-05-06T14:00Z", agreements=AGREEMENTS)
    assert r.exit_code == 0, r.output
    assert r.stderr == "logged review at 2024-05-06T10:00-04:00\n"
