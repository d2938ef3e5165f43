"""Copy a whole ledger to another database (SQLite to PostgreSQL or back), without loss."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, insert, select, text

from slactl.errors import LedgerError
from slactl.ledger.models import SQLModel

TABLES: tuple[str, ...] = ("lead", "import_run", "event", "lead_change", "rep", "published_period")
TABLES += ("opportunity", "opportunity_change")
BATCH = 10_000


@dataclass(frozen=True)
class CopySummary:
    counts: dict[str, int]


def copy_ledger(source: Engine, target: Engine) -> CopySummary:
    """Copy every row, ids included, in one transaction on the target; the target must be
    a new (empty) ledger. Counts are checked table by table."""
    meta = SQLModel.metadata
    counts: dict[str, int] = {}
    with source.connect() as src, target.connect() as dst:
        dst = dst.execution_options(write=True)
        with dst.begin():
            for name in TABLES:
                n = dst.execute(select(func.count()).select_from(meta.tables[name])).scalar()
                if n:
                    raise LedgerError(
                        f"the target ledger already holds {n} rows in {name}:"
                        " copy into a new, empty ledger"
                    )
            for name in TABLES:
                table = meta.tables[name]
                result = src.execute(select(table).order_by(table.c.id)).mappings()
                copied = 0
                while True:
                    rows = [dict(r) for r in result.fetchmany(BATCH)]
                    if not rows:
                        break
                    dst.execute(insert(table), rows)
                    copied += len(rows)
                counts[name] = copied
            if dst.dialect.name == "postgresql":
                for name in TABLES:
                    dst.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                            f" COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                        )
                    )
            for name in TABLES:
                got = dst.execute(select(func.count()).select_from(meta.tables[name])).scalar()
                if got != counts[name]:
                    raise LedgerError(f"copy of {name} is incomplete: {got} of {counts[name]} rows")
    return CopySummary(counts)
