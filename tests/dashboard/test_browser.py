"""The dashboard in a real browser: headless Chromium (Debian's package) with the network
shut off loads the file, and the DOM it built has every commitment with its figure and
the breached leads, and no script error. A screenshot is kept under the test's tmp dir.

With CI=true a missing browser fails the test (``.ci/run`` installs it) instead of
skipping it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import example_ledger

pytestmark = pytest.mark.slow  # a real Chromium


ROOT = Path(__file__).resolve().parents[2]
SLACTL = Path(sys.executable).parent / "slactl"
AS_OF = "2024-06-03T09:00"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required when CI=true (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return found


def browse(page: Path, profile: Path, *how: str) -> subprocess.CompletedProcess[str]:
    """Chromium headless, offline: every request goes to a closed port and no name
    resolves."""
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            *how,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    d = tmp_path_factory.mktemp("browser")
    env = example_ledger(d)
    out = d / "dashboard.html"
    subprocess.run(
        [str(SLACTL), "dashboard", "--month", "2024-05", "--as-of", AS_OF, "-o", str(out)],
        env=env,
        check=True,
        capture_output=True,
    )
    report = subprocess.run(
        [str(SLACTL), "report", "--month", "2024-05", "--as-of", AS_OF, "--format", "json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out, json.loads(report)


def test_dom_in_an_offline_browser(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, report = page
    r = browse(out, tmp_path / "profile", "--dump-dom")
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    assert dom.startswith("<!DOCTYPE html>") and "</body></html>" in dom
    assert re.findall(r"<html[^>]*data-errors", dom) == [], dom[:300]
    assert "Uncaught" not in r.stderr and "CONSOLE" not in r.stderr
    for c in report["commitments"]:
        figure = "—" if c["compliance"] is None else f"{c['compliance'] * 100:.1f}%"
        assert re.search(
            rf'data-commitment="{re.escape(c["id"])}">.*?<div class="fig">{re.escape(figure)} ',
            dom,
        ), c["id"]
    stl = next(c for c in report["commitments"] if c["id"] == "speed-to-lead")
    section = dom[dom.index('id="leads-speed-to-lead"') :]
    section = section[: section.index("</table>")]
    assert section.count("<tr data-lead=") == stl["breached"] + stl["at_risk"] > 0
    assert dom.count("<svg") == 4  # the browser parsed the inline charts as SVG


def test_the_error_recorder_records(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The check above is not vacuous: the same page with a failing script is caught."""
    out, _ = page
    broken = tmp_path / "broken.html"
    text = out.read_text(encoding="utf-8")
    broken.write_text(text.replace("</body>", "<script>nope.boom()</script></body>"), "utf-8")
    dom = browse(broken, tmp_path / "profile", "--dump-dom").stdout
    assert re.search(r'data-errors="[^"]*nope is not defined', dom)


def test_screenshot(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, _ = page
    shot = tmp_path / "dashboard.png"
    r = browse(out, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2000")
    assert r.returncode == 0, r.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 50_000  # not a blank page
    print(f"screenshot: {shot}")


def test_prints_to_pdf(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Printed (Chromium's print to PDF, A4/Letter by its default), the page gives a PDF
    of a few pages, the text kept as text."""
    out, _ = page
    pdf = tmp_path / "dashboard.pdf"
    r = browse(out, tmp_path / "profile", f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert r.returncode == 0, r.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 2 <= pages <= 12, pages
