"""Helpers for the benchmarks: run a command, report its wall and CPU time and peak memory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "performance.md"
SLACTL = str(Path(sys.executable).parent / "slactl")


def _compile() -> None:
    """Write slactl's bytecode before anything is timed, as installing the wheel does (pip
    compiles every module). An editable install run with PYTHONDONTWRITEBYTECODE set never
    writes it, and each run would compile every module again: 0.08 s of a `status`."""
    import compileall

    # force: compileall keeps a file whose recorded mtime matches, to the second, where
    # the import also checks its size (a file changed within the second of its last
    # compile would be compiled again at every run)
    compileall.compile_dir(ROOT / "src", quiet=1, force=True)


_compile()


def run(
    cmd: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None
) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one command."""
    wall, _, peak = timed(cmd, env=env, stdin=stdin)
    return wall, peak


def timed(
    cmd: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None
) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one command: the child's own resource usage, as
    ``os.wait4`` gives it (microseconds; /usr/bin/time rounds to 10 ms)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
        )
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def ensure_data() -> None:
    if not (DATA / "leads.csv").exists() or not (DATA / "activities.csv").exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_data.py")], check=True)
    OUT.mkdir(exist_ok=True)


def write_section(title: str, body: str) -> None:
    """Put ``body`` (starting with its "## title" line) in place of the head of that
    section of docs/performance.md: the text up to its first dated "###" subsection or
    the next "##" section, which are kept. A section not there yet goes at the end."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    body = body.rstrip("\n") + "\n"
    head = re.search(rf"^## {re.escape(title)}\n.*?(?=^##+ |\Z)", text, flags=re.S | re.M)
    if head:
        rest = text[head.end() :]
        text = text[: head.start()] + body + ("\n" + rest if rest else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    DOC.write_text(text, encoding="utf-8")
