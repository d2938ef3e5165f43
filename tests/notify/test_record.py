"""The notification record (SPEC 8.2) on both engines: a send is claimed once, a failed
one is claimed again, a claim left by a dead run is taken back after ``stale``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slactl.ledger import notifications
from slactl.ledger.engine import open_ledger

KEY = {
    "lead": "L1",
    "commitment": "speed-to-lead",
    "cycle": 1,
    "kind": "breach",
    "step": 0,
    "recipient": "maria@example.com",
    "channel": "email",
}
DEADLINE = datetime(2024, 5, 3, 20, 30, tzinfo=UTC)
NOW = datetime(2024, 5, 3, 21, 0, tzinfo=UTC)
STALE = timedelta(minutes=15)


def rows(engine) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT status, attempts, error, sent_at IS NOT NULL FROM notification")
            )
        ]


def claim(engine, now: datetime, key: dict[str, object] = KEY) -> bool:  # type: ignore[no-untyped-def]
    (got,) = notifications.claim(engine, sends=[(key, DEADLINE)], now=now, stale=STALE)
    return got


def test_claim_once_fail_retry_send(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    try:
        assert claim(engine, NOW) is True
        assert claim(engine, NOW) is False  # being sent by the first claimant
        notifications.mark(engine, results=[(KEY, "answered 500")], now=NOW)
        assert rows(engine) == [("failed", 1, "answered 500", False)]
        later = NOW + timedelta(minutes=5)
        assert claim(engine, later) is True  # a failed send is tried again
        assert claim(engine, later) is False
        notifications.mark(engine, results=[(KEY, None)], now=later)
        assert rows(engine) == [("sent", 2, None, True)]
        assert claim(engine, later + timedelta(days=1)) is False  # sent: never again
        other = {**KEY, "recipient": "alice@example.com"}
        assert claim(engine, later, other) is True  # another recipient is another send
    finally:
        engine.dispose()


def test_a_claim_left_by_a_dead_run_is_taken_back_after_stale(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    try:
        assert claim(engine, NOW) is True  # and the process dies before marking it
        assert claim(engine, NOW + STALE) is False
        assert claim(engine, NOW + STALE + timedelta(seconds=1)) is True
        assert rows(engine) == [("sending", 2, None, False)]
    finally:
        engine.dispose()
