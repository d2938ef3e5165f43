"""The measures ``opportunity`` and ``pipeline`` and the funnel's pipeline (SPEC 9), end
to end through the installed CLI on the hand-worked May of ``scenario``.

Worked by hand (New York, Mon-Fri 09:00-17:00):

- opportunity (within 5 business days of the qualification):
  L-1 cycle 1 qualified Thu 05-02 10:00, due Thu 05-09 10:00; O-1 Mon 05-06: met.
  L-1 cycle 2 qualified Tue 05-14 10:00, due Tue 05-21 10:00; O-2 Wed 05-15: met (O-1,
  created in cycle 1, does not count for cycle 2).
  L-2 qualified Tue 05-07 11:00, due Tue 05-14 11:00; O-3 Wed 05-08: met.
  L-3 qualified Thu 05-09 10:00, due Thu 05-16 10:00; none by 06-03: breached.
  L-4 disqualified: not counted.  -> 3 met, 1 breached, 75 %.
- pipeline: O-1 10,000 + O-2 5,000 + O-3 8,000 created in May = 23,000 >= 20,000: met.
- funnel: 5 MQL cycles (L-1 twice), 4 SQL; 3 opportunities created, 1 won (O-1, closed
  05-21) for 10,000; rates 4/5, 3/4, 1/3; O-1's cycle ran from its handoff 05-01 to 05-21:
  20 calendar days.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.pipeline.scenario import AS_OF, report, run, setup

OPPORTUNITY = {
    "id": "opportunity",
    "owner": "sales",
    "measure": "opportunity",
    "target": 0.9,
    "met": 3,
    "breached": 1,
    "pending": 0,
    "at_risk": 0,
    "paused": 0,
    "compliance": 0.75,
    "passed": False,
}
PIPELINE = {
    "id": "pipeline",
    "owner": "marketing",
    "measure": "pipeline",
    "target": 1.0,
    "met": 1,
    "breached": 0,
    "pending": 0,
    "at_risk": 0,
    "paused": 0,
    "compliance": 1.0,
    "passed": True,
    "actual": 23000,
    "quota": 20000,
}
FUNNEL = {
    "leads": 5,
    "mql": 5,
    "sql": 4,
    "disqualified": 1,
    "nurture": 0,
    "recycled": 1,
    "opportunities": 3,
    "won": 1,
    "pipeline": 23000,
    "won_amount": 10000,
    "rates": {"mql_to_sql": 0.8, "sql_to_opportunity": 0.75, "opportunity_to_won": 0.3333},
    "median_sales_cycle_days": 20,
}


def by_id(doc: dict) -> dict:  # type: ignore[type-arg]
    return {c["id"]: c for c in doc["commitments"]}


def test_report_json_exact(tmp_path: Path) -> None:
    env = setup(tmp_path)
    run(env, "import", str(tmp_path / "opps.csv"))
    doc = report(env)
    got = by_id(doc)
    assert got["opportunity"] == OPPORTUNITY
    assert got["pipeline"] == PIPELINE
    assert doc["funnel"] == FUNNEL
    reps = {r["rep"]: r["commitments"]["opportunity"] for r in doc["reps"]}
    assert reps == {
        "alice": {"met": 2, "breached": 1, "pending": 0},
        "bob": {"met": 1, "breached": 0, "pending": 0},
    }


def test_re_import_moving_a_stage_changes_the_figures(tmp_path: Path) -> None:
    """O-2 closes won on Thu 05-30 15:00 at 6,000: pipeline 10,000 + 6,000 + 8,000; won 2
    for 16,000; cycles 20 days (O-1) and 17 (O-2: from its cycle's handoff 05-13): the
    nearest-rank median of two is the smaller."""
    env = setup(tmp_path)
    run(env, "import", str(tmp_path / "opps.csv"))
    moved = tmp_path / "opps2.csv"
    moved.write_text(
        "id,lead,created_at,amount,currency,stage,closed_at,won\n"
        "O-2,L-1,2024-05-15T10:00-04:00,6000,USD,Closed Won,2024-05-30T15:00-04:00,true\n"
    )
    assert run(env, "import", str(moved)).returncode == 0
    doc = report(env)
    assert by_id(doc)["pipeline"]["actual"] == 24000
    assert doc["funnel"] == {
        **FUNNEL,
        "won": 2,
        "pipeline": 24000,
        "won_amount": 16000,
        "rates": {"mql_to_sql": 0.8, "sql_to_opportunity": 0.75, "opportunity_to_won": 0.6667},
        "median_sales_cycle_days": 17,
    }


def test_pending_before_the_deadline_and_pipeline_open(tmp_path: Path) -> None:
    """As of Fri 05-10 09:00: L-3's opportunity is due Thu 05-16 10:00 (pending); the
    month is open with 18,000 (O-1, O-3) of 20,000 (pending); nothing won yet."""
    env = setup(tmp_path)
    run(env, "import", str(tmp_path / "opps.csv"))
    r = run(env, "report", "--month", "2024-05", "--as-of", "2024-05-10T09:00-04:00")
    assert r.returncode == 0, r.stderr
    doc = report(env, "--as-of", "2024-05-10T09:00-04:00")
    got = by_id(doc)
    assert (got["opportunity"]["met"], got["opportunity"]["pending"]) == (2, 1)
    assert (got["pipeline"]["pending"], got["pipeline"]["actual"]) == (1, 18000)
    assert (doc["funnel"]["opportunities"], doc["funnel"]["won"]) == (2, 0)
    assert doc["funnel"]["median_sales_cycle_days"] is None


def test_every_format_shows_the_pipeline(tmp_path: Path) -> None:
    env = setup(tmp_path)
    run(env, "import", str(tmp_path / "opps.csv"))
    base = ("report", "--month", "2024-05", "--as-of", AS_OF, "--format")
    table = run(env, *base, "table").stdout
    assert " Opps  Won  Pipeline  amount  MQL→SQL  SQL→Opp  Opp→Won    cycle" in table
    assert "    3    1    23,000  10,000    80.0%    75.0%    33.3%  20 days" in table
    assert "Contribution to the revenue pipeline (23,000 of 20,000 USD)" in table
    md = run(env, *base, "markdown").stdout
    assert "| 3 | 1 | 23,000 | 10,000 | 80.0% | 75.0% | 33.3% | 20 days |" in md
    html = run(env, *base, "html").stdout
    assert "<th>Median cycle</th>" in html and ">20 days<" in html
    csv = run(env, *base, "csv").stdout.splitlines()
    tail = [",".join(line.split(",")[4:6] + line.split(",")[14:15]) for line in csv[-8:]]
    assert tail == [
        "funnel,opportunities,3",
        "funnel,won,1",
        "funnel,pipeline,23000",
        "funnel,won_amount,10000",
        "funnel,mql_to_sql,0.8",
        "funnel,sql_to_opportunity,0.75",
        "funnel,opportunity_to_won,0.3333",
        "funnel,median_sales_cycle_days,20",
    ]


def test_lint_currency_and_won_revenue(tmp_path: Path) -> None:
    env = setup(tmp_path)
    path = tmp_path / "agreements" / "acme-2024.yaml"
    text = path.read_text()
    path.write_text(
        text.replace(
            "      activity: Contribution to the revenue pipeline\n",
            "      activity: Revenue won from our MQLs\n",
        )
    )
    r = run(env, "agreement", "check")
    assert r.returncode == 0, r.stderr
    line = text.splitlines().index("    - id: pipeline") + 1
    assert (
        f"{path}:{line}: warning: marketing commitment pipeline ('Revenue won from our MQLs')"
        " is on won revenue, which sales closes and marketing does not control: commit"
        " marketing to the pipeline it creates (measure: pipeline)"
    ) in r.stdout + r.stderr
    path.write_text(text.replace("  currency: USD\n", ""))  # (a line before the commitment)
    r = run(env, "agreement", "check")
    assert r.returncode == 2
    assert (
        f"{path}:{line - 1}: error: commitment pipeline measures pipeline, an amount: name the"
        " agreement's one currency in definitions.currency (e.g. currency: USD)"
    ) in r.stdout + r.stderr


def test_explain_and_status_read_the_opportunities(tmp_path: Path) -> None:
    env = setup(tmp_path)
    run(env, "import", str(tmp_path / "opps.csv"))
    when = ("--as-of", "2024-05-20T09:00-04:00")
    l1 = run(env, "explain", "L-1", *when).stdout
    assert (
        "opportunity: opportunity O-1 Mon 2024-05-06 10:00 came 24 business hours before the"
        " deadline Thu 2024-05-09 10:00: qualified Thu 2024-05-02 10:00 + 5 business days"
    ) in l1
    assert "opportunity: opportunity O-2 Wed 2024-05-15 10:00 came 32 business hours" in l1
    # the timeline lists what the lead turned into; a close after as-of is marked ignored
    assert "│ Mon 2024-05-06 10:00 │ opportunity O-1 (10,000 USD, Closed Won)" in l1
    assert "│ Wed 2024-05-15 10:00 │ opportunity O-2 (5,000 USD, Negotiation)" in l1
    assert "│ Tue 2024-05-21 12:00 │ opportunity O-1 won — after as-of, ignored" in l1
    later = run(env, "explain", "L-1", "--as-of", "2024-05-22T09:00-04:00").stdout
    (won,) = [line for line in later.splitlines() if "opportunity O-1 won" in line]
    assert "Tue 2024-05-21 12:00" in won and "ignored" not in won
    l3 = run(env, "explain", "L-3", *when).stdout
    assert (
        "opportunity: no opportunity by the deadline Thu 2024-05-16 10:00: qualified"
        " Thu 2024-05-09 10:00 + 5 business days"
    ) in l3
    status = run(env, "status", "--rep", "alice", *when).stdout
    assert "│ opportunity │   2 │        1 │       0 │      66.7% │" in status
    # L-3 is qualified, so settled, but still owes its opportunity (and only that): due
    # Thu 05-16 10:00, 8 + 8 + 8 + 1 business hours after Mon 05-13 09:00; 7 late on Fri
    monday = run(env, "status", "--rep", "alice", "--as-of", "2024-05-13T09:00-04:00").stdout
    assert "│ L-3  │ opportunity │ Thu 05-16 10:00 │ 25h00m left   │ due   │" in monday
    assert monday.count("│ L-") == 1
    friday = run(env, "status", "--rep", "alice", "--as-of", "2024-05-17T09:00-04:00").stdout
    assert "│ opportunity │ Thu 05-16 10:00 │ 7h00m late    │ OVERDUE │" in friday


def test_a_published_period_keeps_its_pipeline(tmp_path: Path) -> None:
    """Published as of 06-03, May's funnel stays 23,000 / 1 won after O-2 closes won."""
    env = setup(tmp_path)
    run(env, "import", str(tmp_path / "opps.csv"))
    published = run(env, "publish", "--month", "2024-05", "--as-of", AS_OF, "--by", "dana")
    assert published.returncode == 0, published.stderr
    moved = tmp_path / "opps2.csv"
    moved.write_text(
        "id,lead,created_at,amount,currency,stage,closed_at,won\n"
        "O-2,L-1,2024-05-15T10:00-04:00,6000,USD,Closed Won,2024-05-30T15:00-04:00,true\n"
    )
    assert run(env, "import", str(moved)).returncode == 0
    r = run(env, "report", "--month", "2024-05", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["published"]["published_by"] == "dana"
    assert doc["funnel"] == FUNNEL  # the published figures, not today's
    table = run(env, "report", "--month", "2024-05").stdout
    assert "    3    1    23,000  10,000    80.0%    75.0%    33.3%  20 days" in table
    assert "Contribution to the revenue pipeline (23,000 of 20,000 USD)" in table


def test_the_pipeline_table_fits_80_columns_with_amounts_in_the_millions(tmp_path: Path) -> None:
    # with the long headers at 80 columns, Rich cut the figures: "Opportu…", "30,000.…"
    env = {**setup(tmp_path), "COLUMNS": "80"}
    big = tmp_path / "big.csv"
    big.write_text(
        "id,lead,created_at,amount,currency,stage,closed_at,won\n"
        'O-1,L-1,2024-05-06T10:00-04:00,"1,250,000.50",USD,Closed Won,'
        "2024-05-21T12:00-04:00,true\n"
    )
    assert run(env, "import", str(big)).returncode == 0
    table = run(env, "report", "--month", "2024-05", "--as-of", AS_OF).stdout
    lines = [line.rstrip() for line in table.splitlines()]
    at = lines.index("Pipeline")
    assert lines[at : at + 6] == [
        "Pipeline",
        "",
        "                                   Won                              Median",
        " Opps  Won      Pipeline        amount  MQL→SQL  SQL→Opp  Opp→Won    cycle",
        " ─────────────────────────────────────────────────────────────────────────",
        "    1    1  1,250,000.50  1,250,000.50    80.0%    25.0%   100.0%  20 days",
    ]


def test_a_period_spanning_two_currencies_is_warned(tmp_path: Path) -> None:
    # SPEC 9, one currency per agreement: a month cut between a USD and an EUR agreement
    # adds dollars and euros in its pipeline figures; the report says so
    from tests.pipeline.scenario import AGREEMENT

    env = setup(tmp_path)
    folder = tmp_path / "agreements"
    first = AGREEMENT.replace("end: 2024-12-31", "end: 2024-05-10")
    (folder / "acme-2024.yaml").write_text(first)
    second = AGREEMENT.replace("name: acme-2024", "name: acme-2024b")
    second = second.replace("start: 2024-01-01", "start: 2024-05-11")
    (folder / "acme-2024b.yaml").write_text(second)
    args = ("report", "--month", "2024-05", "--as-of", AS_OF, "--format", "json")
    same = run(env, *args)
    assert same.returncode == 0, same.stderr
    assert not [line for line in same.stderr.splitlines() if line.startswith("warning:")]
    (folder / "acme-2024b.yaml").write_text(second.replace("currency: USD", "currency: EUR"))
    mixed = run(env, *args)
    assert mixed.returncode == 0, mixed.stderr
    assert [line for line in mixed.stderr.splitlines() if line.startswith("warning:")] == [
        "warning: the pipeline amounts add USD (acme-2024, 2024-05-01..2024-05-10) and EUR"
        " (acme-2024b, 2024-05-11..2024-05-31): their sum means nothing; report each"
        " agreement's part on its own (--from/--to)"
    ]
