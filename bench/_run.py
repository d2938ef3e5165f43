"""Helpers for the benchmarks: run a command, report wall time and peak memory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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

    compileall.compile_dir(ROOT / "src", quiet=1)


_compile()


def run(
    cmd: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None
) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one command, measured by /usr/bin/time."""
    wall, _, peak = timed(cmd, env=env, stdin=stdin)
    return wall, peak


def timed(
    cmd: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None
) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one command, measured by /usr/bin/time."""
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%e %U %S %M", *cmd],
        env={**os.environ, **(env or {})},
        input=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    wall, user, system, rss = proc.stderr.strip().splitlines()[-1].split()
    return float(wall), float(user) + float(system), int(rss) / 1024


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
