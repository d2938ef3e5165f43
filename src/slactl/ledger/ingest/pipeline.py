"""``import_csv``: the file read a batch at a time, each batch converted and merged into
the ledger, all in one transaction (it all lands or none of it does), and the same file
again changes nothing. docs/import.md says what is kept, compared and rejected.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from slactl.errors import ImportError_
from slactl.ledger import opportunities
from slactl.ledger.ingest.convert import Converter, Fatal
from slactl.ledger.ingest.load import Ledger
from slactl.ledger.ingest.read import Source
from slactl.ledger.ingest.rules import EventRules
from slactl.ledger.presets import resolve
from slactl.timeparse import ZoneRule

KEPT_REJECTS = 100  # in memory for the summary; --rejects FILE gets all of them
Progress = Callable[[int, str], None]  # (bytes read, "importing"; then the later phases)


@dataclass
class ImportSummary:
    path: Path
    kind: str
    preset: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0  # rows of a field-history export about other fields than the owner
    dry_run: bool = False
    # the first KEPT_REJECTS rejected rows: (line, row as header -> cell, reason)
    rejects: list[tuple[int, dict[str, str], str]] = field(default_factory=list)

    def line(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        return (
            f"{verb} {self.path.name} ({self.kind}, {self.preset}): {self.read} read,"
            f" {self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged,"
            f" {self.rejected} rejected"
            + (f", {self.skipped} skipped (not owner changes)" if self.skipped else "")
        )


def import_csv(
    engine: Engine,
    path: Path,
    *,
    kind: str | None = None,
    preset: str | None = None,
    mapping: list[str] | None = None,
    dry_run: bool = False,
    strict: bool = False,
    rejects: Path | None = None,
    default_tz: ZoneRule | None = UTC,
    outcomes: tuple[str, ...] | None = None,
    now: datetime,
    progress: Progress | None = None,
    encoding: str | None = None,
    date_order: str | None = None,
    rules: tuple[EventRules, ...] = (),
) -> ImportSummary:
    """Import one CSV file in one transaction; see the module docstring.

    ``default_tz``: the zone of times without an offset (None: such a time stops the
    import). ``rejects``: a CSV file to write every rejected row to (line, reason, row).
    ``rules``: the reasons the agreements allow dispositions and pauses (``rules.event_rules``).
    """
    if rejects is not None and rejects.resolve() == path.resolve():
        raise ImportError_(f"--rejects {rejects}: that is the file being imported; name another")
    if date_order not in (None, "dmy", "mdy"):
        raise ImportError_(f"--date-order {date_order}: use dmy or mdy")
    source = Source.open(path, encoding)
    kind, preset, fields = resolve(path, source.headers, kind, preset, mapping or [])
    summary = ImportSummary(path, kind, preset, dry_run=dry_run)
    found = _Rejects(source, strict)
    report = (lambda n: progress(n, "importing")) if progress is not None else None
    # no connection of this process's own sqlite3 library stays open beside the driver's
    # (two copies of SQLite in one process do not see each other's POSIX locks)
    engine.dispose()
    with Ledger(engine, now) as ledger:
        converter = Converter(kind, fields, default_tz, ledger.pg, outcomes, date_order)
        converter.rules = rules
        ledger.begin_load({"leads": "lead", "opportunities": "opportunity"}.get(kind, "event"))
        start = 0
        for raw in source.batches(report):
            converter.nul = source.stream.nul
            try:
                columns, rows, rejected = converter.convert(raw)
            except Fatal as exc:
                record = source.record_of(start + exc.args[0])
                line = source.lines([record]).get(record, "?")
                raise ImportError_(f"{path}:{line}: {exc.args[1]}") from None
            summary.skipped += converter.skipped
            table = pa.table({"ordinal": pc.add(rows, start), **columns})
            bad = [(start + i, reason) for i, reason in rejected]
            for part in _rounds(table, kind):
                unknown: list[Any] = []
                if kind == "leads":
                    inserted, updated = ledger.merge_leads(part)
                elif kind == "opportunities":
                    inserted, updated, unknown = opportunities.merge(ledger, part)
                else:
                    inserted, updated, unknown = ledger.merge_events(part, set(fields.values()))
                bad += [
                    (o, f"no lead '{k}' in the ledger: import the leads first") for o, k in unknown
                ]
                summary.inserted += inserted
                summary.updated += updated
                summary.unchanged += part.num_rows - inserted - updated - len(unknown)
            summary.read += raw.num_rows
            found.add(raw, start, bad)
            start += raw.num_rows
        summary.read += len(source.bad_width)
        summary.rejected = len(found.all())
        if progress is not None:
            progress(path.stat().st_size, "indexing" if ledger.dropped else "committing")
        ledger.build_indexes()
        if (summary.inserted or summary.updated) and not dry_run:
            with open(path, "rb") as f:
                ledger.record_run(summary, hashlib.file_digest(f, "sha256").hexdigest())
        if progress is not None:
            progress(path.stat().st_size, "committing")
        if dry_run:
            ledger.run("ROLLBACK")
        else:
            ledger.run("COMMIT")
    summary.rejects = found.write(rejects)
    return summary


def _rounds(table: pa.Table, kind: str) -> list[pa.Table]:
    """A batch cut where a lead comes again in it: the later row is merged after the
    earlier one (an update of it, with its change recorded)."""
    ids = table.column("external_id") if kind != "activities" else None
    if ids is None or len(pc.unique(ids)) == len(ids):
        return [table]
    counts: dict[str, int] = {}
    rounds = []
    for i in ids.to_pylist():
        rounds.append(counts.get(i, 0))
        counts[i] = rounds[-1] + 1
    which = pa.array(rounds)
    return [table.filter(pc.equal(which, r)) for r in range(max(rounds) + 1)]


class _Rejects:
    """The rejected rows: counted as they come, their lines found once at the end (or
    at the first, with ``--strict``) by one pass over the file."""

    def __init__(self, source: Source, strict: bool) -> None:
        self.source, self.strict = source, strict
        self.rows: list[tuple[int, list[str], str]] = []  # (record number, cells, reason)

    def add(self, raw: pa.RecordBatch, start: int, bad: list[tuple[int, str]]) -> None:
        for ordinal, reason in bad:
            cells = [raw.column(c)[ordinal - start].as_py() for c in range(raw.num_columns)]
            self.rows.append((self.source.record_of(ordinal), cells, reason))
        if self.strict and (self.rows or self.source.bad_width):
            record, _, reason = self.all()[0]
            line = self.source.lines([record]).get(record, "?")
            raise ImportError_(f"{self.source.path}:{line}: {reason}")

    def all(self) -> list[tuple[int, list[str], str]]:
        return sorted(self.rows + [(r, *v) for r, v in self.source.bad_width.items()])

    def write(self, target: Path | None) -> list[tuple[int, dict[str, str], str]]:
        rows = self.all()
        lines = self.source.lines(r[0] for r in rows)
        headers = self.source.headers
        if target is not None and rows:
            try:
                with open(target, "w", encoding="utf-8", newline="") as f:
                    writer = csv.writer(f)
                    writer.writerow(["line", "reason", *headers])
                    for record, cells, reason in rows:
                        writer.writerow([lines.get(record, "?"), reason, *cells])
            except OSError as exc:
                raise ImportError_(f"--rejects {target}: {exc.strerror}") from None
        return [
            (lines.get(r, 0), dict(zip(headers, cells, strict=False)), reason)
            for r, cells, reason in rows[:KEPT_REJECTS]
        ]
