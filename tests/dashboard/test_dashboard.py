"""`slactl dashboard`: one self-contained HTML page whose figures are the report's, whose
breached leads carry `explain`'s reasons, and whose chart library only it loads."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from slactl.periods import month, quarter
from slactl.usecases.dashboard import percentile, trend_periods

ROOT = Path(__file__).resolve().parents[2]
SLACTL = Path(sys.executable).parent / "slactl"
AS_OF = "2024-06-03T09:00"
# a lead whose id, company and rep would be markup if the page did not escape them
HOSTILE = (
    "external_id,email,first_name,last_name,company,phone,owner,score,created_at\n"
    '"<script>alert(1)</script>",x@evil.example,Eve,"<b>Bold</b>","<i>Co</i>",+1 212 555 0000,'
    "alice,90,2024-05-06T10:00-04:00\n"
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("dash")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACTL_DB": str(d / "l.db"),
        "SLACTL_AGREEMENTS": str(ROOT / "agreements"),
    }
    (d / "hostile.csv").write_text(HOSTILE, encoding="utf-8")
    for path in (ROOT / "examples" / "leads.csv", ROOT / "examples" / "activities.csv"):
        run(env, "import", str(path))
    run(env, "import", "--kind", "leads", str(d / "hostile.csv"))
    return env


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLACTL), *args], env=env, capture_output=True, text=True, check=check, timeout=120
    )


def dashboard_page(env: dict[str, str], tmp: Path, *args: str) -> str:
    out = tmp / "dash.html"
    r = run(env, "dashboard", "--month", "2024-05", "--as-of", AS_OF, "-o", str(out), *args)
    assert (r.returncode, r.stdout) == (0, "")
    return out.read_text(encoding="utf-8")


def report_json(env: dict[str, str], *args: str) -> dict:  # type: ignore[type-arg]
    return json.loads(run(env, "report", "--as-of", AS_OF, "--format", "json", *args).stdout)


def test_every_commitment_with_the_reports_figure(env: dict[str, str], tmp_path: Path) -> None:
    page = dashboard_page(env, tmp_path)
    report = report_json(env, "--month", "2024-05")
    for c in report["commitments"]:
        card = re.search(
            rf'<div class="card (\w+)" data-commitment="{re.escape(c["id"])}">.*?'
            r'<div class="fig">([^<]*) <small>(\w+)</small>',
            page,
        )
        assert card is not None, c["id"]
        figure = "—" if c["compliance"] is None else f"{c['compliance'] * 100:.1f}%"
        verdict = "n/a" if c["compliance"] is None else ("pass" if c["passed"] else "FAIL")
        assert card.group(2, 3) == (figure, verdict)
    assert "Period <b>2024-05-01</b> to <b>2024-05-31</b>" in page
    assert "as of <b>Mon 2024-06-03 09:00</b>" in page and "<b>acme-2024</b>" in page
    assert '<section id="legend">' in page


def test_report_html_is_the_summary_section(env: dict[str, str], tmp_path: Path) -> None:
    page = dashboard_page(env, tmp_path)
    report = run(env, "report", "--month", "2024-05", "--as-of", AS_OF, "--format", "html").stdout
    body = report[report.index("</h2>\n") + 6 : report.index("</body>")]
    assert body.count("<table") == 3 and "Period 2024-05-01 to 2024-05-31; as of" in body
    section = page[page.index('<section id="summary">') :]
    assert section.startswith(f'<section id="summary"><h2>Summary</h2>{body}</section>')


def test_self_contained_and_reproducible(env: dict[str, str], tmp_path: Path) -> None:
    page = dashboard_page(env, tmp_path)
    # nothing to fetch: no external src/href, no stylesheet link, no remote script
    assert re.findall(r'(?:src|href)="(?!#|data:)[^"]*"', page) == []
    assert "<link" not in page and "<img" not in page and "@import" not in page
    assert page.count("<svg") == 4  # bars, trend, speed, funnel
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # several SVGs in one document, no id twice
    stdout = run(env, "dashboard", "--month", "2024-05", "--as-of", AS_OF).stdout
    assert stdout == page  # without -o: the same page on stdout, byte for byte


def test_breached_leads_carry_the_explain_reason(env: dict[str, str], tmp_path: Path) -> None:
    page = dashboard_page(env, tmp_path)
    rows = re.findall(
        r"<tr data-lead='([^']*)'><td>([^<]*)</td><td>[^<]*</td><td class='(\w+)'>[^<]*</td>"
        r"<td>[^<]*</td><td>([^<]*)</td></tr>",
        page,
    )
    assert rows
    listed = {(lead, state) for lead, _, state, _ in rows}
    # every breached and at-risk lead of a commitment (at most 6 per rep here)
    report = report_json(env, "--month", "2024-05")
    stl = next(c for c in report["commitments"] if c["id"] == "speed-to-lead")
    section = page[page.index("<h3 id='leads-speed-to-lead'>") :]
    section = section[: section.index("</table>")]
    assert section.count("<tr data-lead=") == stl["breached"] + stl["at_risk"]
    for lead, _, _, why in rows[:: max(1, len(rows) // 5)]:  # a few, each as explain says
        explained = run(env, "explain", html.unescape(lead), "--as-of", AS_OF).stdout
        assert html.unescape(why) in " ".join(explained.split()), lead
    assert ("&lt;script&gt;alert(1)&lt;/script&gt;", "breached") in listed
    assert "<script>alert(1)" not in page and "<b>Bold</b>" not in page


def test_trend_is_the_weekly_report(env: dict[str, str], tmp_path: Path) -> None:
    page = dashboard_page(env, tmp_path)
    assert "Trend: compliance per week, the last 13 weeks (2024-03-04..2024-06-02)" in page
    table = re.search(r'<table class="trend">(.*?)</table>', page)
    assert table is not None
    heads = re.findall(r"<th>(W\d\d)</th>", table.group(1))
    assert heads == [f"W{n:02d}" for n in range(10, 23)]
    # every commitment, in a week inside the month, one across its end and one before it
    for name in ("W14", "W20", "W22"):
        week = report_json(env, "--week", f"2024-{name}")
        for c in week["commitments"]:
            row = re.search(rf"<tr><td>{re.escape(c['id'])}</td>(.*?)</tr>", table.group(1))
            assert row is not None
            cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
            want = "—" if c["compliance"] is None else f"{c['compliance'] * 100:.0f}%"
            assert cells[heads.index(name)] == want, (name, c["id"])
    # each rep's strip: the rep's compliance in that week's report
    reps = re.search(r'<table class="reps">(.*?)</table>', page)
    assert reps is not None
    week = report_json(env, "--week", "2024-W19")
    for r in week["reps"]:
        decided = sum(v["met"] + v["breached"] for v in r["commitments"].values())
        met = sum(v["met"] for v in r["commitments"].values())
        row = re.search(rf"<tr data-rep='{r['rep']}'>(.*?)</tr>", reps.group(1))
        assert row is not None
        cells = re.findall(r"<td class='tc[^']*' title='(W\d\d)'>([^<]*)</td>", row.group(1))
        want = "·" if not decided else f"{met / decided * 100:.0f}"
        assert dict(cells)["W19"] == want, r["rep"]


def test_rep_filter_lists_only_that_reps_leads(env: dict[str, str], tmp_path: Path) -> None:
    page = dashboard_page(env, tmp_path, "--rep", "bob")
    reps = set(re.findall(r"<tr data-lead='[^']*'><td>([^<]*)</td>", page))
    assert reps == {"bob"}
    assert "— bob&#x27;s leads</h1>" in page


def test_bad_input_is_one_line_and_writes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "d.html"
    r = run(env, "dashboard", "--as-of", AS_OF, "-o", str(out), check=False)
    assert r.returncode == 2 and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1
    r = run(env, "dashboard", "--month", "2024-13", "-o", str(out), check=False)
    assert (r.returncode, r.stderr) == (2, "Error: --month '2024-13': use YYYY-MM, e.g. 2024-05\n")
    r = run(env, "dashboard", "--month", "2024-05", "--rep", "alicee", "-o", str(out), check=False)
    assert (r.returncode, r.stderr) == (
        2,
        "Error: no rep 'alicee' in the ledger; did you mean 'alice'?\n",
    )
    assert not out.exists()
    ledger = Path(env["SLACTL_DB"])
    before = ledger.read_bytes()
    r = run(env, "dashboard", "--month", "2024-05", "-o", str(ledger), check=False)
    assert r.returncode == 2 and r.stderr.startswith(f"Error: --output {ledger}: that is")
    assert ledger.read_bytes() == before
    missing = tmp_path / "no-such-dir" / "d.html"
    r = run(env, "dashboard", "--month", "2024-05", "-o", str(missing), check=False)
    assert (r.returncode, r.stderr) == (
        2,
        f"Error: --output {missing}: no such file or directory\n",
    )
    r = run(env, "dashboard", "--month", "2023-05", "-o", str(out), check=False)
    assert (r.returncode, r.stderr) == (
        2,
        "Error: no agreement covers 2023-05 (2023-05-01..2023-05-31): add one whose period"
        " includes it\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_trend_periods() -> None:
    weeks, unit = trend_periods(month("2024-05"), date(2024, 6, 3))
    assert unit == "week" and len(weeks) == 13
    assert (weeks[0].start, weeks[-1].end) == (date(2024, 3, 4), date(2024, 6, 2))
    # a month still running: the weeks up to as-of's
    weeks, _ = trend_periods(month("2024-05"), date(2024, 5, 15))
    assert weeks[-1].start == date(2024, 5, 13)
    months, unit = trend_periods(quarter("2024-Q2"), date(2024, 7, 1))
    assert unit == "month" and [m.label for m in months] == [f"2024-{m:02d}" for m in range(1, 7)]


def test_percentile() -> None:
    assert percentile([], 0.5) is None
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([0.0, 10.0, 20.0, 30.0], 0.5) == 15.0
    assert percentile([float(x) for x in range(11)], 0.9) == 9.0


def test_only_the_chart_paths_load_matplotlib(env: dict[str, str], tmp_path: Path) -> None:
    """--version, status and report --format json never pay matplotlib's start-up."""

    def loads_matplotlib(*args: str) -> bool:
        code = (
            "import sys\nfrom slactl.cli import main\n"
            f"sys.argv = ['slactl', *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('matplotlib' in sys.modules, file=sys.stderr)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
        )
        return proc.stderr.strip().splitlines()[-1] == "True"

    assert not loads_matplotlib("--version")
    assert not loads_matplotlib("status", "--rep", "alice", "--as-of", AS_OF)
    assert not loads_matplotlib(
        "report", "--month", "2024-05", "--as-of", AS_OF, "--format", "json"
    )
    assert loads_matplotlib(
        "dashboard", "--month", "2024-05", "--as-of", AS_OF, "-o", str(tmp_path / "d.html")
    )


def test_at_most_ten_leads_per_rep_and_commitment() -> None:
    from types import SimpleNamespace

    from slactl.records import Outcome, State
    from slactl.usecases.dashboard import MAX_LEADS_PER_REP, _leads

    t = datetime(2024, 5, 6, 13, 0, tzinfo=UTC)
    outcomes = [
        Outcome("ft", State.BREACHED, "", f"A{k:02d}", "alice", t, t + timedelta(hours=k))
        for k in range(14)
    ]
    outcomes += [
        Outcome("ft", State.AT_RISK, "", "B1", "bob", t, t),
        Outcome("ft", State.MET, "", "B2", "bob"),
    ]
    report = SimpleNamespace(commitments=[SimpleNamespace(id="ft")], outcomes=outcomes, as_of=t)
    lines, left = _leads(report)  # type: ignore[arg-type]
    assert MAX_LEADS_PER_REP == 10
    assert [x.outcome.lead_id for x in lines["ft"]] == [f"A{k:02d}" for k in range(10)] + ["B1"]
    assert left == {"ft": 4}
