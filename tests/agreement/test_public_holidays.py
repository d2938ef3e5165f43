"""The public holidays cache: what it returns is the library's answer, whether it was
asked now or read back from disk; a damaged or unwritable cache only costs time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import holidays
import pytest

from slactl.agreement import public_holidays as ph

CASES = [("US", "NY", 2024), ("US", None, 2023), ("DE", "BY", 2025), ("GB", "SCT", 2024)]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SLACTL_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize(("country", "subdivision", "year"), CASES)
def test_the_library_answer_asked_then_read_back(cache, country, subdivision, year) -> None:  # type: ignore[no-untyped-def]
    expected = dict(holidays.country_holidays(country, subdiv=subdivision, years=year).items())
    assert ph.public_holidays(country, subdivision, year) == expected
    (stored,) = cache.glob(f"holidays-*/{country}-{subdivision or ''}-{year}.json")
    assert ph.public_holidays(country, subdivision, year) == expected
    assert json.loads(stored.read_text())[date(year, 12, 25).isoformat()]


def test_a_second_command_reads_the_file_not_the_library(cache) -> None:  # type: ignore[no-untyped-def]
    ph.public_holidays("US", "NY", 2024)
    (stored,) = cache.glob("holidays-*/US-NY-2024.json")
    stored.write_text(json.dumps({"2024-02-29": "Leap Day Off"}))
    assert ph.public_holidays("US", "NY", 2024) == {date(2024, 2, 29): "Leap Day Off"}


def test_a_damaged_file_is_asked_again_and_rewritten(cache) -> None:  # type: ignore[no-untyped-def]
    ph.public_holidays("US", "NY", 2024)
    (stored,) = cache.glob("holidays-*/US-NY-2024.json")
    stored.write_text('{"2024-07-04": "Indep')  # cut short
    expected = dict(holidays.country_holidays("US", subdiv="NY", years=2024).items())
    assert ph.public_holidays("US", "NY", 2024) == expected
    assert json.loads(stored.read_text()) == {d.isoformat(): n for d, n in expected.items()}


def test_a_cache_that_cannot_be_written_is_not_an_error(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("SLACTL_CACHE_DIR", str(blocker))
    expected = dict(holidays.country_holidays("US", subdiv="NY", years=2024).items())
    assert ph.public_holidays("US", "NY", 2024) == expected
    assert blocker.read_text() == ""


def test_supported_countries_are_the_library_s(cache) -> None:  # type: ignore[no-untyped-def]
    expected = {c: list(s) for c, s in holidays.list_supported_countries().items()}
    assert ph.supported_countries() == expected
    assert ph.supported_countries() == expected  # read back
    assert len(list(cache.glob("holidays-*/countries.json"))) == 1


def test_the_cache_defaults_under_the_user_cache_directory(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SLACTL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert ph.cache_dir() == tmp_path / "xdg" / "slactl"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert ph.cache_dir() == tmp_path / "home" / ".cache" / "slactl"


def test_once_cached_a_command_does_not_import_the_library(cache) -> None:  # type: ignore[no-untyped-def]
    """The point of the cache: loading the agreement and its 2024 calendar imports none of
    the library's ~300 modules the second time, in a new process as a command is."""
    root = Path(__file__).resolve().parents[2]
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from slactl.agreement.directory import load_agreements\n"
        f"s = load_agreements(Path({str(root / 'agreements')!r}))\n"
        "days = s.agreements[0].calendar_spec.holidays_for_year(2024)\n"
        "print(sorted(days)[-1], len(days), 'holidays' in sys.modules)\n"
    )
    env = {**os.environ, "SLACTL_CACHE_DIR": str(cache)}
    runs = [
        subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [r.stderr for r in runs] == ["", ""]
    # the agreement's holidays: New York's public ones plus its own day off, 24 December
    n = len(holidays.country_holidays("US", subdiv="NY", years=2024)) + 1
    assert [r.stdout.split() for r in runs] == [
        ["2024-12-25", str(n), "True"],
        ["2024-12-25", str(n), "False"],
    ]
