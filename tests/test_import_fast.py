"""The fast paths of an import give exactly what the careful ones give.

- a plain file (no quote, NUL or lone CR) read line by line == ``csv.reader``;
- a batch of leads converted column by column (``_LeadImport.fast``, times by numpy) ==
  the same rows parsed one by one (``parse``, times by SQLite's ``datetime()``), as stored;
- a large file read in two halves on two cores == the same file read by one process:
  the same ledger, counts, rejects and line numbers; a lead twice across the halves, bad
  UTF-8 or ``--strict`` are handled as the careful path does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Connection

from slactl.errors import ImportError_
from slactl.ledger import imports, plain
from slactl.ledger.engine import open_ledger
from slactl.ledger.imports import ImportSummary, _LeadImport, _resolve, _utc_texts, import_csv
from slactl.ledger.utc import to_utc_text

NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

# ---------------------------------------------------------------------- plain files

cell = st.text(
    st.characters(blacklist_characters='",\r\n\0', blacklist_categories=("Cs",)), max_size=6
)
line = st.lists(cell, min_size=1, max_size=5).map(",".join)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(line | st.just(""), min_size=1, max_size=30),
    crlf=st.booleans(),
    last_eol=st.booleans(),
    block=st.integers(1, 64),
)
def test_plain_lines_are_what_csv_reader_reads(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[str],
    crlf: bool,
    last_eol: bool,
    block: int,
) -> None:
    eol = "\r\n" if crlf else "\n"
    body = eol.join(["h1,h2", *lines]) + (eol if last_eol else "")
    path = tmp_path_factory.mktemp("plain") / "f.csv"
    path.write_bytes(body.encode())
    expected = list(csv.reader(io.StringIO(body, newline="")))[1:]
    saved = plain.BLOCK
    plain.BLOCK = block  # cut the file into blocks of a few bytes: lines across blocks
    try:
        p = plain.plain(path, csv.excel)
        assert p is not None and p.crlf == ("\r" in body)
        reader = imports._PlainReader(p, None)
        got = list(reader)
        # every part of the file, from any line start, is the same lines
        middle = p.middle()
        halves = [s for _, b in plain.blocks(p, p.start, middle) for s in b] + [
            s for _, b in plain.blocks(p, middle, p.size) for s in b
        ]
    finally:
        plain.BLOCK = saved
    assert got == expected
    assert reader.line_num == len(expected) + 1
    assert [s.split(",") if s else [] for s in halves] == expected


@pytest.mark.parametrize(
    "body",
    [
        'a,b\n1,"x"\n',  # a quote: csv.reader decides
        "a,b\n1,x\r2,y\n",  # a lone CR ends a record for csv.reader
        "a,b\n1,x\0\n",  # NUL: csv.reader refuses it
    ],
)
def test_files_csv_reader_must_read(tmp_path: Path, body: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(body.encode())
    assert plain.plain(path, csv.excel) is None


@pytest.mark.parametrize("block", range(1, 12))
def test_a_lone_cr_is_found_across_blocks(tmp_path: Path, block: int) -> None:
    saved = plain.BLOCK
    plain.BLOCK = block
    try:
        for body, is_plain in [
            (b"a,b\r\n1,2\r3,4\r\n", False),
            (b"a,b\r\n1,2\r\n3,4\r", False),  # the last line ends in a lone CR
            (b"a,b\r\n1,2\r\r\n", False),
            (b"a,b\r\n1,2\r\n3,4\r\n", True),
        ]:
            path = tmp_path / "f.csv"
            path.write_bytes(body)
            assert (plain.plain(path, csv.excel) is not None) == is_plain, body
    finally:
        plain.BLOCK = saved


def test_a_sniffed_dialect_with_initial_spaces_is_not_plain(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a; b\n1; 2\n")

    class Spaced(csv.excel):
        delimiter = ";"
        skipinitialspace = True

    assert plain.plain(path, Spaced) is None
    assert plain.plain(path, type("Semi", (csv.excel,), {"delimiter": ";"})) is not None


# ------------------------------------------------------------- times with numpy

offsets = st.integers(-14 * 60 - 59, 14 * 60 + 59).map(lambda m: timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.datetimes(datetime(1900, 1, 2), datetime(2199, 12, 30)), min_size=1, max_size=40),
    st.sampled_from(["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]),
    offsets | st.none(),
)
def test_numpy_utc_texts_are_what_python_and_sqlite_give(
    moments: list[datetime], form: str, offset: timedelta | None
) -> None:
    texts = []
    for m in moments:
        if offset is None:
            texts.append(m.strftime(form) + "Z")
        else:
            minutes = int(offset.total_seconds()) // 60
            sign = "-" if minutes < 0 else "+"
            texts.append(
                m.strftime(form) + f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            )
    got = _utc_texts(texts, empty=False)
    assert got is not None
    assert got == [to_utc_text(datetime.fromisoformat(t)) for t in texts]
    db = sqlite3.connect(":memory:")
    assert got == [db.execute("SELECT datetime(?)", (t,)).fetchone()[0] for t in texts]


def test_numpy_utc_texts_leave_mixed_forms_and_far_years_to_sqlite() -> None:
    def utc(*texts: str, empty: bool = False) -> list[str | None] | None:
        return _utc_texts(list(texts), empty=empty)

    assert utc("2024-05-03T14:22Z", "2024-05-03T14:22:00Z") is None
    assert utc("1850-05-03T14:22Z") is None
    assert utc("2024-05-03T14:22+05:30") == ["2024-05-03 08:52:00"]
    assert utc("2024-03-01T00:30+01:00") == ["2024-02-29 23:30:00"]
    assert utc("2024-02-29T10:00Z") == ["2024-02-29 10:00:00"]
    assert utc("", "2024-05-03 14:22-04:00", "", empty=True) == [None, "2024-05-03 18:22:00", None]
    assert utc("", "", empty=True) == [None, None]
    assert utc("", "2024-05-03 14:22-04:00") is None


@pytest.mark.parametrize(
    "bad",
    [
        "2023-02-29T10:00Z",  # not a leap year
        "2100-02-29T10:00Z",
        "2024-04-31T10:00Z",
        "2024-13-01T10:00Z",
        "2024-00-01T10:00Z",
        "2024-05-00T10:00Z",
        "2024-05-03T24:00Z",
        "2024-05-03T10:60Z",
        "2024-05-03T10:00:60Z",
        "2024-05-03T10:00+15:00",
        "2024-05-03T10:00+05:60",
        "2024-05-03x10:00Z",
        "2024/05/03T10:00Z",
        "2024-05-03T10:00z",
        "2024-05-03T10.00Z",
        "2024-05-03T10:00-0400",
        "2024-05-03T1٠:00Z",  # an Arabic-Indic digit
    ],
)
def test_numpy_utc_texts_refuse_what_parse_does_not_hand_to_sqlite(bad: str) -> None:
    assert _utc_texts([bad], empty=False) is None
    assert _utc_texts(["2024-05-03T10:00Z"[: len(bad) - 1] + "Z", bad], empty=False) is None


def two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda v: f"{v:02d}")


# times of the fast form and just outside it: every field at and past its bounds
shaped = st.builds(
    lambda y, mo, d, sep, h, mi, sec, tz: f"{y}-{mo}-{d}{sep}{h}:{mi}{sec}{tz}",
    st.sampled_from(["1899", "1900", "2023", "2024", "2100", "2199", "2200"]),
    two(0, 13),
    two(0, 32),
    st.sampled_from(["T", " ", "x"]),
    two(0, 24),
    two(0, 60),
    st.sampled_from([""]) | two(0, 60).map(lambda v: ":" + v),
    st.sampled_from(["Z", "z", ""])
    | st.builds(lambda sign, h, m: f"{sign}{h}:{m}", st.sampled_from("+-"), two(0, 15), two(0, 60)),
)


@settings(max_examples=500, deadline=None)
@given(shaped)
def test_numpy_utc_texts_take_exactly_what_parse_hands_to_sqlite(text: str) -> None:
    got = _utc_texts([text], empty=False)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        dt = None
    taken = (
        dt is not None
        and dt.tzinfo is not None
        and imports._sqlite_can_convert(text)
        and 1900 <= int(text[:4]) <= 2199
    )
    assert (got is not None) == taken, (text, got)
    if got is not None:
        assert dt is not None and got == [to_utc_text(dt)]


# -------------------------------------------------------- a batch column by column

HEADER = [
    "external_id",
    "email",
    "owner",
    "score",
    "created_at",
    "handed_off_at",
    "Region",
    "Notes",
]
times = st.sampled_from(
    [
        "2024-05-03T14:22-04:00",
        "2024-05-03T14:22:09Z",
        "2024-05-03 09:00+05:30",
        "2024-11-03T01:30-05:00",
        "2024-05-03T14:22",  # no offset: the agreement's zone
        "2024-05-03T14:22:00.250Z",  # a fraction
        "2024-05-03T14:22+15:00",  # an offset SQLite does not read
        "2024-02-30T10:00Z",  # no such day
        "2024-W18-5T14:22Z",  # an ISO week date
        "05/03/2024 2:22 PM",
        "",
        " 2024-05-03T14:22Z ",
    ]
)
texts = st.sampled_from(["", "a", " spaced ", "Ünï", "tab\there", "x\x1fy", "Alice@Example.COM"])
rows = st.lists(
    st.tuples(
        st.sampled_from(["L1", "L2", " L3", ""]) | st.text("AB12", min_size=1, max_size=4),
        texts,
        texts,
        st.sampled_from(["", "70", " 42.5", "abc", "1e3", "nan"]),
        times,
        times,
        texts,
        texts,
    ).map(list),
    min_size=1,
    max_size=12,
)


def _job(conn: Connection, headers: list[str]) -> _LeadImport:
    kind, preset, header_map = _resolve(Path("x.csv"), headers, None, None, None)
    summary = ImportSummary(Path("x.csv"), kind, preset)
    return _LeadImport(conn, summary, headers, header_map, NY, False, NOW, None)


def _stored(db: sqlite3.Connection, sql: str, items: list[tuple]) -> list[tuple]:
    db.execute("DELETE FROM t")
    db.executemany(sql.replace("INSERT INTO lead", "INSERT INTO t"), items)
    return db.execute("SELECT * FROM t").fetchall()


@pytest.fixture(scope="module")
def ledger() -> Iterator[Connection]:
    engine = open_ledger("sqlite://")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@settings(max_examples=150, deadline=None)
@given(batch=rows, short=st.booleans())
def test_a_batch_converted_at_once_is_stored_as_row_by_row(
    ledger: Connection, batch: list[list[str]], short: bool
) -> None:
    headers = HEADER[:-1] if short else HEADER  # a missing column reads ""
    if short:
        batch = [r[:-1] for r in batch]
    job = _job(ledger, headers)
    hashes = [f"h{i}" for i in range(len(batch))]
    fast = job.fast([",".join(r) for r in batch], ",", hashes)
    fast_reps = set(job.reps)
    job.reps.clear()
    slow = []
    for r, h in zip(batch, hashes, strict=True):
        try:
            slow.append(job.parse(list(r), h))
        except imports._Reject:
            slow.append(None)
    assume(fast is not None)  # else the batch goes row by row anyway
    assert None not in slow  # the fast path never takes a row parse would reject
    assert fast_reps == job.reps
    items, sql = fast
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE TABLE t ({', '.join(imports._PART_COLUMNS)})")
    # each by its own INSERT: the batch's binds cells as they are where none is empty
    assert _stored(db, sql, items) == _stored(db, job.fresh_sql, slow)
    # no None is bound (the sqlite3 module adapts each one at a cost): "" and NULLIF
    assert not any(v is None for row in items for v in row)
    # and the rows of a batch, in parse's form, are what the other inserts (comparing,
    # upserting) take too
    parsed = list(map(job.as_parsed, items))
    assert _stored(db, job.fresh_sql, parsed) == _stored(db, job.fresh_sql, slow)


def test_the_fast_path_is_taken_for_the_common_batch(ledger: Connection) -> None:
    """(So that the property above is not vacuous.)"""
    job = _job(ledger, HEADER)
    batch = [
        ["L1", "A@x.com", "alice", "70", "2024-05-03T14:22-04:00", "", "EU", "n"],
        ["L2", "", "", "", "2024-05-03T15:22-04:00", "2024-05-04T09:00-04:00", "", ""],
    ]
    fast = job.fast([",".join(r) for r in batch], ",", ["h1", "h2"])
    assert fast is not None
    got, sql = fast
    # only the columns with an empty cell go through NULLIF
    assert "NULLIF(?1, '')" not in sql and "NULLIF(?2, '')" in sql
    assert got[0][:3] == ("L1", "a@x.com", "")  # first_name: no such column (NULL)
    created, handed = imports._CREATED, imports._HANDED
    assert (got[0][created], got[0][handed]) == ("2024-05-03 18:22:00", "")
    assert (got[1][created], got[1][handed]) == ("2024-05-03 19:22:00", "2024-05-04 13:00:00")
    extra = len(imports.LEAD_COLUMNS)
    assert got[0][extra] == '{"Notes": "n", "Region": "EU"}' and got[1][extra] == ""
    assert job.reps == {"alice"}


def test_a_batch_with_rows_of_other_widths_goes_row_by_row(ledger: Connection) -> None:
    job = _job(ledger, HEADER)
    good = "L1,a@x.com,alice,70,2024-05-03T14:22-04:00,,EU,n"
    # one row a cell short and one a cell long: as many cells in all as two good rows
    assert job.fast([good + ",x", good.rsplit(",", 1)[0]], ",", ["h1", "h2"]) is None
    assert job.fast([good, good + ","], ",", ["h1", "h2"]) is None
    assert job.fast([good, good.replace("L1", "L2")], ",", ["h1", "h2"]) is not None


# ------------------------------------------------------------- two halves, two cores


def _leads(path: Path, n: int, bad: dict[int, list[str]] | None = None) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["external_id", "email", "owner", "score", "created_at", "Region"])
        for i in range(n):
            row = [
                f"L{i:05d}",
                f"Lead{i}@Example.com",
                f"rep{i % 7}",
                str(i % 100) if i % 5 else "",
                (datetime(2024, 5, 1, 9, tzinfo=NY) + timedelta(minutes=7 * i)).isoformat(
                    timespec="minutes"
                ),
                ["EU", "US", ""][i % 3],
            ]
            w.writerow((bad or {}).get(i, row))
    return path


def _import(db: Path, path: Path, parallel: bool, **kw: object) -> ImportSummary:
    saved = imports.PARALLEL_FROM_BYTES
    imports.PARALLEL_FROM_BYTES = 1 if parallel else 1 << 62
    engine = open_ledger(f"sqlite:///{db}")
    try:
        return import_csv(engine, path, default_tz=NY, now=NOW, **kw)  # type: ignore[arg-type]
    finally:
        imports.PARALLEL_FROM_BYTES = saved
        engine.dispose()


def _ledger(db: Path) -> dict[str, list[tuple]]:
    engine = open_ledger(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return {
                t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
                for t in ("lead", "lead_change", "rep", "import_run")
            }
    finally:
        engine.dispose()


BAD = {
    3: ["L00003", "x@y.com", "bob", "lots", "2024-05-01T10:00-04:00", ""],  # first half
    20: ["", "no-id@y.com", "bob", "1", "2024-05-01T10:00-04:00", ""],
    150: ["L00150", "x@y.com", "bob", "1", "yesterday", ""],  # second half
    190: ["L00190", "x@y.com", "bob", "1", "2024-05-01T10:00-04:00", "", "extra cell"],
}


def test_two_halves_give_the_ledger_one_process_gives(tmp_path: Path) -> None:
    f = _leads(tmp_path / "leads.csv", 200, BAD)
    f.write_text(f.read_text()[:-1] + "\n\n\n")  # blank lines at the end are no rows
    got = {}
    for parallel in (False, True):
        db = tmp_path / f"{parallel}.db"
        rejects = tmp_path / f"{parallel}-rejects.csv"
        s = _import(db, f, parallel, rejects=rejects)
        got[parallel] = (
            (s.read, s.inserted, s.updated, s.unchanged, s.rejected),
            [(line, reason) for line, _, reason in s.rejects],
            rejects.read_text(),
            _ledger(db),
        )
    assert got[True] == got[False]
    counts, reasons, _, ledger = got[True]
    assert counts == (200, 196, 0, 0, 4)
    assert [line for line, _ in reasons] == [5, 22, 152, 192]
    assert len(ledger["lead"]) == 196
    # the second half is there, in file order, after the first
    assert [r[1] for r in ledger["lead"]][146:149] == ["L00148", "L00149", "L00151"]
    # the file's hash (the worker's, in halves) is the file's
    assert [r[2] for r in ledger["import_run"]] == [hashlib.sha256(f.read_bytes()).hexdigest()]


def test_halves_leave_no_part_file_and_the_same_ledger_on_reimport(tmp_path: Path) -> None:
    f = _leads(tmp_path / "leads.csv", 300)
    db = tmp_path / "l.db"
    s = _import(db, f, True)
    assert (s.read, s.inserted) == (300, 300)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".slactl")] == []
    before = _ledger(db)
    s = _import(db, f, True)
    assert (s.inserted, s.unchanged) == (0, 300)
    assert _ledger(db) == before


def test_a_lead_in_both_halves_is_read_again_by_csv_reader(tmp_path: Path) -> None:
    twice = {250: ["L00010", "changed@y.com", "carol", "99", "2024-05-02T10:00-04:00", "EU"]}
    f = _leads(tmp_path / "leads.csv", 300, twice)
    got = {}
    for parallel in (False, True):
        db = tmp_path / f"{parallel}.db"
        s = _import(db, f, parallel)
        got[parallel] = ((s.read, s.inserted, s.updated, s.rejected), _ledger(db))
    assert got[True] == got[False]
    (counts, ledger) = got[True]
    assert counts == (300, 299, 1, 0)
    changes = {(r[3], r[4], r[5]) for r in ledger["lead_change"]}
    assert ("email", "lead10@example.com", "changed@y.com") in changes


def test_strict_names_the_first_bad_line_of_the_second_half(tmp_path: Path) -> None:
    f = _leads(tmp_path / "leads.csv", 300, {280: BAD[150]})
    db = tmp_path / "l.db"
    open_ledger(f"sqlite:///{db}").dispose()
    before = _ledger(db)
    with pytest.raises(ImportError_, match=r"leads\.csv:282: column created_at"):
        _import(db, f, True, strict=True)
    assert _ledger(db) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".slactl")] == []


def test_bytes_that_are_not_utf8_are_named_by_line(tmp_path: Path) -> None:
    f = _leads(tmp_path / "leads.csv", 3000)  # past the 64 KiB the dialect is sniffed from
    lines = f.read_bytes().split(b"\n")
    for bad in (2600, 1200):  # in the second half, then in the first
        lines[bad] = lines[bad].replace(b"Lead", b"L\xe9ad")
        f.write_bytes(b"\n".join(lines))
        db = tmp_path / "l.db"
        for parallel in (True, False):
            with pytest.raises(ImportError_, match=rf"leads\.csv:{bad + 1}: not UTF-8"):
                _import(db, f, parallel)
            assert _ledger(db)["lead"] == []
        # and a file read by csv.reader (a quoted cell) names the same line
        quoted = tmp_path / "quoted.csv"
        quoted.write_bytes(f.read_bytes().replace(b"EU", b'"E,U"'))
        with pytest.raises(ImportError_, match=rf"quoted\.csv:{bad + 1}: not UTF-8"):
            _import(db, quoted, False)


def test_times_without_offset_and_other_forms_take_the_careful_path(tmp_path: Path) -> None:
    """A file of naive times, mixed forms and whitespace: every batch goes row by row,
    in both halves, to the same values."""
    f = tmp_path / "leads.csv"
    rows = [
        [f" L{i} ", f"l{i}@x.com ", "rep1", "5", t]
        for i, t in enumerate(
            ["2024-05-03T14:22", "2024-05-03T14:22:00.5Z", "05/03/2024 2:22 PM"] * 40
        )
    ]
    with open(f, "w", newline="") as fh:
        csv.writer(fh).writerows([["external_id", "email", "owner", "score", "created_at"], *rows])
    got = {}
    for parallel in (False, True):
        db = tmp_path / f"{parallel}.db"
        s = _import(db, f, parallel)
        got[parallel] = (s.inserted, _ledger(db))
    assert got[True] == got[False]
    assert got[True][0] == 120
    assert got[True][1]["lead"][0][1] == "L0"
    created = {r[12] for r in got[True][1]["lead"]}
    assert created == {"2024-05-03 18:22:00", "2024-05-03 14:22:00.500000"}


def test_progress_counts_both_halves_up_to_the_size(tmp_path: Path) -> None:
    f = _leads(tmp_path / "leads.csv", 20_000)
    seen: list[int] = []
    _import(tmp_path / "l.db", f, True, progress=seen.append)
    size = f.stat().st_size
    assert seen[-1] == size and max(seen) == size and len(seen) > 3


def test_no_room_for_a_part_file_means_one_process(tmp_path: Path) -> None:
    """A ledger in memory has no directory of its own, and the temporary directory here is
    a file (a directory without write permission would not stop root): the part file
    cannot be made, and the file is read by one process."""
    f = _leads(tmp_path / "leads.csv", 300, BAD)
    not_a_dir = tmp_path / "not-a-directory"
    not_a_dir.write_text("")
    saved = imports.tempfile.tempdir, imports.PARALLEL_FROM_BYTES
    imports.tempfile.tempdir, imports.PARALLEL_FROM_BYTES = str(not_a_dir), 1
    engine = open_ledger("sqlite://")
    try:
        s = import_csv(engine, f, default_tz=NY, now=NOW)
        with engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT COUNT(*) FROM lead").scalar()
    finally:
        imports.tempfile.tempdir, imports.PARALLEL_FROM_BYTES = saved
        engine.dispose()
    assert (s.read, s.inserted, s.rejected, stored) == (300, 296, 4, 296)


def test_two_halves_with_another_connection_open_keep_the_wal(tmp_path: Path) -> None:
    """A reader has the ledger open: the import keeps the WAL (it cannot leave it), and the
    halves land the same; the reader sees nothing until the commit."""
    f = _leads(tmp_path / "leads.csv", 300, BAD)
    db = tmp_path / "l.db"
    open_ledger(f"sqlite:///{db}").dispose()
    reader = sqlite3.connect(db)
    try:
        assert reader.execute("SELECT COUNT(*) FROM lead").fetchone()[0] == 0
        s = _import(db, f, True)
        assert (s.read, s.inserted, s.rejected) == (300, 296, 4)
        assert Path(f"{db}-wal").exists()
        assert reader.execute("SELECT COUNT(*) FROM lead").fetchone()[0] == 296
    finally:
        reader.close()
    assert _ledger(db) == _ledger_of_one_process(tmp_path, f)


def _ledger_of_one_process(tmp_path: Path, f: Path) -> dict[str, list[tuple]]:
    db = tmp_path / "one.db"
    _import(db, f, False)
    return _ledger(db)


# ------------------------------------------------------------- re-imports, lines unsplit


def _reimport(tmp: Path, first: str, again: str, plain: bool) -> tuple:
    """``first`` then ``again`` into a new ledger; ``again`` read as a plain file or (with
    ``plain`` off) by ``csv.reader``: the counts, rejects and ledger after it."""
    tmp.mkdir()
    db = tmp / f"{plain}.db"
    a, b = tmp / "first.csv", tmp / "again.csv"
    a.write_text(first)
    b.write_text(again)
    _import(db, a, False)
    saved = imports.plain
    if not plain:
        imports.plain = lambda path, dialect: None  # type: ignore[assignment]
    try:
        s = _import(db, b, False, rejects=tmp / f"{plain}-rejects.csv")
    finally:
        imports.plain = saved
    rows = _ledger(db)
    rows.pop("import_run")  # (its path and hash are the files', the same both ways)
    return (
        (s.read, s.inserted, s.updated, s.unchanged, s.rejected),
        [(line, reason) for line, _, reason in s.rejects],
        rows,
    )


@pytest.mark.parametrize("key_first", [True, False])
def test_a_plain_reimport_gives_what_csv_reader_gives(tmp_path: Path, key_first: bool) -> None:
    head = ["external_id", "email", "owner", "score", "created_at"]
    rows = [
        [f"L{i}", f"l{i}@x.com", "ann", str(i), f"2024-05-0{1 + i % 9}T10:00-04:00"]
        for i in range(12)
    ]
    order = list(range(5)) if key_first else [2, 1, 0, 3, 4]  # the key third

    def text(rs: list[list[str]]) -> str:
        return "".join(",".join(r[i] for i in order if i < len(r)) + "\n" for r in [head, *rs])

    first = text(rows)
    changed = [list(r) for r in rows]
    changed[3][2] = "bob"  # an owner changed
    changed[5][3] = "lots"  # a score that is no number: rejected
    changed[7] = changed[7][:2]  # too short for the time (and, key third, for the key)
    changed.append(["L99", "new@x.com", "cy", "5", "2024-05-09T10:00-04:00"])  # new
    again = text(changed).replace("\nL8,", "\n\nL8,") if key_first else text(changed)
    plain, careful = (_reimport(tmp_path / str(p), first, again, p) for p in (True, False))
    assert plain == careful
    counts, reasons, ledger = plain
    assert counts == (13, 1, 1, 9, 2)
    assert [line for line, _ in reasons] == [7, 9]
    assert ("owner", "ann", "bob") in {(r[3], r[4], r[5]) for r in ledger["lead_change"]}


def test_a_plain_reimport_names_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    f = _leads(tmp_path / "leads.csv", 3000)  # past the 64 KiB the dialect is sniffed in
    db = tmp_path / "l.db"
    _import(db, f, False)
    data = f.read_bytes().split(b"\n")
    data[2600] = data[2600].replace(b"Example", b"Ex\xffample")
    f.write_bytes(b"\n".join(data))
    before = _ledger(db)
    with pytest.raises(ImportError_, match=r"leads\.csv:2601: not UTF-8"):
        _import(db, f, False)
    assert _ledger(db) == before


def test_the_flusher_flushes_once_the_file_has_grown(tmp_path: Path) -> None:
    """A kick flushes only when the file has grown by ``MIN_BYTES`` since the last flush,
    never two at once, and ``close`` waits for the one running and closes the file."""
    db = tmp_path / "grows.bin"
    db.write_bytes(b"x" * 1000)
    engine = open_ledger(f"sqlite:///{tmp_path / 'l.db'}")
    try:
        with engine.connect() as conn:
            assert imports._Flusher.of(conn) is not None  # a file ledger has one
            imports._Flusher.of(conn).close()  # type: ignore[union-attr]
    finally:
        engine.dispose()
    flusher = imports._Flusher(os.open(db, os.O_RDONLY))
    flusher.MIN_BYTES = 4096
    flusher.kick()
    assert (flusher.flushed, flusher.thread) == (0, None)  # 1,000 bytes: too little
    with db.open("ab") as f:
        f.write(b"y" * 5000)
    flusher.kick()
    assert flusher.flushed == 6000 and flusher.thread is not None
    first = flusher.thread
    flusher.kick()  # nothing new: the same thread, or none started
    assert flusher.thread is first
    flusher.close()
    assert not first.is_alive()
    with pytest.raises(OSError):
        os.fstat(flusher.fd)


def test_a_ledger_in_memory_has_no_flusher() -> None:
    engine = open_ledger("sqlite://")
    try:
        with engine.connect() as conn:
            assert imports._Flusher.of(conn) is None
    finally:
        engine.dispose()


def test_flushing_as_it_goes_changes_nothing_in_the_ledger(tmp_path: Path) -> None:
    """With every kick a flush (``MIN_BYTES`` 0), two halves give the ledger they give
    without, and leave no file open (counted after the first import, which maps the
    shared memory of multiprocessing for good)."""
    f = _leads(tmp_path / "leads.csv", 300, BAD)
    fds = []
    got = []
    saved = imports._Flusher.MIN_BYTES
    for least in (1 << 62, 0):
        imports._Flusher.MIN_BYTES = least
        try:
            db = tmp_path / f"{least}.db"
            s = _import(db, f, True)
        finally:
            imports._Flusher.MIN_BYTES = saved
        got.append(((s.read, s.inserted, s.rejected), _ledger(db)))
        fds.append(len(os.listdir("/proc/self/fd")))
    assert got[0] == got[1]
    assert got[1][0] == (300, 296, 4)
    assert fds[0] == fds[1]


# ------------------------------------------------------------- activity times by batch

ACT_TIMES = st.sampled_from(
    [
        "2024-05-03T14:22-04:00",
        "2024-05-03T18:22Z",
        "2024-05-03 14:22:05+02:00",
        "2024-05-03T14:22:59Z",
        "2024-11-03T01:30-05:00",
        "2024-05-03T14:22",  # no offset: the agreement's zone, row by row
        "05/03/2024 2:22 PM",
        "2024-02-30T10:00Z",  # no such day: rejected
        "2024-05-03T25:00Z",
        "soon",
        "",
    ]
)
ACT_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["L1", "L2", "nobody", ""]),
        st.sampled_from(["call", "email", "disposition", "review", ""]),
        st.sampled_from(["alice", "bob", ""]),
        ACT_TIMES,
        st.sampled_from(["", "qualified", "maybe"]),
        st.sampled_from(["", "note"]),
    ),
    min_size=1,
    max_size=25,
)


def _activities(tmp_path: Path, rows: list[tuple[str, ...]], batched: bool) -> tuple:
    db = tmp_path / f"{batched}.db"
    db.unlink(missing_ok=True)
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "external_id,email,created_at\nL1,a@x.example,2024-05-01T09:00Z\n"
        "L2,b@x.example,2024-05-01T09:00Z\n"
    )
    acts = tmp_path / "acts.csv"
    with acts.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["lead", "kind", "rep", "at", "outcome", "note"])
        w.writerows(rows)
    saved = imports._utc_texts
    if not batched:  # every time converted row by row (``at``), as before batches
        imports._utc_texts = lambda *a, **k: None  # type: ignore[assignment]
    engine = open_ledger(f"sqlite:///{db}")
    try:
        import_csv(engine, leads, default_tz=NY, now=NOW)
        s = import_csv(engine, acts, default_tz=NY, now=NOW, outcomes=("qualified", "lost"))
        with engine.connect() as conn:
            events = conn.exec_driver_sql("SELECT * FROM event ORDER BY id").all()
            reps = conn.exec_driver_sql("SELECT name FROM rep ORDER BY name").all()
    finally:
        imports._utc_texts = saved
        engine.dispose()
    return (s.read, s.inserted, s.unchanged, s.rejected), s.rejects, events, reps


@settings(max_examples=60, deadline=None)
@given(rows=ACT_ROWS)
def test_activity_times_by_batch_give_what_row_by_row_gives(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, ...]]
) -> None:
    """Times converted a batch at a time (``resolve``) and one by one (``at``): the same
    events, the same rejects with the same lines and reasons (a bad time first, as read),
    the same reps (none from a row whose time is bad)."""
    tmp = tmp_path_factory.mktemp("acts")
    assert _activities(tmp, rows, True) == _activities(tmp, rows, False)


def test_a_bad_time_is_a_rows_first_fault_by_batch_too(tmp_path: Path) -> None:
    rows = [
        ("L1", "disposition", "carol", "2024-02-30T10:00Z", "maybe", ""),  # bad time first
        ("", "call", "dave", "2024-05-03T10:00Z", "", ""),  # no lead: its own reason
        ("L1", "call", "erin", "2024-05-03T10:00Z", "", ""),
    ]
    counts, rejects, events, reps = _activities(tmp_path, rows, True)
    assert counts == (3, 1, 0, 2)
    assert [(line, reason.split(":")[0]) for line, _, reason in rejects] == [
        (2, "column at"),
        (3, "no lead for a call"),
    ]
    assert [e[3] for e in events] == ["2024-05-03 10:00:00"]
    assert [r[0] for r in reps] == ["erin"]


GOOD_ACT_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["L1", "L2", "a@x.example", "nobody", ""]),
        st.sampled_from(["call", "email", "handoff", "review"]),
        st.sampled_from(["alice", "bob", ""]),
        st.sampled_from(
            ["2024-05-03T14:22-04:00", "2024-05-03T18:22Z", "2024-05-03 14:22:05+02:00"]
        ),
        st.sampled_from(["", "qualified"]),
        st.sampled_from(["", "note", " padded "]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(rows=GOOD_ACT_ROWS)
def test_activity_batches_by_column_give_what_row_by_row_gives(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, ...]]
) -> None:
    """Batches a column path takes (``_ActivityImport.fast``: every row passes the row
    checks, every time one numpy converts) against the same rows one by one: the same
    events, rejects (an unknown lead, a call with no lead), reps."""
    tmp = tmp_path_factory.mktemp("acts")
    assert _activities(tmp, rows, True) == _activities(tmp, rows, False)


def test_the_column_path_is_taken_for_a_common_activity_batch(ledger: Connection) -> None:
    """(So that the property above is not vacuous.)"""
    headers = ["lead", "kind", "rep", "at", "outcome", "note"]
    kind, preset, header_map = _resolve(Path("a.csv"), headers, None, None, None)
    summary = ImportSummary(Path("a.csv"), kind, preset)
    job = imports._ActivityImport(
        ledger, summary, headers, header_map, NY, False, NOW, ("qualified", "lost")
    )
    lines = [
        "L1,call,alice,2024-05-03T14:22-04:00,,",
        ",review,,2024-05-06T10:00Z,,weekly",
        "L2,disposition,bob,2024-05-03T18:22Z,Qualified, ok ",
    ]
    got = job.fast(lines, ",")
    assert got == [
        ("L1", "call", "alice", "2024-05-03 18:22:00", "2024-05-03 18:22:00", "", ""),
        (None, "review", "", "2024-05-06 10:00:00", "2024-05-06 10:00:00", "", "weekly"),
        (
            "L2",
            "disposition",
            "bob",
            "2024-05-03 18:22:00",
            "2024-05-03 18:22:00",
            "qualified",
            "ok",
        ),
    ]
    assert job.reps == {"alice", "bob"}
    # a row parse would reject, or a time numpy does not take: the batch goes row by row
    assert job.fast([*lines, "L1,disposition,bob,2024-05-03T18:22Z,maybe,"], ",") is None
    assert job.fast([*lines, "L1,call,bob,2024-05-03T14:22,,"], ",") is None
    assert job.fast([*lines, "L1,call,bob,2024-05-03T14:22Z,,,"], ",") is None
