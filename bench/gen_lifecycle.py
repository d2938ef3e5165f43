"""Add SPEC 7's events to a benchmark ledger: 10 % of the leads whose clock starts in April
or May 2024 are handed back after their disposition (a second cycle), reassigned, or
paused (seven in ten of the pauses resumed). Writes an activities CSV to import into a
copy of the ledger, under an agreement that turns pauses on:

    .venv/bin/python bench/gen_lifecycle.py LEDGER OUT.csv
    cp -r agreements /tmp/agr   # add definitions.pauses and pausable: true, then
    SLACTL_AGREEMENTS=/tmp/agr slactl --db COPY import OUT.csv

Deterministic (seeded). Reads the ledger read-only.
"""

from __future__ import annotations

import csv
import random
import sqlite3
import sys
from datetime import datetime, timedelta

REPS = [f"rep{i:02d}" for i in range(50)]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T") + ("" if "+" in text else "+00:00"))


def main() -> None:
    ledger, out = sys.argv[1], sys.argv[2]
    rng = random.Random(7)
    conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT l.external_id, l.owner, l.clock_start_at, (SELECT MIN(e.at) FROM event e"
        " WHERE e.lead_id = l.id AND e.kind = 'disposition' AND e.at >= l.clock_start_at)"
        " FROM lead l WHERE l.clock_start_at >= '2024-04-01' AND l.clock_start_at < '2024-06-01'"
    ).fetchall()
    events: list[list[str]] = []
    for ext, owner, start, disp in rows:
        if rng.random() >= 0.10:
            continue
        kind = rng.randrange(3)
        st = at(start)
        if kind == 0 and disp:
            when = at(disp) + timedelta(days=rng.randint(3, 20))
            events.append([ext, "handoff", "mkt", when.isoformat(), "", "", "", ""])
        elif kind == 1:
            when = st + timedelta(hours=rng.randint(1, 48))
            events.append([ext, "reassign", rng.choice(REPS), when.isoformat(), "", "", "", owner])
        else:
            when = st + timedelta(minutes=rng.randint(10, 300))
            events.append([ext, "pause", "rep00", when.isoformat(), "", "callback-requested"])
            events[-1] += ["", ""]
            if rng.random() < 0.7:
                back = when + timedelta(hours=rng.randint(1, 30))
                events.append([ext, "resume", "rep00", back.isoformat(), "", "", "", ""])
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["lead", "kind", "rep", "at", "outcome", "reason", "duration", "from_rep"])
        w.writerows(events)
    print(f"{len(rows):,} leads starting in April-May; {len(events):,} events written to {out}")


if __name__ == "__main__":
    main()
