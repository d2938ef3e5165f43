"""`slactl agreement diff` and `slactl whatif`: the same ledger under a draft agreement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slactl.agreement.diff import diff_agreements
from slactl.agreement.loader import load_agreement_text
from slactl.cli import app

# reuse the hand-worked ledger of the end-to-end test
from tests.test_e2e_report import AGREEMENT, ledger, slactl  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def test_diff_in_words() -> None:
    old = load_agreement_text(AGREEMENT)
    new = load_agreement_text(
        AGREEMENT.replace("within: 4 business hours", "within: 2 business hours")
        .replace(
            'hours: {mon-fri: "09:00-17:00"}', 'hours: {mon-fri: "09:00-17:00", sat: "10:00-14:00"}'
        )
        .replace("target: 95%}\n    - {id: pers", "target: 90%}\n    - {id: pers")
        .replace(
            "    - {id: cad, measure: touch_cadence, max_gap: 2 business days, until: 3, target: 90%}\n",
            "",
        )
    )
    assert diff_agreements(old, new) == [
        "ft: within 4 business hours → 2 business hours",
        "disp: target 95% → 90%",
        "commitment cad removed",
        "calendar: Saturday 10:00-14:00 added",
    ]


def test_diff_cli(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(AGREEMENT)
    b.write_text(
        AGREEMENT.replace(
            "holidays: {country: US, subdivision: NY}",
            "holidays: {country: US, subdivision: NY, add: [2024-12-24]}",
        )
    )
    r = CliRunner().invoke(app, ["agreement", "diff", str(a), str(b)])
    assert r.exit_code == 0
    assert r.stdout == "holiday 2024-12-24 added\n"
    same = CliRunner().invoke(app, ["agreement", "diff", str(a), str(a)])
    assert same.stdout == "no changes\n"


def test_whatif_flips_exactly_the_leads_the_new_terms_change(
    ledger: dict[str, str],  # noqa: F811
    tmp_path: Path,  # noqa: F811
) -> None:
    # ft within 2 business hours instead of 4. Worked lead by lead: L02 starts Tue 09:00 and
    # is touched 13:00 (> 11:00) -> breached; L04 is handed off Thu 15:00, due Thu 17:00,
    # touched Fri 10:30 -> breached; L12 Fri 14:00 is due Fri 16:00, past as_of -> breached
    # (was at risk). L13 Fri 16:30 is due Mon 10:30, after as_of + 1 bh: pending, as before.
    # Every other met lead was touched within 2 business hours (L28: Wed 16:59 -> Thu 10:59,
    # touched 09:59).
    draft = tmp_path / "draft.yaml"
    draft.write_text(AGREEMENT.replace("within: 4 business hours", "within: 2 business hours"))
    proc = slactl(
        ledger,
        "whatif",
        str(draft),
        "--month",
        "2024-05",
        "--as-of",
        "2024-06-03T09:00",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
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


def test_whatif_bad_draft_one_line(ledger: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    draft = tmp_path / "draft.yaml"
    draft.write_text(AGREEMENT.replace("within: 4 business hours", "within: 4 hourz"))
    proc = slactl(ledger, "whatif", str(draft), "--month", "2024-05")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"Error: {draft}:")
    assert proc.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_whatif_text_formats(ledger: dict[str, str], tmp_path: Path, fmt: str) -> None:  # noqa: F811
    draft = tmp_path / "draft.yaml"
    draft.write_text(AGREEMENT.replace("target: 90%}", "target: 80%}", 1))
    proc = slactl(
        ledger,
        "whatif",
        str(draft),
        "--month",
        "2024-05",
        "--as-of",
        "2024-06-03T09:00",
        "--format",
        fmt,
    )
    assert proc.returncode == 0, proc.stderr
    assert "ft: target 90% → 80%" in proc.stdout
