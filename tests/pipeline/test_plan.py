"""``slactl plan`` (SPEC 9) on the hand-worked May of ``scenario``, through the installed CLI.

Measured over 2024-05 (as of 2024-06-03): MQL→SQL 4 of 5, SQL→opportunity 3 of 4,
opportunity→won 1 of 3; average won deal 10,000 (1 won); average opportunity
23,000 / 3; median cycle 20 days, which rounds to 1 month of lead time.

For 100,000 closing in 2025-01..2025-04, by hand:
  won deals     = ceil(100,000 / 10,000)     = 10
  opportunities = ceil(10 / (1/3))           = 30
  SQLs          = ceil(30 / (3/4))           = 40
  MQLs          = ceil(40 / (4/5))           = 50
  pipeline      = ceil(30 × 23,000 / 3)      = 230,000
  per month over 2024-12..2025-03 (a month earlier): 50 = 13 + 13 + 12 + 12 MQLs,
  230,000 = 4 × 57,500.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.pipeline.scenario import AS_OF, run, setup

PLAN = ("plan", "--revenue", "100000", "--months", "2025-01..2025-04", "--as-of", AS_OF)


def planned(tmp_path: Path) -> dict[str, str]:
    env = setup(tmp_path)
    assert run(env, "import", str(tmp_path / "opps.csv")).returncode == 0
    return env


def test_plan_json_is_the_hand_worked_waterfall(tmp_path: Path) -> None:
    env = planned(tmp_path)
    r = run(env, *PLAN, "--lookback", "2024-05", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {
        "revenue": 100000,
        "months": ["2025-01", "2025-02", "2025-03", "2025-04"],
        "lookback": "2024-05",
        "rates": {
            "mql_to_sql": {"rate": 0.8, "hits": 4, "of": 5},
            "sql_to_opportunity": {"rate": 0.75, "hits": 3, "of": 4},
            "opportunity_to_won": {"rate": 0.3333, "hits": 1, "of": 3},
        },
        "average_deal": {"amount": 10000, "of": 1},
        "average_opportunity": 7666.67,
        "median_sales_cycle_days": 20,
        "lead_months": 1,
        "needed": {"won": 10, "opportunities": 30, "sql": 40, "mql": 50, "pipeline": 230000},
        "per_month": [
            {"month": "2024-12", "mql": 13, "pipeline": 57500},
            {"month": "2025-01", "mql": 13, "pipeline": 57500},
            {"month": "2025-02", "mql": 12, "pipeline": 57500},
            {"month": "2025-03", "mql": 12, "pipeline": 57500},
        ],
    }


def test_plan_table_shows_each_rate_with_its_sample(tmp_path: Path) -> None:
    env = planned(tmp_path)
    # the default look-back: the twelve months before 2025-01, which hold the same May
    r = run(env, *PLAN)
    assert r.returncode == 0, r.stderr
    assert "Measured over 2024-01..2024-12" in r.stdout
    for line in (
        "MQL → SQL              80.0%   4 of 5",
        "SQL → opportunity      75.0%   3 of 4",
        "Opportunity → won      33.3%   1 of 3",
        "Average won deal      10,000    1 won",
        "10              30     40     50    230,000",
        "2024-12     13     57,500",
    ):
        assert line in r.stdout


def test_write_quotas_prints_or_writes_lines_the_loader_reads(tmp_path: Path) -> None:
    env = planned(tmp_path)
    printed = run(env, *PLAN, "--lookback", "2024-05", "--write-quotas", "-")
    lines = (
        "mql_volume:\n  2024-12: 13\n  2025-01: 13\n  2025-02: 12\n  2025-03: 12\n"
        "pipeline:\n  2024-12: 57500\n  2025-01: 57500\n  2025-02: 57500\n  2025-03: 57500\n"
    )
    assert (printed.returncode, printed.stdout) == (0, lines)
    target = tmp_path / "proposed.yaml"
    wrote = run(env, *PLAN, "--lookback", "2024-05", "--write-quotas", str(target))
    assert wrote.returncode == 0
    assert target.read_text() == lines
    from slactl.agreement.loader import load_quotas

    quotas = load_quotas(target)
    assert quotas.mql_volume[(2024, 12)] == 13 and quotas.pipeline[(2025, 3)] == 57500
    again = run(env, *PLAN, "--lookback", "2024-05", "--write-quotas", str(target))
    assert (again.returncode, again.stderr) == (
        2,
        f"Error: --write-quotas {target}: the file exists; name a new one and merge its lines"
        " into quotas.yaml by hand\n",
    )


def test_a_rate_without_a_sample_is_refused(tmp_path: Path) -> None:
    env = planned(tmp_path)
    empty = run(env, *PLAN, "--lookback", "2024-03")
    assert (empty.returncode, empty.stdout, empty.stderr) == (
        2,
        "",
        "Error: no MQLs in the look-back 2024-03: mql_to_sql has no sample; choose a --lookback"
        " with data (or import the opportunities)\n",
    )
    # as of Fri 05-10 nothing was won yet: 0 of 2 opportunities
    early = run(env, *PLAN[:-1], "2024-05-10T09:00-04:00", "--lookback", "2024-05")
    assert (early.returncode, early.stderr) == (
        2,
        "Error: no won opportunity among 2 opportunities in the look-back 2024-05:"
        " opportunity_to_won is 0 and no number of MQLs reaches the goal; choose another"
        " --lookback\n",
    )
    bad = run(env, "plan", "--revenue", "100000", "--months", "2025-13")
    assert (bad.returncode, bad.stderr) == (
        2,
        "Error: --months '2025-13': use YYYY-MM..YYYY-MM, e.g. 2025-01..2025-12\n",
    )
