"""Running the installed ``slactl`` as a hostile user would: in a subprocess, with a
timeout and a memory limit, and judging only what a user sees (exit code, stderr) and what
the ledger holds afterwards. Black-box on purpose: it holds for any implementation."""

from __future__ import annotations

import hashlib
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SLACTL = Path(sys.executable).parent / "slactl"
ALLOWED_EXITS = {0, 1, 2, 3, 75}
MAX_RSS_MB = 500
# the address-space ceiling each run gets (preexec_fn): far above a healthy run, low enough
# that a runaway allocation dies instead of taking the machine; the 500 MB bar is checked
# on the resident size the kernel reports for the run
ADDRESS_SPACE = 2 << 30


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float
    timed_out: bool

    def problems(self) -> list[str]:
        """Everything a hostile input must never cause."""
        found = []
        if self.timed_out:
            found.append(f"hung (killed after {self.seconds:.0f} s)")
        if self.code not in ALLOWED_EXITS:
            found.append(f"exit code {self.code}")
        if "Traceback" in self.stderr or "Traceback" in self.stdout:
            found.append("a traceback")
        if self.max_rss_mb > MAX_RSS_MB:
            found.append(f"{self.max_rss_mb:.0f} MB resident")
        if self.code == 2 and self.stderr.count("\n") > 8:
            found.append(f"{self.stderr.count(chr(10))} lines for bad input")
        return found


def run(args: list[str], *, env: dict[str, str], timeout: float = 30, cwd: Path) -> Run:
    """The installed slactl with ``args``; killed after ``timeout`` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.monotonic()
        proc = subprocess.Popen(
            [str(SLACTL), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=cwd,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "COLUMNS": "100", **env},
            preexec_fn=_limits,  # noqa: PLW1509 - no threads of ours run meanwhile
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - began
        out.seek(0)
        err.seek(0)
        return Run(
            tuple(args),
            code,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss / 1024,
            timed_out.is_set(),
        )


def ledger_digest(db: Path) -> str:
    """A digest of every row of every table (the logical content; WAL or not)."""
    h = hashlib.sha256()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )]  # fmt: skip
        for table in tables:
            h.update(table.encode())
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                h.update(repr(row).encode())
    finally:
        conn.close()
    return h.hexdigest()
