"""Generate the benchmark ledger's input: 1,000,000 leads and 5,000,000 activities over 2024,
fifty reps, America/New_York times with their offsets. Deterministic (seeded); written to
bench/data/ and reused by the import and report benchmarks.

    .venv/bin/python bench/gen_data.py [LEADS] [ACTIVITIES] [DIR]

The columns are drawn with numpy; the rows are written by one f-string each (about 20 s
for the 6,000,000 rows here).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
REPS = [f"rep{i:02d}" for i in range(50)]
FIRST = "Ana Ben Chloe Dev Emma Femi Gus Hana Ivan Jun Kai Lea Mia Noah Omar Pia Raj Sara Tom Uma"
LAST = "Ng Okoro Silva Smith Kim Rossi Novak Haddad Costa Weber Tanaka Dubois Khan Lopez Berg"
COMPANIES = "Acme Globex Initech Umbrella Hooli Wayne Stark Wonka Tyrell Soylent Vandelay Cyberdyne"
TITLES = ["", "Analyst", "Manager", "Director", "VP Sales", "CTO", "Head of Ops", "Engineer"]
SOURCES = ["webinar", "demo-request", "contact-sales", "ebook", "trade-show", "organic"]
SEGMENTS = ["smb", "mid-market", "enterprise"]
STATUSES = ["open", "open", "working", "nurturing", "unqualified"]
INDUSTRIES = ["software", "retail", "finance", "health", "manufacturing", "education"]
KINDS = ["call", "call", "email", "email", "meeting", "linkedin-view"]
OUTCOMES = ["qualified", "disqualified", "nurture"]
NOTES = ["", "", "", "", "left voicemail", "no answer", "sent deck", "asked for pricing"]
EPOCH_2024 = 1704085200  # 2024-01-01T00:00-05:00


def iso(ts: np.ndarray) -> np.ndarray:
    """New York local time with its offset (-05:00, or -04:00 in daylight saving time)."""
    dt = ts.astype("datetime64[s]")
    edt = (dt >= np.datetime64("2024-03-10T07:00")) & (dt < np.datetime64("2024-11-03T06:00"))
    local = dt - np.where(edt, 4 * 3600, 5 * 3600).astype("timedelta64[s]")
    text = np.datetime_as_string(local, unit="m")
    return np.char.add(text, np.where(edt, "-04:00", "-05:00"))


def main() -> None:
    if any(a.startswith("-") for a in sys.argv[1:]):
        sys.exit("usage: gen_data.py [LEADS [ACTIVITIES [DIR]]] (default 1000000 5000000 data)")
    n_leads = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_acts = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000_000
    data = Path(sys.argv[3]) if len(sys.argv) > 3 else DATA
    started = time.perf_counter()
    data.mkdir(exist_ok=True, parents=True)
    rng = np.random.default_rng(2024)
    first, last, companies = FIRST.split(), LAST.split(), COMPANIES.split()
    created = EPOCH_2024 + np.sort(rng.integers(0, 366 * 86400, n_leads))
    handed = created + rng.choice([0, 0, 1200, 5700, 86400], n_leads)
    score = rng.integers(10, 100, n_leads)
    source = rng.integers(0, len(SOURCES), n_leads)
    mql = (score >= 60) | (source == 1) | (source == 2)
    owner = rng.integers(0, len(REPS), n_leads)
    seg = rng.choice(len(SEGMENTS), n_leads, p=[0.6, 0.3, 0.1])
    fn = rng.integers(0, len(first), n_leads)
    ln = rng.integers(0, len(last), n_leads)
    co = rng.integers(0, len(companies), n_leads)
    title = rng.integers(0, len(TITLES), n_leads)
    status = rng.integers(0, len(STATUSES), n_leads)
    industry = rng.integers(0, len(INDUSTRIES), n_leads)
    no_phone = rng.random(n_leads) < 0.05  # an incomplete handoff now and then
    created_s, handed_s = iso(created), iso(handed)
    with open(data / "leads.csv", "w", encoding="utf-8") as f:
        f.write(
            "external_id,email,first_name,last_name,company,phone,title,source,segment,owner,"
            "score,created_at,handed_off_at,status,industry\n"
        )
        for i in range(n_leads):
            a, b, c = first[fn[i]], last[ln[i]], companies[co[i]]
            phone = "" if no_phone[i] else f"+1 212 555 {i % 10000:04d}"
            f.write(
                f"L{i:07d},{a.lower()}.{b.lower()}{i}@{c.lower()}.example,{a},{b},{c} {i % 997},"
                f"{phone},{TITLES[title[i]]},{SOURCES[source[i]]},{SEGMENTS[seg[i]]},"
                f"{REPS[owner[i]]},{score[i]},{created_s[i]},{handed_s[i] if mql[i] else ''},"
                f"{STATUSES[status[i]]},{INDUSTRIES[industry[i]]}\n"
            )
    lead = np.sort(rng.integers(0, n_leads, n_acts))
    at = created[lead] + rng.integers(60, 14 * 86400, n_acts)
    kind = rng.integers(0, len(KINDS), n_acts)
    note = rng.integers(0, len(NOTES), n_acts)
    disp = rng.random(n_acts) < 0.12
    other_rep = rng.random(n_acts) < 0.1  # a colleague covers now and then
    rep = np.where(other_rep, rng.integers(0, len(REPS), n_acts), owner[lead])
    at_s = iso(at)
    with open(data / "activities.csv", "w", encoding="utf-8") as f:
        f.write("lead,kind,rep,at,outcome,note\n")
        for j in range(n_acts):
            i = lead[j]
            if disp[j]:
                f.write(f"L{i:07d},disposition,{REPS[rep[j]]},{at_s[j]},{OUTCOMES[j % 3]},\n")
            else:
                f.write(f"L{i:07d},{KINDS[kind[j]]},{REPS[rep[j]]},{at_s[j]},,{NOTES[note[j]]}\n")
    print(
        f"wrote {n_leads:,} leads and {n_acts:,} activities to {data}"
        f" in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
