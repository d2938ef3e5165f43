"""The dashboard's funnel carries the month's pipeline (SPEC 9) as `report` gives it, on
the hand-worked May of tests/pipeline/scenario.py: O-1 10,000 + O-2 5,000 + O-3 8,000
created in May = 23,000 of pipeline; 3 opportunities from 4 SQLs, 1 won for 10,000."""

from __future__ import annotations

import re
from pathlib import Path

from tests.pipeline.scenario import AS_OF, report, run, setup


def test_the_funnel_panel_shows_the_months_pipeline(tmp_path: Path) -> None:
    env = setup(tmp_path)
    assert run(env, "import", "--kind", "opportunities", str(tmp_path / "opps.csv")).returncode == 0
    doc = report(env)
    funnel = doc["funnel"]
    assert (funnel["opportunities"], funnel["won"], funnel["pipeline"]) == (3, 1, 23000)
    page = tmp_path / "dash.html"
    r = run(env, "dashboard", "--month", "2024-05", "--as-of", AS_OF, "-o", str(page))
    assert r.returncode == 0, r.stderr
    text = page.read_text(encoding="utf-8")
    assert "<tr><td>Pipeline created</td><td></td><td class='num'>23,000 USD</td>" in text
    assert "<tr><td>Won amount</td><td></td><td class='num'>10,000 USD</td>" in text
    assert "<tr><td>SQL → Opportunity</td><td class='num'>4</td><td class='num'>3</td>" in text
    # the commitment measured on the pipeline: the report's figure and verdict
    (c,) = [c for c in doc["commitments"] if c["id"] == "pipeline"]
    assert (c["passed"], c["actual"]) == (True, 23000)
    card = re.search(
        r'<div class="card (\w+)" data-commitment="pipeline">.*?'
        r'<div class="fig">([^<]*) <small>(\w+)</small>',
        text,
    )
    assert card is not None
    assert card.group(2, 3) == (f"{c['compliance'] * 100:.1f}%", "pass")
