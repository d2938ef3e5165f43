"""`slactl whatif`: the hand-worked May 2024 ledger of the end-to-end test under a draft."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.cli import app
from slactl.cli.whatif_cmds import WhatIfFormat
from slactl.render.whatif import FORMATTERS

# reuse the hand-worked ledger of the end-to-end test
from tests.cli.test_report_e2e import AGREEMENT, ledger, slactl  # noqa: F401

MAY = ["--month", "2024-05", "--as-of", "2024-06-03T09:00"]
TWO_HOURS = AGREEMENT.replace("within: 4 business hours", "within: 2 business hours")


def test_every_format_has_a_formatter() -> None:
    assert set(FORMATTERS) == {f.value for f in WhatIfFormat}


def test_whatif_flips_exactly_the_leads_the_new_terms_change(
    ledger: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    # ft within 2 business hours instead of 4. Worked lead by lead: L02 starts Tue 09:00 and
    # is touched 13:00 (> 11:00) -> breached; L04 is handed off Thu 15:00, due Thu 17:00,
    # touched Fri 10:30 -> breached; L12 Fri 14:00 is due Fri 16:00, past as_of -> breached
    # (was at risk). L13 Fri 16:30 is due Mon 10:30, after as_of + 1 bh: pending, as before.
    # Every other met lead was touched within 2 business hours (L28: Wed 16:59 -> Thu 10:59,
    # touched 09:59).
    draft = tmp_path / "draft.yaml"
    draft.write_text(TWO_HOURS)
    proc = slactl(ledger, "whatif", str(draft), *MAY, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = json.loads(proc.stdout)
    assert out["changes"] == ["ft: within 4 business hours → 2 business hours"]
    flips = {(f["lead"], f["commitment"]): (f["current"], f["draft"]) for f in out["flips"]}
    assert flips == {
        ("L02", "ft"): ("met", "breached"),
        ("L04", "ft"): ("met", "breached"),
        ("L12", "ft"): ("at_risk", "breached"),
    }
    ft_now = next(c for c in out["current"]["commitments"] if c["id"] == "ft")
    ft_draft = next(c for c in out["draft"]["commitments"] if c["id"] == "ft")
    assert (ft_now["met"], ft_now["breached"]) == (20, 4)
    assert (ft_draft["met"], ft_draft["breached"]) == (18, 7)
    # `current` is exactly what `report --format json` says
    report = slactl(ledger, "report", *MAY, "--format", "json")
    assert out["current"] == json.loads(report.stdout)
    # each flip carries the reason `explain` gives for the lead now
    l04 = next(f for f in out["flips"] if f["lead"] == "L04")
    assert l04["reason_current"] == (
        "first touch Fri 2024-05-03 10:30 came 30 business minutes before the deadline"
        " Fri 2024-05-03 11:00: Thu 2024-05-02 15:00 + 4 business hours"
    )
    explained = slactl(ledger, "explain", "L04", "--as-of", "2024-06-03T09:00")
    assert l04["reason_current"] in " ".join(explained.stdout.split())
    assert l04["reason_draft"] == (
        "first touch Fri 2024-05-03 10:30 came 1 business hour 30 minutes after the deadline"
        " Thu 2024-05-02 17:00: Thu 2024-05-02 15:00 + 2 business hours"
    )


def test_whatif_through_clirunner(ledger: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    draft = tmp_path / "draft.yaml"
    draft.write_text(
        TWO_HOURS.replace("target: 90%}", "target: 80%}", 1).replace(
            "{id: volume, measure: mql_volume, target: 100%}",
            "{id: volume, measure: mql_volume, target: 90%}",
        )
    )
    r = CliRunner().invoke(app, ["whatif", str(draft), *MAY, "--format", "markdown"], env=ledger)
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[:7] == [
        "## What if — 2024-05",
        "",
        "Changes:",
        "",
        "- ft: within 4 business hours → 2 business hours; target 90% → 80%",
        "- volume: target 100% → 90%",
        "",
    ]
    # ft now 20 met of 24 decided; under the draft 18 of 25
    assert "| ft | 90% | 83.3% | 80% | 72.0% | -11.3 pts | FAIL |" in lines
    assert "| volume | 100% | 100.0% | 90% | 100.0% | = | pass |" in lines
    assert (
        "Marketing's MQL quota: 26 of 20 (100.0%) now; 26 of 20 (100.0%) under the draft" in lines
    )
    assert "### Leads whose outcome flips: 3" in lines
    assert lines[-3].startswith("| L02 | ft | alice | met | breached | first touch Tue 2024-05-28")


def test_whatif_table(ledger: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    draft = tmp_path / "draft.yaml"
    draft.write_text(TWO_HOURS)
    r = CliRunner().invoke(app, ["whatif", str(draft), *MAY], env={**ledger, "COLUMNS": "100"})
    assert r.exit_code == 0, r.stderr
    assert "Changes:\n  ft: within 4 business hours → 2 business hours\n" in r.stdout
    assert "Leads whose outcome flips: 3" in r.stdout
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in r.stdout.splitlines()]
    assert ["ft", "90%", "83.3%", "90%", "72.0%", "-11.3 pts", "FAIL"] in rows
    assert ["L12", "ft", "alice", "at_risk", "breached"] in [row[:5] for row in rows]


def test_whatif_bad_draft_one_line(ledger: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    draft = tmp_path / "draft.yaml"
    draft.write_text(AGREEMENT.replace("within: 4 business hours", "within: 4 hourz"))
    proc = slactl(ledger, "whatif", str(draft), "--month", "2024-05")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"Error: {draft}:18: commitment ft within: ")
    assert proc.stderr.count("\n") == 1
    missing = CliRunner().invoke(app, ["whatif", str(tmp_path / "no.yaml"), *MAY], env=ledger)
    assert (missing.exit_code, missing.stderr) == (
        2,
        f"Error: {tmp_path / 'no.yaml'}: no such file\n",
    )


def test_a_period_spanning_two_agreements_is_split(
    ledger: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    # the agreement changed on Thu 16 May: 4 business hours before, 2 after. May is measured
    # half under each; the draft (2 hours all month) flips only L04 (started 2 May).
    agreements = Path(ledger["SLACTL_AGREEMENTS"])
    (agreements / "e2e.yaml").write_text(
        AGREEMENT.replace("name: e2e", "name: e2e-early").replace(
            "end: 2024-12-31", "end: 2024-05-15"
        )
    )
    (agreements / "late.yaml").write_text(
        TWO_HOURS.replace("name: e2e", "name: e2e-late").replace(
            "start: 2024-01-01", "start: 2024-05-16"
        )
    )
    draft = tmp_path / "draft.yaml"
    draft.write_text(TWO_HOURS)
    proc = slactl(ledger, "whatif", str(draft), *MAY, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == (
        "note: this period spans e2e-early (2024-05-01..2024-05-15), e2e-late"
        " (2024-05-16..2024-05-31): each part is measured under its own agreement\n"
    )
    out = json.loads(proc.stdout)
    assert out["current"]["agreement"] == "e2e-early + e2e-late"
    assert out["changes"] == [
        "2024-05-01..2024-05-15 (e2e-early): ft: within 4 business hours → 2 business hours",
        "2024-05-16..2024-05-31 (e2e-late): no changes",
    ]
    assert [(f["lead"], f["commitment"], f["current"], f["draft"]) for f in out["flips"]] == [
        ("L04", "ft", "met", "breached")
    ]
    report = slactl(ledger, "report", *MAY, "--format", "json")
    assert report.stderr == proc.stderr
    assert json.loads(report.stdout) == out["current"]


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_whatif_formats_through_the_binary(
    ledger: dict[str, str],  # noqa: F811
    tmp_path: Path,
    fmt: str,
) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text(AGREEMENT.replace("target: 90%}", "target: 80%}", 1))
    proc = slactl(ledger, "whatif", str(draft), *MAY, "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert "ft: target 90% → 80%" in proc.stdout
