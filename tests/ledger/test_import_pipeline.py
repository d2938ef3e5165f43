"""The Arrow pipeline's own promises: a column the file lacks changes nothing, an event is
its lead, kind, time and rep, hostile cells are rejected rows or one line, and the other
commands never load pyarrow."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slactl.errors import ImportError_
from slactl.ledger.engine import open_ledger
from slactl.ledger.ingest.pipeline import import_csv
from slactl.ledger.ingest.read import BLOCK
from tests.ledger.test_import_formats import query, run_import, write

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SLACTL = Path(sys.executable).parent / "slactl"
ACTIVITY = ["lead", "kind", "rep", "at", "outcome", "note"]


def test_a_column_the_file_lacks_changes_nothing(ledger_url: str, tmp_path: Path) -> None:
    full = ["external_id", "phone", "created_at", "industry"]
    run_import(
        ledger_url, write(tmp_path / "a.csv", full, [["L-1", "555", "2024-05-03T10:00", "retail"]])
    )
    s = run_import(
        ledger_url,
        write(tmp_path / "b.csv", ["external_id", "created_at"], [["L-1", "2024-05-03T10:00"]]),
    )
    assert (s.inserted, s.updated, s.unchanged) == (0, 0, 1)
    assert query(ledger_url, "SELECT phone, extra FROM lead") == [("555", '{"industry": "retail"}')]
    # a present, empty cell clears the value, and says so
    s = run_import(
        ledger_url, write(tmp_path / "c.csv", full, [["L-1", "", "2024-05-03T10:00", ""]])
    )
    assert (s.updated, s.unchanged) == (1, 0)
    assert query(ledger_url, "SELECT phone, extra FROM lead") == [(None, None)]
    assert query(
        ledger_url, "SELECT field, old_value, new_value FROM lead_change ORDER BY field"
    ) == [
        ("extra", '{"industry": "retail"}', None),
        ("phone", "555", None),
    ]


def test_an_activity_is_its_lead_kind_time_and_rep(ledger_url: str, tmp_path: Path) -> None:
    run_import(
        ledger_url,
        write(tmp_path / "l.csv", ["external_id", "created_at"], [["L-1", "2024-05-01T09:00Z"]]),
    )
    first = [["L-1", "call", "Alice", "2024-05-03T10:00Z", "", "left a message"]]
    s = run_import(ledger_url, write(tmp_path / "a.csv", ACTIVITY, first))
    assert (s.inserted, s.updated) == (1, 0)
    edited = [["L-1", "call", "alice", "2024-05-03T10:00Z", "", "left a message; call back Fri"]]
    s = run_import(ledger_url, write(tmp_path / "b.csv", ACTIVITY, edited))
    assert (s.inserted, s.updated, s.unchanged) == (0, 1, 0)
    assert query(ledger_url, "SELECT rep, note FROM event") == [
        ("Alice", "left a message; call back Fri")
    ]
    # without a note column, the note stays
    s = run_import(
        ledger_url,
        write(tmp_path / "c.csv", ["lead", "kind", "rep", "at"], [r[:4] for r in edited]),
    )
    assert (s.inserted, s.updated, s.unchanged) == (0, 0, 1)
    assert query(ledger_url, "SELECT COUNT(*), MAX(note) FROM event") == [
        (1, "left a message; call back Fri")
    ]


def test_extreme_and_hostile_cells_are_rejected_rows(ledger_url: str, tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        ["external_id", "created_at", "company"],
        [
            ["L-1", "9999-12-31T23:59:59-14:00", ""],
            ["L-\x002", "2024-05-03T10:00Z", ""],
            ["L-" + "9" * 300, "2024-05-03T10:00Z", ""],
            ["L-4", "2024-05-03T10:00Z", "nul\x00here"],
            ["L-5", "0001-01-01T00:00:00+01:00", ""],
            ["L-6", "2999-12-31T23:59:59Z", ""],
        ],
    )
    s = run_import(ledger_url, f)
    assert (s.read, s.inserted, s.rejected) == (6, 1, 5)
    assert [(line, reason) for line, _, reason in s.rejects] == [
        (
            2,
            "column created_at: time '9999-12-31T23:59:59-14:00' is outside"
            " 1900-01-01..2999-12-31, the dates slactl works with",
        ),
        (3, "a cell holds a NUL byte"),
        (4, "external_id longer than 256 characters"),
        (5, "a cell holds a NUL byte"),
        (
            6,
            "column created_at: time '0001-01-01T00:00:00+01:00' is outside"
            " 1900-01-01..2999-12-31, the dates slactl works with",
        ),
    ]
    acts = write(
        tmp_path / "b.csv", ACTIVITY, [["L-6", "call", "a", "9999-12-31T23:59:59-14:00", "", ""]]
    )
    s = run_import(ledger_url, acts)
    assert (s.inserted, s.rejected) == (0, 1)
    assert s.rejects[0][2].startswith("column at: time '9999-12-31T23:59:59-14:00' is outside")


def test_rows_of_another_width_and_lines_after_quoted_line_breaks(
    sqlite_url: str, tmp_path: Path
) -> None:
    f = tmp_path / "a.csv"
    f.write_text(
        "external_id,created_at,company\n"
        'L-1,2024-05-03T10:00Z,"two\nlines"\n'
        "\n"
        "L-2,2024-05-03T10:00Z\n"
        "L-3,2024-05-03T10:00Z,a,b\n"
        "L-4,soon,c\n"
        "L-5,2024-05-03T10:00Z,d\n",
        encoding="utf-8",
    )
    s = run_import(sqlite_url, f, rejects=tmp_path / "rej.csv")
    assert (s.read, s.inserted, s.rejected) == (5, 2, 3)
    assert [(line, reason) for line, _, reason in s.rejects] == [
        (5, "2 cells where the header has 3 columns"),
        (6, "more cells than the header has columns"),
        (
            7,
            "column created_at: cannot read time 'soon': use ISO 8601 such as"
            " 2024-05-03T14:22 or 2024-05-03T14:22-04:00",
        ),
    ]
    rows = list(csv.reader((tmp_path / "rej.csv").read_text().splitlines()))
    assert rows == [
        ["line", "reason", "external_id", "created_at", "company"],
        ["5", "2 cells where the header has 3 columns", "L-2", "2024-05-03T10:00Z"],
        ["6", "more cells than the header has columns", "L-3", "2024-05-03T10:00Z", "a", "b"],
        ["7", s.rejects[2][2], "L-4", "soon", "c"],
    ]


def cli(tmp_path: Path, *args: str, agreements: Path | None = None):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "SLACTL_DB": str(tmp_path / "l.db"),
        "SLACTL_AGREEMENTS": str(agreements or ROOT / "agreements"),
    }
    return subprocess.run(
        [str(SLACTL), *args], env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.slow  # (a subprocess or a large file: the full suite runs it)
def test_a_10_mb_id_is_one_line_and_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    f.write_text(
        f"external_id,created_at\nL-1,2024-05-03T10:00Z\n{'x' * 10_000_000},2024-05-03T10:00Z\n"
    )
    r = cli(tmp_path, "import", str(f))
    assert (r.returncode, r.stderr) == (
        2,
        f"Error: {f}: a row larger than 1 MiB, or a quote never closed: is this a CSV export?\n",
    )
    assert query(f"sqlite:///{tmp_path / 'l.db'}", "SELECT COUNT(*) FROM lead") == [(0,)]


@pytest.mark.slow  # (a subprocess or a large file: the full suite runs it)
def test_a_full_disk_is_one_line_exit_75_and_the_ledger_unchanged(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    run_import(url, ROOT / "examples" / "leads.csv")
    before = query(url, "SELECT * FROM lead ORDER BY id")
    big = tmp_path / "big.csv"
    with open(big, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "email", "created_at"])
        w.writerows([f"B-{i}", f"b{i}@x.example", "2024-05-03T10:00Z"] for i in range(100_000))
    # the files this process writes may not grow past 3 MB: writes fail as on a full disk
    limit = (tmp_path / "l.db").stat().st_size + 3_000_000
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "from slactl.cli import main\n"
        f"sys.argv = ['slactl', 'import', {str(big)!r}]\n"
        "main()\n"
    )
    env = {**os.environ, "SLACTL_DB": url, "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (
        75,
        "Error: cannot write the ledger (is the disk full?): nothing was imported; free some"
        " space and try again\n",
    )
    assert query(url, "SELECT * FROM lead ORDER BY id") == before


@pytest.mark.slow  # (a subprocess or a large file: the full suite runs it)
def test_without_an_agreement_a_time_without_offset_needs_tz(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        ["external_id", "created_at"],
        [["L-1", "2024-05-03T10:00Z"], ["L-2", "2024-05-03 10:00"]],
    )
    nowhere = tmp_path / "no-agreements"
    r = cli(tmp_path, "import", str(f), agreements=nowhere)
    assert (r.returncode, r.stderr) == (
        2,
        f"Error: {f}:3: the time '2024-05-03 10:00' has no UTC offset and no agreement gives a"
        " time zone: pass --tz ZONE (e.g. --tz America/New_York) or run slactl init\n",
    )
    nowhere.mkdir()  # a directory with no agreement in it: the same
    assert cli(tmp_path, "import", str(f), agreements=nowhere).returncode == 2
    r = cli(tmp_path, "import", str(f), "--tz", "Europe/Paris", agreements=nowhere)
    assert r.returncode == 0
    assert query(f"sqlite:///{tmp_path / 'l.db'}", "SELECT created_at FROM lead ORDER BY id") == [
        ("2024-05-03 10:00:00",),
        ("2024-05-03 08:00:00",),
    ]
    r = cli(tmp_path, "import", str(f), "--tz", "Mars/Olympus", agreements=nowhere)
    assert (r.returncode, r.stderr) == (
        2,
        "Error: --tz Mars/Olympus: unknown time zone; e.g. America/New_York\n",
    )


@pytest.mark.slow  # (a subprocess or a large file: the full suite runs it)
def test_other_commands_do_not_load_pyarrow(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    assert cli(tmp_path, "import", str(ROOT / "examples" / "leads.csv")).returncode == 0
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from slactl.cli import app\n"
        f"args = ['--db', {str(db)!r}, '--agreements', {str(ROOT / 'agreements')!r}]\n"
        "for command in (['status', '--rep', 'alice', '--as-of', '2024-06-01T12:00Z'],"
        " ['report', '--month', '2024-05'],"
        " ['log', 'L-0001', 'call', '--rep', 'alice', '--at', '2024-05-03T10:00Z']):\n"
        "    r = CliRunner().invoke(app, args + command)\n"
        "    assert r.exit_code == 0, (command, r.output, r.exception)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pyarrow', 'adbc'))))\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert (r.stdout, r.stderr[-2000:]) == ("[]\n", "")


def test_progress_reaches_the_size_then_names_its_phases(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    seen: list[tuple[int, str]] = []
    path = ROOT / "examples" / "leads.csv"
    engine = open_ledger(url)
    try:
        import_csv(engine, path, default_tz=NY, now=NOW, progress=lambda n, p: seen.append((n, p)))
        import_csv(engine, path, default_tz=NY, now=NOW, progress=lambda n, p: seen.append((n, p)))
    finally:
        engine.dispose()
    size = path.stat().st_size
    first, again = (
        seen[: seen.index((size, "committing")) + 1],
        seen[seen.index((size, "committing")) + 1 :],
    )
    assert [p for _, p in first[-2:]] == ["indexing", "committing"]  # a first load
    assert max(n for n, p in first if p == "importing") == size
    assert [p for _, p in again if p != "importing"] == ["committing", "committing"]


def test_a_first_load_builds_the_indexes_once_at_the_end_on_both_engines(
    ledger_url: str,
) -> None:
    """Into empty lead and event tables, PostgreSQL as SQLite: the secondary indexes are
    dropped, built after the rows (the "indexing" phase), and all there afterwards."""
    from sqlalchemy import inspect

    engine = open_ledger(ledger_url)
    phases: list[str] = []
    try:
        names = {t: {i["name"] for i in inspect(engine).get_indexes(t)} for t in ("lead", "event")}
        for f in ("leads.csv", "activities.csv"):
            import_csv(
                engine,
                ROOT / "examples" / f,
                default_tz=NY,
                now=NOW,
                progress=lambda n, p: phases.append(p),
            )
            phases.append("--")
        engine.dispose()
        after = {t: {i["name"] for i in inspect(engine).get_indexes(t)} for t in ("lead", "event")}
    finally:
        engine.dispose()
    assert after == names and len(names["lead"]) >= 4 and len(names["event"]) >= 2
    assert phases.count("indexing") == 2


@pytest.mark.slow  # (a subprocess or a large file: the full suite runs it)
def test_a_lead_again_in_a_later_batch_of_a_first_load(ledger_url: str, tmp_path: Path) -> None:
    """A first load inserts batch after batch without comparing; a batch with a lead of an
    earlier one is rolled back to its savepoint and merged as an update."""
    rows = [[f"L-{i}", "2024-05-03T10:00Z", f"company {i} " + "x" * 100] for i in range(60_000)]
    rows.append(["L-1", "2024-05-03T10:00Z", "renamed"])
    f = write(tmp_path / "a.csv", ["external_id", "created_at", "company"], rows)
    assert f.stat().st_size > BLOCK  # more than one batch
    s = run_import(ledger_url, f)
    assert (s.read, s.inserted, s.updated, s.unchanged) == (60_001, 60_000, 1, 0)
    assert query(ledger_url, "SELECT company FROM lead WHERE external_id = 'L-1'") == [("renamed",)]
    assert query(ledger_url, "SELECT field, new_value FROM lead_change") == [("company", "renamed")]


def test_the_same_activity_twice_in_a_file_is_one_event_with_the_later_note(
    ledger_url: str, tmp_path: Path
) -> None:
    leads = write(tmp_path / "l.csv", ["external_id", "created_at"], [["L-1", "2024-05-01T09:00Z"]])
    run_import(ledger_url, leads)
    rows = [
        ["L-1", "call", "alice", "2024-05-03T10:00Z", "", "first note"],
        ["L-1", "email", "alice", "2024-05-03T10:00Z", "", ""],
        ["L-1", "call", "Alice", "2024-05-03T10:00Z", "", "second note"],
    ]
    f = write(tmp_path / "a.csv", ACTIVITY, rows)
    s = run_import(ledger_url, f)
    assert (s.read, s.inserted, s.unchanged) == (3, 2, 1)
    assert query(ledger_url, "SELECT kind, note FROM event ORDER BY kind") == [
        ("call", "second note"),
        ("email", None),
    ]
    s = run_import(ledger_url, f)
    assert (s.inserted, s.updated, s.unchanged) == (0, 0, 3)


def test_a_row_the_ledger_holds_as_it_is_is_not_compared_again(
    ledger_url: str, tmp_path: Path
) -> None:
    """A re-import skips a row whose digest a lead is stored with; a lead changed by an
    earlier row of the same file is compared again when a later row restores it (the
    digest it had is forgotten), also when that row comes batches later."""
    header = ["external_id", "created_at", "company"]
    filler = [
        [f"L-{i}", "2024-05-03T10:00Z", f"company {i} " + "x" * 100] for i in range(2, 20_000)
    ]
    first = write(tmp_path / "a.csv", header, [["L-1", "2024-05-03T10:00Z", "Acme"], *filler])
    assert run_import(ledger_url, first).inserted == 19_999
    rows = [["L-1", "2024-05-03T10:00Z", "Initech"], *filler, ["L-1", "2024-05-03T10:00Z", "Acme"]]
    again = write(tmp_path / "b.csv", header, rows)
    assert again.stat().st_size > BLOCK  # the two rows of L-1 in different batches
    s = run_import(ledger_url, again)
    assert (s.read, s.inserted, s.updated, s.unchanged) == (20_000, 0, 2, 19_998)
    assert query(ledger_url, "SELECT company FROM lead WHERE external_id = 'L-1'") == [("Acme",)]
    assert query(ledger_url, "SELECT old_value, new_value FROM lead_change ORDER BY id") == [
        ("Acme", "Initech"),
        ("Initech", "Acme"),
    ]
    s = run_import(ledger_url, first)
    assert (s.inserted, s.updated, s.unchanged) == (0, 0, 19_999)


def test_a_row_read_in_another_zone_or_by_an_older_slactl_is_compared(
    ledger_url: str, tmp_path: Path
) -> None:
    """The digest covers how a row is read: the same cells in another zone are another
    time. Digests an older slactl stored (or none) never match: those rows are compared,
    found unchanged, and given this slactl's digest."""
    f = write(tmp_path / "a.csv", ["external_id", "created_at"], [["L-1", "2024-05-03T10:00"]])
    engine = open_ledger(ledger_url)
    try:
        for zone, row_hash, changed in ((NY, None, 0), (UTC, None, 1), (UTC, "a3f0c1", 0)):
            if row_hash is not None:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"UPDATE lead SET row_hash = '{row_hash}'")
            s = import_csv(engine, f, default_tz=zone, now=NOW)
            assert (s.updated, s.unchanged) == (changed, 1 - changed) or s.inserted == 1
    finally:
        engine.dispose()
    assert query(ledger_url, "SELECT field FROM lead_change") == [("created_at",)]
    assert query(ledger_url, "SELECT row_hash FROM lead")[0][0].isdigit()


def test_a_postgresql_url_with_two_options_imports_where_it_points(
    pg_url: str, tmp_path: Path
) -> None:
    """libpq reads a space in the URL's options as %20, not as the "+" SQLAlchemy writes:
    the import's own connection must land in the schema the URL names, as the engine's."""
    url = pg_url + "%20-cstatement_timeout%3D0"
    path = write(tmp_path / "a.csv", ["external_id", "created_at"], [["L-1", "2024-05-03T10:00"]])
    s = run_import(url, path)
    assert (s.inserted, s.updated) == (1, 0)
    assert query(url, "SELECT external_id FROM lead") == [("L-1",)]


def test_the_changed_rows_of_a_re_import_are_converted_together_and_keep_their_lines(
    ledger_url: str, tmp_path: Path
) -> None:
    """A re-import converts the rows that differ from the ledger in one go, batches after
    they were read: a rejected row and a time that needs a zone are still named by their
    own lines, and each changed row lands as it says."""
    header = ["external_id", "created_at", "score", "company"]
    rows = [
        [f"L-{i}", "2024-05-03T10:00Z", "1", f"company {i} " + "x" * 100] for i in range(20_000)
    ]
    assert run_import(ledger_url, write(tmp_path / "a.csv", header, rows)).inserted == 20_000
    rows[3][2] = "many"  # line 5
    rows[19_000][2] = "2"  # line 19,002, batches later
    rows[19_001][1] = "2024-05-03 10:00"  # line 19,003: New York's time (run_import's zone)
    again = write(tmp_path / "b.csv", header, rows)
    assert again.stat().st_size > 2 * BLOCK
    s = run_import(ledger_url, again)
    assert (s.read, s.inserted, s.updated, s.unchanged, s.rejected) == (20_000, 0, 2, 19_997, 1)
    assert [(line, why) for line, _, why in s.rejects] == [
        (5, "column score: 'many' is not a number")
    ]
    changes = "SELECT l.external_id, c.field, c.new_value FROM lead_change c"
    assert query(ledger_url, changes + " JOIN lead l ON l.id = c.lead_id ORDER BY c.id") == [
        ("L-19000", "score", "2.0"),
        ("L-19001", "created_at", "2024-05-03 14:00:00"),
    ]
    engine = open_ledger(ledger_url)
    try:
        with pytest.raises(ImportError_) as raised:
            import_csv(engine, again, default_tz=None, now=NOW)
    finally:
        engine.dispose()
    assert str(raised.value).startswith(f"{again}:19003: the time '2024-05-03 10:00' has no")
