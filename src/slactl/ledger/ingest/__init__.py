"""CSV imports (SPEC section 5): one pipeline for every file and both engines.

``read`` streams the file as Arrow record batches and maps its headers to fields,
``convert`` checks and converts a batch a column at a time with ``pyarrow.compute``,
``load`` bulk-loads each batch with ADBC into a staging table and merges it into the
ledger with set-based SQL, and ``pipeline.import_csv`` runs them in one transaction.

This module itself imports nothing heavy: the commands that only log an event need
``event_key`` without loading pyarrow.
"""

from __future__ import annotations


def event_key(lead_id: int | None, kind: str, rep: str | None, at_utc: str) -> str:
    """An event's identity: its UTC time (first, so that the unique index grows at its
    end for exports sorted by time), kind, lower-cased rep and lead. The note and the
    outcome are what the event says, not which event it is: a re-import that changes
    them updates the event."""
    lead = "" if lead_id is None else str(lead_id)
    return f"{at_utc}\x1f{kind}\x1f{(rep or '').lower()}\x1f{lead}"
