"""Facts logged by hand: touches, dispositions, handoffs, review meetings, and a lead's
pauses, resumptions, acceptance and reassignments (SPEC 7)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text

from slactl.errors import SlactlError, UnknownLead
from slactl.ledger.engine import with_retry, write_transaction
from slactl.ledger.rules import EventRules, fault
from slactl.ledger.types import to_utc_text


@dataclass(frozen=True)
class Recorded:
    lead: str | None  # external id
    kind: str
    at: datetime
    added: bool  # False when the same fact was already in the ledger


def event_key(lead_id: int | None, kind: str, rep: str | None, at_utc: str) -> str:
    """An event's identity (``event.dedupe_key``): its UTC time (first, so that the unique
    index grows at its end for exports sorted by time), kind, lower-cased rep and lead.
    The note and the outcome are what the event says, not which event it is: a re-import
    that changes them updates the event. The import builds the same key a column at a
    time (``ingest.convert``)."""
    lead = "" if lead_id is None else str(lead_id)
    return f"{at_utc}\x1f{kind}\x1f{(rep or '').lower()}\x1f{lead}"


def find_lead_id(conn, key: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """(id, external id) of the lead named by external id or email; ``UnknownLead`` else."""
    if not key.strip():
        raise UnknownLead("LEAD is empty: give the lead's external id or email")
    row = conn.execute(
        text("SELECT id, external_id FROM lead WHERE external_id = :k OR email = :e"),
        {"k": key, "e": key.lower()},
    ).first()
    if row:
        return int(row[0]), str(row[1])
    from difflib import get_close_matches

    candidates = [
        r[0]
        for r in conn.execute(
            text("SELECT external_id FROM lead WHERE external_id LIKE :p LIMIT 2000"),
            {"p": key[:2] + "%"},
        )
    ]
    close = get_close_matches(key, candidates, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ": import it first or check the id"
    raise UnknownLead(f"no lead '{key}' in the ledger{hint}")


def check_known_rep(conn, rep: str, team: Collection[str] = ()) -> None:  # type: ignore[no-untyped-def]
    """Raise for a rep the ledger has never seen (on an event or as an owner) while it
    knows others: with the closest known name when there is one. ``team``: the reps of
    team.yaml, known everywhere (SPEC 8.1)."""
    if rep in team:
        return
    seen = conn.execute(
        text(
            "SELECT 1 WHERE EXISTS (SELECT 1 FROM rep WHERE name = :n)"
            " OR EXISTS (SELECT 1 FROM lead WHERE owner = :n)"
        ),
        {"n": rep},
    ).first()
    if seen:
        return
    known = sorted(
        {
            r[0]
            for r in conn.execute(
                text("SELECT name FROM rep UNION SELECT DISTINCT owner FROM lead")
            )
            if r[0]
        }
        | set(team)
    )
    if not known:
        return  # the first rep of a new ledger: nothing to mistype
    from difflib import get_close_matches

    close = get_close_matches(rep, known, n=1)
    if close:
        raise SlactlError(
            f"no rep '{rep}' in the ledger; did you mean '{close[0]}'? (a new rep: add --new-rep)"
        )
    raise SlactlError(
        f"no rep '{rep}' in the ledger: check the name, or add --new-rep for a new rep"
    )


def record_event(
    engine: Engine,
    *,
    lead: str | None,
    kind: str,
    at: datetime,
    now: datetime,
    rep: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    duration: float | None = None,
    from_rep: str | None = None,
    new_rep: bool = False,
    rules: tuple[EventRules, ...] = (),
    team_reps: Collection[str] = (),
) -> Recorded:
    """Append one event (retrying while the ledger is busy); the same fact twice is one.

    A ``rep`` (or ``from_rep``) the ledger does not know is refused as a likely typo
    unless ``new_rep`` (or the ledger knows no rep at all yet). A disposition's or a
    pause's reason is checked against ``rules`` (the agreements') as an import checks it."""
    problem = fault(rules, kind, outcome, reason, at)
    if problem is not None:
        raise SlactlError(problem)

    def attempt() -> Recorded:
        with write_transaction(engine) as conn:
            pg = conn.dialect.name == "postgresql"

            def t(x: datetime) -> object:
                return x if pg else to_utc_text(x)

            # (None only for a review meeting: an empty LEAD is a lead not found, never none)
            lead_id, external = find_lead_id(conn, lead) if lead is not None else (None, None)
            for name in (rep, from_rep):
                if name and not new_rep:
                    check_known_rep(conn, name, team_reps)
            key = event_key(lead_id, kind, rep, to_utc_text(at))
            result = conn.execute(
                text(
                    "INSERT INTO event (lead_id, kind, at, rep, outcome, note, reason,"
                    " duration, from_rep, origin, dedupe_key, recorded_at) VALUES (:lead_id,"
                    " :kind, :at, :rep, :outcome, :note, :reason, :duration, :from_rep, 'cli',"
                    " :key, :now) ON CONFLICT (dedupe_key) DO NOTHING"
                ),
                {
                    "lead_id": lead_id,
                    "kind": kind,
                    "at": t(at),
                    "rep": rep,
                    "outcome": outcome,
                    "note": note,
                    "reason": reason,
                    "duration": duration,
                    "from_rep": from_rep,
                    "key": key,
                    "now": t(now),
                },
            )
            for name in (rep, from_rep):
                if name:
                    conn.execute(
                        text(
                            "INSERT INTO rep (name, first_seen_at) VALUES (:n, :now)"
                            " ON CONFLICT (name) DO NOTHING"
                        ),
                        {"n": name, "now": t(now)},
                    )
            if kind == "handoff" and lead_id is not None:
                conn.execute(
                    text(
                        "UPDATE lead SET clock_start_at = (SELECT MIN(e.at) FROM event e"
                        " WHERE e.lead_id = lead.id AND e.kind = 'handoff')"
                        " WHERE id = :id AND handed_off_at IS NULL"
                    ),
                    {"id": lead_id},
                )
            return Recorded(external, kind, at, bool(result.rowcount))

    return with_retry(attempt)
