"""Column types. Instants are stored in UTC and come back aware.

SQLite keeps no time zone, so there an instant is ISO text in UTC without offset,
``YYYY-MM-DD HH:MM:SS[.ffffff]``, which sorts as time does and reads well in the sqlite3
shell. PostgreSQL gets ``timestamptz``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from slactl.ledger.utc import from_utc_text, to_utc_text

__all__ = ["UTCDateTime", "from_utc_text", "to_utc_text"]


class UTCDateTime(TypeDecorator[datetime]):
    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(DateTime(timezone=True))
        return dialect.type_descriptor(String(32))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must carry a time zone")
        if dialect.name == "postgresql":
            return value.astimezone(UTC)
        return to_utc_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return from_utc_text(value)
