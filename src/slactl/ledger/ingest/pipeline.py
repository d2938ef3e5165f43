"""``import_csv``: the file read a batch at a time, each batch converted and merged into
the ledger, all in one transaction (it all lands or none of it does); the same file again
changes nothing. docs/import.md says what is kept, compared and rejected."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slactl.errors import ImportError_
from slactl.ledger import opportunities
from slactl.ledger.ingest.convert import Converter
from slactl.ledger.ingest.load import Ledger
from slactl.ledger.ingest.read import Source
from slactl.ledger.presets import resolve
from slactl.ledger.rules import EventRules
from slactl.timecolumns import TimeColumn, Undecided
from slactl.timeparse import ZoneRule

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from slactl.ledger.lite import LiteEngine

MERGED_ROWS = 20_000  # rows of a re-import that differ from the ledger, merged in one go
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
    engine: Engine | LiteEngine,
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
    """Import one CSV file in one transaction. ``default_tz``: the zone of times without
    an offset (None: such a time stops the import); ``rejects``: a CSV file to write every
    rejected row to; ``rules``: ``rules.event_rules`` of the agreements."""
    if rejects is not None and rejects.resolve() == path.resolve():
        raise ImportError_(f"--rejects {rejects}: that is the file being imported; name another")
    if date_order not in (None, "dmy", "mdy"):
        raise ImportError_(f"--date-order {date_order}: use dmy or mdy")
    source = Source.open(path, encoding)
    kind, preset, fields = resolve(path, source.headers, kind, preset, mapping or [])
    summary = ImportSummary(path, kind, preset, dry_run=dry_run)
    found = _Rejects(source, strict)
    phase = progress or (lambda done, what: None)
    # no connection of this process's own sqlite3 library stays open beside the driver's
    # (two copies of SQLite in one process do not see each other's POSIX locks)
    engine.dispose()
    with Ledger(engine, now) as ledger:
        times = TimeColumn(default_tz, date_order)
        converter = Converter(kind, fields, times, ledger.pg, outcomes, rules)
        ledger.begin_load({"leads": "lead", "opportunities": "opportunity"}.get(kind, "event"))
        ident = next((i for i, f in fields.items() if f == "external_id"), 0)
        merge_rows: Callable[[pa.Table], tuple[int, int, list[Any]]] = {
            "leads": ledger.merge_leads,
            "opportunities": lambda t: opportunities.merge(ledger, t),
        }.get(kind, lambda t: ledger.merge_events(t, set(fields.values())))

        def merge() -> None:
            if not pending:
                return
            raw = pa.concat_batches([b for b, _, _ in pending])
            ordinals = np.concatenate([o for _, o, _ in pending])
            digests = [d for _, _, d in pending if d is not None]
            pending.clear()
            converter.nul = source.stream.nul
            try:
                columns, rows, rejected = converter.convert(raw)
            except Undecided as exc:
                line = source.line(source.record_of(int(ordinals[exc.args[0]])))
                raise ImportError_(f"{path}:{line}: {exc.args[1]}") from None
            summary.skipped += converter.skipped
            found.add([(int(ordinals[i]), reason) for i, reason in rejected])
            if digests:
                columns["row_hash"] = pa.array(np.concatenate(digests)).take(rows).cast(pa.string())
            table = pa.table({"ordinal": pa.array(ordinals).take(rows), **columns})
            for round_ in _rounds(table, kind) if len(rows) else ():
                inserted, updated, unknown = merge_rows(round_)
                found.add(
                    (o, f"no lead '{k}' in the ledger: import the leads first") for o, k in unknown
                )
                summary.inserted += inserted
                summary.updated += updated
                summary.unchanged += round_.num_rows - inserted - updated - len(unknown)

        # rows that may differ from the ledger (with their ordinals and digests), converted
        # by merge() in one go: a conversion costs about as much for 60 rows as for 6,000
        pending: list[tuple[pa.RecordBatch, Any, Any]] = []
        start = 0
        for raw in source.batches(lambda done: phase(done, "importing")):
            digest = converter.digest(raw) if kind == "leads" else None
            keep = np.arange(raw.num_rows)  # (the positions in raw of the rows kept)
            compared = digest is not None and not ledger.fresh
            if compared:
                ids = pc.utf8_trim_whitespace(raw.column(ident))
                waiting = [pc.utf8_trim_whitespace(b.column(ident)) for b, _, _ in pending]
                if pc.any(pc.is_in(ids, pa.chunked_array(waiting, pa.string()))).as_py():
                    merge()  # (a lead of them again: merged before it is compared)
                # (a lead twice in the batch: all compared, as a later row may undo one)
                if len(pc.unique(ids)) == len(ids):
                    keep = np.flatnonzero(~ledger.known(digest))
                    summary.unchanged += raw.num_rows - len(keep)
            if len(keep):
                part = raw if len(keep) == raw.num_rows else raw.take(keep)
                pending.append((part, start + keep, None if digest is None else digest[keep]))
            if strict or not compared or sum(len(o) for _, o, _ in pending) >= MERGED_ROWS:
                merge()
            found.check()
            summary.read += raw.num_rows
            start += raw.num_rows
        merge()
        found.check()
        summary.read += len(source.bad_width)
        summary.rejected = len(found.all())
        phase(path.stat().st_size, "indexing" if ledger.dropped else "committing")
        ledger.finish()
        if (summary.inserted or summary.updated) and not dry_run:
            with open(path, "rb") as f:
                ledger.record_run(summary, hashlib.file_digest(f, "sha256").hexdigest())
        phase(path.stat().st_size, "committing")
        ledger.run("ROLLBACK" if dry_run else "COMMIT")
    summary.rejects = found.write(rejects)
    return summary


def _rounds(table: pa.Table, kind: str) -> list[pa.Table]:
    """The table cut where a lead comes again in it, each later row in a later round."""
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
    """The rejected rows, counted as they come; their lines and cells read at the end (or
    at the first, with ``--strict``) by one pass over the file."""

    def __init__(self, source: Source, strict: bool) -> None:
        self.source, self.strict = source, strict
        self.rows: list[tuple[int, str]] = []  # (record number, reason)

    def add(self, bad: Iterable[tuple[int, str]]) -> None:
        self.rows += [(self.source.record_of(ordinal), reason) for ordinal, reason in bad]

    def check(self) -> None:
        if self.strict and (self.rows or self.source.bad_width):
            record, reason = self.all()[0]
            raise ImportError_(f"{self.source.path}:{self.source.line(record)}: {reason}")

    def all(self) -> list[tuple[int, str]]:
        return sorted(self.rows + list(self.source.bad_width.items()))

    def write(self, target: Path | None) -> list[tuple[int, dict[str, str], str]]:
        rows = self.all()
        lines = self.source.lines(r for r, _ in rows)
        headers = self.source.headers
        if target is not None and rows:
            try:
                with open(target, "w", encoding="utf-8", newline="") as f:
                    writer = csv.writer(f)
                    writer.writerow(["line", "reason", *headers])
                    for record, reason in rows:
                        line, cells = lines.get(record, ("?", []))
                        writer.writerow([line, reason, *cells])
            except OSError as exc:
                raise ImportError_(f"--rejects {target}: {exc.strerror}") from None
        kept = [(lines.get(r, (0, [])), reason) for r, reason in rows[:KEPT_REJECTS]]
        return [(line, dict(zip(headers, cells, strict=False)), why) for (line, cells), why in kept]
