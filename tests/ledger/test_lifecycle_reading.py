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


@pytest.mark.parametrize("owner", [None, "alice"])
def test_events_at_one_instant_are_read_in_the_order_recorded(
    ledger_url: str, tmp_path: Path, owner: str | None
) -> None:
    # the engine reads a lead's events in time order, ties in the order the ledger
    # recorded them (SPEC 7.1: a handoff recorded after a disposition at the same minute
    # starts the next cycle); the index the events are found by holds their kinds after
    # their ids, so that neither kind order nor the owner's path changes it
    from datetime import UTC, datetime

    from slactl.ledger.engine import open_ledger
    from slactl.ledger.ingest.pipeline import import_csv
    from slactl.ledger.queries import load_histories

    (tmp_path / "leads.csv").write_text(
        "external_id,owner,created_at,handed_off_at\nA,alice,2024-04-10T08:00Z,2024-04-10T09:00Z\n"
    )
    (tmp_path / "acts.csv").write_text(
        "lead,kind,rep,at,outcome\n"
        "A,handoff,mkt,2024-04-11T10:00Z,\n"
        "A,disposition,alice,2024-04-11T10:00Z,nurture\n"
        "A,call,alice,2024-04-11T10:00Z,\n"
        "A,accept,alice,2024-04-11T10:00Z,\n"
    )
    engine = open_ledger(ledger_url)
    now = datetime(2024, 6, 1, tzinfo=UTC)
    try:
        for name in ("leads.csv", "acts.csv"):
            assert import_csv(engine, tmp_path / name, now=now).rejected == 0
        with engine.connect() as conn:
            (h,) = load_histories(
                conn=conn,
                start=datetime(2024, 4, 1, tzinfo=UTC),
                end=datetime(2024, 5, 1, tzinfo=UTC),
                as_of=now,
                owner=owner,
                unsettled_before=datetime(2024, 3, 1, tzinfo=UTC) if owner else None,
            )
            recorded = [r[0] for r in conn.exec_driver_sql("SELECT kind FROM event ORDER BY id")]
    finally:
        engine.dispose()
    assert recorded == ["handoff", "disposition", "call", "accept"]
    assert [e.kind for e in h.events] == recorded
