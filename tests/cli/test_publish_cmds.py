"""Published periods (`slactl publish`): the figures a review meeting saw are kept as they
were; a later `report` of the period shows them, with today's figures and what was
recorded since (which leads, which import) beside them; `--current` computes today's;
imports never change them; `db copy` carries them; publishing again needs `--force`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app
from tests.cli.test_report_cmds import ACTIVITIES, AGREEMENT, LEADS

AS_OF = "2024-06-03T09:00"


def cli(env: dict[str, str], *args: str, db: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app,
        ["--db", db or env["db"], "--agreements", env["agreements"], *args],
        env={"COLUMNS": "120", "SLACTL_USER": "dana"},
    )


@pytest.fixture
def env(tmp_path: Path, ledger_url: str) -> dict[str, str]:
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "cli.yaml").write_text(AGREEMENT)
    e = {"db": ledger_url, "agreements": str(agreements), "dir": str(tmp_path)}
    for name, text in (("leads.csv", LEADS), ("activities.csv", ACTIVITIES)):
        (tmp_path / name).write_text(text)
        r = cli(e, "import", str(tmp_path / name))
        assert r.exit_code == 0, r.output
    return e


def corrections(env: dict[str, str]) -> None:
    """After the meeting: a late touch on A3 imported, and A2 reassigned to bob."""
    d = Path(env["dir"])
    (d / "late.csv").write_text("lead,kind,rep,at,outcome,note\nA3,call,alice,2024-05-20T10:00,,\n")
    (d / "owner.csv").write_text(
        "external_id,email,owner,score,created_at\nA2,a2@example.com,bob,70,2024-05-03T16:30\n"
    )
    for name in ("late.csv", "owner.csv"):
        r = cli(env, "import", str(d / name))
        assert r.exit_code == 0, r.output


def test_published_figures_survive_a_correcting_import(env: dict[str, str]) -> None:
    before = json.loads(cli(env, "report", "--month", "2024-05", "--as-of", AS_OF,
                            "--format", "json").stdout)  # fmt: skip
    r = cli(env, "publish", "--month", "2024-05", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("published 2024-05 as of 2024-06-03T09:00-04:00 (agreement cli)")
    corrections(env)

    r = cli(env, "report", "--month", "2024-05", "--format", "json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    # SPEC 6.1's keys, with the figures as published
    assert {k: got[k] for k in before} == before
    assert got["published"]["published_by"] == "dana"
    assert got["published"]["as_of"] == "2024-06-03T09:00:00-04:00"
    assert got["published"]["earlier_publications"] == 0
    changes = got["since_publication"]["changes"]
    assert [(c["lead"], c["what"]) for c in changes] == [
        ("A3", "call at 2024-05-20 14:00 UTC by alice"),
        ("A2", "owner: alice -> bob"),
    ]
    assert changes[0]["source"].startswith("import ") and changes[0]["source"].endswith(
        " (late.csv)"
    )
    assert changes[1]["source"].endswith(" (owner.csv)")
    now = {c["id"]: (c["met"], c["breached"]) for c in got["since_publication"]["commitments"]}
    assert now["ft"] == (2, 2)  # A3's touch: met today, breached as published ((1, 3))

    # --current: today's computation, the same as any unpublished report
    current = json.loads(cli(env, "report", "--month", "2024-05", "--current",
                             "--format", "json").stdout)  # fmt: skip
    assert "published" not in current
    assert {c["id"]: (c["met"], c["breached"]) for c in current["commitments"]} == now


def test_the_table_shows_both_and_names_the_import(env: dict[str, str]) -> None:
    assert cli(env, "publish", "--month", "2024-05", "--as-of", AS_OF).exit_code == 0
    corrections(env)
    r = cli(env, "report", "--month", "2024-05")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "ft                     90%    1         3" in out  # as published
    assert "by dana (figures as of 2024-06-03T09:00:00-04:00). 2 changes recorded" in out
    assert "ft           25.0% (1/3/0)   50.0% (2/2/0)   changed" in out
    assert "late.csv" in out and "owner: alice -> bob" in out


def test_republishing_needs_force_and_keeps_history(env: dict[str, str]) -> None:
    assert cli(env, "publish", "--month", "2024-05", "--as-of", AS_OF).exit_code == 0
    r = cli(env, "publish", "--from", "2024-05-01", "--to", "2024-05-31")  # the same period
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: 2024-05 was published on ")
    assert r.stderr.rstrip().endswith(
        "by dana: add --force to publish it again (the earlier figures stay in the ledger's"
        " history)"
    )
    corrections(env)
    r = cli(env, "publish", "--month", "2024-05", "--as-of", "2024-06-10T09:00", "--force")
    assert r.exit_code == 0 and "(publication 2)" in r.stderr
    got = json.loads(cli(env, "report", "--month", "2024-05", "--format", "json").stdout)
    assert got["published"]["earlier_publications"] == 1
    assert got["as_of"] == "2024-06-10T09:00:00-04:00"
    assert got["since_publication"]["changes"] == []


def test_fail_on_breach_judges_the_published_figures(env: dict[str, str]) -> None:
    assert cli(env, "publish", "--month", "2024-05", "--as-of", AS_OF).exit_code == 0
    r = cli(env, "report", "--month", "2024-05", "--fail-on-breach", "--format", "csv")
    assert r.exit_code == 1
    assert r.stderr.startswith("note: Published ") and "below target: ft, disp" in r.stderr


def test_db_copy_carries_publications(env: dict[str, str], tmp_path: Path) -> None:
    assert cli(env, "publish", "--month", "2024-05", "--as-of", AS_OF).exit_code == 0
    target = str(tmp_path / "copy.db")
    r = cli(env, "db", "copy", "--to", target)
    assert r.exit_code == 0, r.output
    assert "1 published_period" in r.stderr
    a = json.loads(cli(env, "report", "--month", "2024-05", "--format", "json").stdout)
    b = json.loads(cli(env, "report", "--month", "2024-05", "--format", "json", db=target).stdout)
    assert a["published"] == b["published"] and a["commitments"] == b["commitments"]


def test_an_unpublished_period_is_computed_as_before(env: dict[str, str]) -> None:
    r = cli(env, "report", "--month", "2024-05", "--format", "json", "--as-of", AS_OF)
    assert "published" not in json.loads(r.stdout)
    r = cli(env, "publish", "--month", "2024-05", "--by", "\x1b[2J")
    assert r.exit_code == 2 and r.stderr == "Error: --by: give a name (printable text)\n"


def test_as_of_or_rep_computes_and_says_the_period_is_published(env: dict[str, str]) -> None:
    assert cli(env, "publish", "--month", "2024-05", "--as-of", AS_OF).exit_code == 0
    for extra in (["--as-of", "2024-06-10T09:00"], ["--rep", "alice"]):
        r = cli(env, "report", "--month", "2024-05", "--format", "json", *extra)
        assert r.exit_code == 0, r.output
        assert "published" not in json.loads(r.stdout)
        assert "note: 2024-05 is published (" in r.stderr and "by dana)" in r.stderr
