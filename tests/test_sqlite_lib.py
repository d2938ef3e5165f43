"""The process-wide SQLite configuration of the command-line entry point
(``slactl.ledger.sqlite_lib``), each case in a fresh interpreter of its own: the library
can only be configured before any connection is opened."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")

SCRIPT = """
import ctypes, sqlite3, sys
from slactl.ledger import sqlite_lib
configured = sqlite_lib.configure() if sys.argv[2] == "configure" else None
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("CREATE TABLE t (a TEXT, b TEXT)")
c.execute("BEGIN")
c.executemany("INSERT INTO t VALUES (?, ?)", ((f"k{i:06d}", f"v{i % 97}") for i in range(200000)))
c.execute("PRAGMA threads = 2")  # SQLite's own sorter threads, in multi-thread mode
c.execute("PRAGMA cache_size = -1024")
c.execute("CREATE INDEX ix_b ON t (b)")
c.execute("COMMIT")
check = c.execute("PRAGMA integrity_check").fetchone()[0]
used = sqlite_lib.library().sqlite3_memory_used
used.restype = ctypes.c_int64
again = sqlite_lib.configure() if configured else None  # once only: the connection is open
rows = c.execute("SELECT COUNT(*), COUNT(DISTINCT b) FROM t INDEXED BY ix_b").fetchone()
print(configured, again, check, used(), *rows)
"""


def _run(db: Path, how: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(db), how],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout.split()


def test_configured_sqlite_counts_no_memory_and_still_works(tmp_path: Path) -> None:
    configured, again, check, used, rows, distinct = _run(tmp_path / "a.db", "configure")
    # memory statistics off: SQLite keeps no count of what it has allocated
    assert (configured, again, check, used) == ("True", "True", "ok", "0")
    assert (rows, distinct) == ("200000", "97")


def test_sqlite_as_built_counts_its_memory(tmp_path: Path) -> None:
    """The other side of the test above: without ``configure`` the count is kept."""
    configured, again, check, used, rows, distinct = _run(tmp_path / "b.db", "leave")
    assert (configured, again, check) == ("None", "None", "ok")
    assert int(used) > 0
    assert (rows, distinct) == ("200000", "97")


def test_the_command_line_configures_sqlite(tmp_path: Path) -> None:
    """``slactl``'s entry point configures the library before its first connection, and an
    import into a new ledger (its indexes built by SQLite's sorter threads) then runs in
    that process as it does elsewhere."""
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "external_id,email,created_at\n"
        "L1,a@x.example,2024-05-01T09:00Z\n"
        "L2,b@x.example,2024-05-01T10:00-04:00\n"
    )
    db = tmp_path / "l.db"
    code = (
        "import sys\nfrom slactl.cli import main\nfrom slactl.ledger import sqlite_lib\n"
        "sys.argv = ['slactl', '--db', sys.argv[1], 'import', sys.argv[2]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('configured', sqlite_lib._configured)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db), str(leads)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "configured True"
    assert "2 read, 2 inserted" in out.stderr
    with sqlite3.connect(db) as conn:
        got = conn.execute("SELECT external_id, clock_start_at FROM lead ORDER BY id").fetchall()
    conn.close()
    assert got == [("L1", "2024-05-01 09:00:00"), ("L2", "2024-05-01 14:00:00")]
