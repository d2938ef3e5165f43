"""Regenerate the bundled example CRM exports (deterministic).

    python examples/make_examples.py

Writes examples/leads.csv (generic leads, SPEC section 5 headers plus an `industry`
column kept in `extra`) and examples/activities.csv (generic activities) for April-June 2024:
about 240 leads, a third of them MQLs, worked by five reps with varying diligence.
"""

from __future__ import annotations

import csv
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
HERE = Path(__file__).parent
REPS = {"alice": 0.95, "bob": 0.8, "carol": 0.7, "dave": 0.55, "erin": 0.85}
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lea"]
LAST = ["Ng", "Park", "Silva", "Okoro", "Berg", "Costa", "Diaz", "Khan", "Moreau", "Sato"]
COMPANIES = ["Northwind", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne"]
SOURCES = ["webinar", "demo-request", "contact-sales", "ebook", "trade-show", "organic"]
SEGMENTS = ["smb", "mid-market", "enterprise"]
INDUSTRIES = ["software", "retail", "health", "finance", "manufacturing"]


def fmt(t: datetime) -> str:
    return t.astimezone(NY).isoformat(timespec="minutes")


def main() -> None:
    rng = random.Random(2024)
    leads: list[dict[str, str]] = []
    activities: list[dict[str, str]] = []
    start = datetime(2024, 4, 1, tzinfo=NY)
    n = 0
    for day in range(91):
        d = start + timedelta(days=day)
        for _ in range(rng.choice([1, 2, 2, 3, 3, 4]) if d.weekday() < 5 else rng.choice([0, 1])):
            n += 1
            created = d.replace(hour=rng.randint(6, 21), minute=rng.choice([0, 7, 15, 22, 30, 45]))
            source = rng.choice(SOURCES)
            score = rng.randint(10, 99)
            owner = rng.choice(list(REPS))
            mql = score >= 60 or source in ("demo-request", "contact-sales")
            handed = created + timedelta(minutes=rng.choice([0, 0, 20, 95])) if mql else None
            complete = rng.random() < 0.9
            lead = {
                "external_id": f"L-{n:04d}",
                "email": f"{rng.choice(FIRST).lower()}.{n}@{rng.choice(COMPANIES).lower()}.example",
                "first_name": rng.choice(FIRST),
                "last_name": rng.choice(LAST),
                "company": rng.choice(COMPANIES),
                "phone": f"+1 212 555 {rng.randint(1000, 9999)}" if complete else "",
                "title": rng.choice(["VP Sales", "CTO", "Ops Manager", "Analyst", ""]),
                "source": source,
                "segment": rng.choice(SEGMENTS),
                "owner": owner,
                "score": str(score),
                "created_at": fmt(created),
                "handed_off_at": fmt(handed) if handed else "",
                "status": "open",
                "industry": rng.choice(INDUSTRIES),
            }
            leads.append(lead)
            if not mql:
                continue
            diligence = REPS[owner]
            t = handed or created
            touches = 0
            wanted = 6 if rng.random() < diligence else rng.randint(1, 4)
            for _ in range(wanted):
                gap_hours = rng.choice([1, 3, 6, 20, 26]) if rng.random() < diligence else 70
                t = t + timedelta(hours=gap_hours, minutes=rng.randint(0, 59))
                if t > datetime(2024, 7, 1, tzinfo=NY):
                    break
                touches += 1
                rep = owner if rng.random() < 0.9 else rng.choice(list(REPS))
                kind = rng.choice(["call", "call", "email", "meeting"])
                activities.append(
                    {
                        "lead": lead["external_id"],
                        "kind": kind,
                        "rep": rep,
                        "at": fmt(t),
                        "outcome": "",
                        "note": "",
                    }
                )
            if rng.random() < 0.15:
                activities.append(
                    {
                        "lead": lead["email"],
                        "kind": "linkedin-view",
                        "rep": owner,
                        "at": fmt(t + timedelta(minutes=5)),
                        "outcome": "",
                        "note": "not a touch",
                    }
                )
            if rng.random() < 0.85:
                outcome = rng.choices(["qualified", "disqualified", "nurture"], [4, 2, 3])[0]
                t = t + timedelta(days=rng.choice([0, 1, 3, 9]), hours=rng.randint(0, 5))
                if t < datetime(2024, 7, 1, tzinfo=NY):
                    activities.append(
                        {
                            "lead": lead["external_id"],
                            "kind": "disposition",
                            "rep": owner,
                            "at": fmt(t),
                            "outcome": outcome,
                            "note": "",
                        }
                    )
    for week in range(13):
        monday = start + timedelta(days=7 * week)
        if rng.random() < 0.85:
            activities.append(
                {
                    "lead": "",
                    "kind": "review",
                    "rep": "",
                    "at": fmt(monday.replace(hour=10)),
                    "outcome": "",
                    "note": "weekly SLA review",
                }
            )
    activities.sort(key=lambda a: a["at"])
    with open(HERE / "leads.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(leads[0]))
        w.writeheader()
        w.writerows(leads)
    with open(HERE / "activities.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["lead", "kind", "rep", "at", "outcome", "note"])
        w.writeheader()
        w.writerows(activities)
    # `slactl init --example` ships the same two files inside the package
    packaged = HERE.parent / "src" / "slactl" / "templates" / "example"
    for name in ("leads.csv", "activities.csv"):
        shutil.copyfile(HERE / name, packaged / name)
    print(f"{len(leads)} leads, {len(activities)} activities")


if __name__ == "__main__":
    main()
