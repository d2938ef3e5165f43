"""The SQLite storage form of instants: ISO text in UTC without offset (see ``types``),
apart from the column types so that reading a ledger need not import SQLAlchemy."""

from __future__ import annotations

from datetime import UTC, datetime


def to_utc_text(value: datetime) -> str:
    """The SQLite storage form of an aware instant."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: instants must carry a time zone")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def from_utc_text(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)
