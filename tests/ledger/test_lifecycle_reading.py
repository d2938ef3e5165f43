"""SPEC 7 on both engines: a lead handed back in May is read for May though its first cycle
started in April, and a rep's report reads the leads reassigned to them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SLACTL = Path(sys.executable).parent / "slactl"

AGREEMENT = """\
slactl: 1
name: r
title: R
period: {start: 2024-01-01, end: 2024-12-31}
calendar: {timezone: America/New_York, hours: {mon-fri: "09:00-17:00"}}
definitions: {touch_kinds: [call]}
commitments:
  sales:
    - {id: ft, measure: first_touch, within: 4 business hours, target: 90%}
"""


def run(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [str(SLACTL), *args], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.slow  # (a generated ledger of every kind of event: the full suite runs it)
def test_recycled_and_reassigned_leads_are_read(ledger_url: str, tmp_path: Path) -> None:
    (tmp_path / "agreements").mkdir()
    (tmp_path / "agreements" / "r.yaml").write_text(AGREEMENT)
    (tmp_path / "leads.csv").write_text(
        "external_id,owner,created_at,handed_off_at\n"
        "A,alice,2024-04-10T08:00,2024-04-10T09:00\n"
        "B,alice,2024-05-06T08:00,2024-05-06T09:00\n"
    )
    (tmp_path / "acts.csv").write_text(
        "lead,kind,rep,at,outcome,from_rep\n"
        "A,call,alice,2024-04-10T10:00,,\n"
        "A,disposition,alice,2024-04-11T10:00,nurture,\n"
        "A,handoff,mkt,2024-05-07T09:00,,\n"  # cycle 2, in May
        "A,call,alice,2024-05-07T10:00,,\n"
        "B,reassign,bob,2024-05-06T09:30,,alice\n"
        "B,call,bob,2024-05-06T10:00,,\n"
    )
    env = {"SLACTL_DB": ledger_url, "SLACTL_AGREEMENTS": str(tmp_path / "agreements")}
    run(env, "import", str(tmp_path / "leads.csv"))
    run(env, "import", str(tmp_path / "acts.csv"))
    may = ["report", "--month", "2024-05", "--as-of", "2024-06-03T09:00", "--format", "json"]
    team = json.loads(run(env, *may))
    assert team["funnel"]["mql"] == 2 and team["funnel"]["recycled"] == 1
    # A's second cycle met by alice; B's first touch met by bob, who held it at 10:00
    assert {r["rep"]: r["commitments"]["ft"]["met"] for r in team["reps"]} == {"alice": 1, "bob": 1}
    bob = json.loads(run(env, *may, "--rep", "bob"))
    assert bob["commitments"][0]["met"] == 1
    assert [r["rep"] for r in bob["reps"]] == ["bob"]
