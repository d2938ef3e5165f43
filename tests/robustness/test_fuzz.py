"""A bounded, seeded fuzz run through the installed ``slactl``: mutated CSVs into a ledger
and mutated agreements under ``agreement check`` and ``report``. Each run has a timeout
and an address-space limit; a run fails the test on a traceback, an exit code outside
0/1/2/3/75, a hang, more than 500 MB resident, or — when the input is refused, or with
``--dry-run`` — any change to the ledger.

Black-box (the CLI in subprocesses), so it holds for any import implementation.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.test_report_cmds import ACTIVITIES, AGREEMENT, LEADS
from tests.robustness.harness import ledger_digest, run

pytestmark = pytest.mark.slow  # seeded mutations through the installed slactl

SEEDS = (1, 2)
MB = 1 << 20


# -- CSV mutations: bytes in, bytes out -----------------------------------------------------


def flip(data: bytes, rnd: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(max(1, len(b) // 40)):
        b[rnd.randrange(len(b))] = rnd.randrange(256)
    return bytes(b)


def truncate(data: bytes, rnd: random.Random) -> bytes:
    return data[: rnd.randrange(1, len(data))]


def extra_columns(data: bytes, rnd: random.Random) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join(
        line + b",x" * rnd.randrange(0, 3) if i else line + b",extra1,extra2"
        for i, line in enumerate(lines)
    )


def bad_quoting(data: bytes, rnd: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(4):
        b.insert(rnd.randrange(len(b)), ord('"'))
    return bytes(b)


def huge_field(data: bytes, rnd: random.Random) -> bytes:
    lines = data.split(b"\n")
    k = rnd.randrange(1, len(lines) - 1)
    cells = lines[k].split(b",")
    cells[rnd.randrange(len(cells))] = b"A" * rnd.choice([1 * MB, 10 * MB])
    lines[k] = b",".join(cells)
    return b"\n".join(lines)


def nul(data: bytes, rnd: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(3):
        b.insert(rnd.randrange(len(b)), 0)
    return bytes(b)


def boms(data: bytes, rnd: random.Random) -> bytes:
    text = data.decode()
    return rnd.choice(
        [b"\xef\xbb\xbf" + data, text.encode("utf-16"), b"\xef\xbb\xbf\xef\xbb\xbf" + data]
    )


def line_ends(data: bytes, rnd: random.Random) -> bytes:
    return b"".join(
        part + rnd.choice([b"\n", b"\r\n", b"\r"]) for part in data.split(b"\n") if part
    )


def extreme_dates(data: bytes, rnd: random.Random) -> bytes:
    text = data.decode()
    for day in ("2024-05-06", "2024-05-03", "2024-05-07", "2024-05-20", "2024-04-29"):
        text = text.replace(
            day,
            rnd.choice(
                [
                    "0001-01-01",
                    "9999-12-31",
                    "99999-01-01",
                    "2024-02-30",
                    "1899-12-31",
                    "2999-12-31",
                ]
            ),
        )
    text = text.replace("T09:00", rnd.choice(["T23:59:59-14:00", "T00:00+14:00", "T25:00", ""]))
    return text.encode()


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    f.__name__: f
    for f in (
        flip,
        truncate,
        extra_columns,
        bad_quoting,
        huge_field,
        nul,
        boms,
        line_ends,
        extreme_dates,
    )  # fmt: skip
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A ledger with the report tests' leads and activities, and its agreement."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "agreements").mkdir()
    (d / "agreements" / "cli.yaml").write_text(AGREEMENT)
    (d / "leads.csv").write_text(LEADS)
    (d / "activities.csv").write_text(ACTIVITIES)
    env = {"SLACTL_DB": str(d / "base.db"), "SLACTL_AGREEMENTS": str(d / "agreements")}
    for name in ("leads.csv", "activities.csv"):
        r = run(["import", str(d / name)], env=env, cwd=d)
        assert r.code == 0, r.stderr
    conn = sqlite3.connect(d / "base.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"dir": d, "db": d / "base.db", "agreements": d / "agreements"}


def fresh_ledger(base: dict[str, Path], where: Path) -> Path:
    db = where / "ledger.db"
    shutil.copyfile(base["db"], db)
    return db


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", ["leads", "activities"])
@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_mutated_csv(
    base: dict[str, Path], tmp_path: Path, mutation: str, kind: str, seed: int
) -> None:
    rnd = random.Random(f"{mutation}-{kind}-{seed}")
    source = (base["dir"] / f"{kind}.csv").read_bytes()
    data = MUTATIONS[mutation](source, rnd)
    f = tmp_path / f"{kind}.csv"
    f.write_bytes(data)
    db = fresh_ledger(base, tmp_path)
    before = ledger_digest(db)
    env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(base["agreements"])}

    if seed == SEEDS[0]:  # (every other run: the whole fuzz run stays under 90 s)
        dry = run(["import", str(f), "--dry-run"], env=env, cwd=tmp_path)
        assert dry.problems() == [], (dry.stderr[-2000:], dry.seconds)
        assert ledger_digest(db) == before, "--dry-run changed the ledger"

    r = run(["import", str(f), "--kind", kind], env=env, cwd=tmp_path)
    assert r.problems() == [], (r.stderr[-2000:], r.seconds)
    if r.code != 0:
        assert ledger_digest(db) == before, "a refused import changed the ledger"


# -- agreement mutations ---------------------------------------------------------------------

LAUGHS = "".join(
    f"x{i}: &a{i} [{', '.join([f'*a{i - 1}' if i else 'call'] * 10)}]\n" for i in range(8)
)
WRONG = ["[1, 2]", "{a: 1}", "true", "null", '"x"', "1e308", "-5", "9" * 30, "[]", "'[/x]'"]


def wrong_type(text: str, rnd: random.Random) -> str:
    lines = text.splitlines()
    keyed = [i for i, line in enumerate(lines) if ": " in line and not line.strip().startswith("-")]
    for i in rnd.sample(keyed, 3):
        key = lines[i].split(": ", 1)[0]
        lines[i] = f"{key}: {rnd.choice(WRONG)}"
    return "\n".join(lines) + "\n"


def huge_numbers(text: str, rnd: random.Random) -> str:
    big = rnd.choice(["1000000", "3000000", "100000000", "1e300", "9" * 40])
    return (
        text.replace("within: 4", f"within: {big}")
        .replace("target: 90%", f"target: {big}%")
        .replace("met: 10", f"met: {big}")
    )


def aliases(text: str, rnd: random.Random) -> str:
    where = rnd.choice(["touch_kinds: [call, email]", 'mql: {score: ">= 60"}'])
    key = where.split(":")[0]
    return LAUGHS + text.replace(where, f"{key}: *a7")


def self_alias(text: str, rnd: random.Random) -> str:
    return text.replace("touch_kinds: [call, email]", "touch_kinds: &k [call, *k]")


def deep_nesting(text: str, rnd: random.Random) -> str:
    depth = rnd.choice([60, 1000, 20000])
    cond = "{any: [" * depth + '{score: ">= 60"}' + "]}" * depth
    return text.replace('mql: {score: ">= 60"}', f"mql: {cond}")


def agreement_bytes(text: str, rnd: random.Random) -> str:
    b = flip(text.encode(), rnd)
    return b.decode("utf-8", "replace")


def agreement_truncated(text: str, rnd: random.Random) -> str:
    return text[: rnd.randrange(1, len(text))]


def agreement_nul(text: str, rnd: random.Random) -> str:
    k = rnd.randrange(len(text))
    return text[:k] + "\x00" + text[k:]


AGREEMENT_MUTATIONS: dict[str, Callable[[str, random.Random], str]] = {
    f.__name__: f
    for f in (
        wrong_type,
        huge_numbers,
        aliases,
        self_alias,
        deep_nesting,
        agreement_bytes,
        agreement_truncated,
        agreement_nul,
    )  # fmt: skip
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mutation", list(AGREEMENT_MUTATIONS))
def test_mutated_agreement(base: dict[str, Path], tmp_path: Path, mutation: str, seed: int) -> None:
    rnd = random.Random(f"{mutation}-{seed}")
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "cli.yaml").write_text(AGREEMENT_MUTATIONS[mutation](AGREEMENT, rnd))
    db = fresh_ledger(base, tmp_path)
    before = ledger_digest(db)
    env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(agreements)}
    for args in (
        ["agreement", "check"],
        ["report", "--month", "2024-05", "--as-of", "2024-06-03T09:00"],
    ):
        r = run(args, env=env, cwd=tmp_path, timeout=20)
        assert r.problems() == [], (args, r.stderr[-2000:], r.seconds)
    assert ledger_digest(db) == before
