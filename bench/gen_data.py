"""Generate the benchmark ledger's input: 1,000,000 leads and 5,000,000 activities over 2024,
about fifty reps, America/New_York times. Deterministic; written once to bench/data/.

    .venv/bin/python bench/gen_data.py [LEADS] [ACTIVITIES]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
REPS = [f"rep{i:02d}" for i in range(50)]
SOURCES = ["webinar", "demo-request", "contact-sales", "ebook", "trade-show", "organic"]
SEGMENTS = ["smb", "mid-market", "enterprise"]
KINDS = ["call", "call", "email", "meeting", "linkedin-view"]
OUTCOMES = ["qualified", "disqualified", "nurture"]
EPOCH_2024 = 1704085200  # 2024-01-01T00:00-05:00


def iso(ts: np.ndarray) -> np.ndarray:
    # New York local time with a fixed -05:00/-04:00 by DST window (good enough for test data)
    dt = ts.astype("datetime64[s]")
    edt = (dt >= np.datetime64("2024-03-10T07:00")) & (dt < np.datetime64("2024-11-03T06:00"))
    local = dt - np.where(edt, 4 * 3600, 5 * 3600).astype("timedelta64[s]")
    text = np.datetime_as_string(local, unit="m")
    return np.char.add(text, np.where(edt, "-04:00", "-05:00"))


def main() -> None:
    n_leads = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_acts = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000_000
    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(2024)
    created = EPOCH_2024 + np.sort(rng.integers(0, 366 * 86400, n_leads))
    handed = created + rng.choice([0, 0, 1200, 5700], n_leads)
    score = rng.integers(10, 100, n_leads)
    source = rng.integers(0, len(SOURCES), n_leads)
    mql = (score >= 60) | (source == 1) | (source == 2)
    owner = rng.integers(0, len(REPS), n_leads)
    seg = rng.integers(0, len(SEGMENTS), n_leads)
    created_s, handed_s = iso(created), iso(handed)
    with open(DATA / "leads.csv", "w", encoding="utf-8") as f:
        f.write(
            "external_id,email,first_name,last_name,company,phone,source,segment,owner,"
            "score,created_at,handed_off_at,status,industry\n"
        )
        for i in range(n_leads):
            f.write(
                f"L{i:07d},lead{i}@co{i % 9973}.example,Ana,Ng,Co {i % 9973},+1 212 555 "
                f"{i % 10000:04d},{SOURCES[source[i]]},{SEGMENTS[seg[i]]},{REPS[owner[i]]},"
                f"{score[i]},{created_s[i]},{handed_s[i] if mql[i] else ''},open,software\n"
            )
    lead = rng.integers(0, n_leads, n_acts)
    lead.sort()
    at = created[lead] + rng.integers(60, 14 * 86400, n_acts)
    kind = rng.integers(0, len(KINDS), n_acts)
    disp = rng.random(n_acts) < 0.12
    at_s = iso(at)
    with open(DATA / "activities.csv", "w", encoding="utf-8") as f:
        f.write("lead,kind,rep,at,outcome,note\n")
        for j in range(n_acts):
            i = lead[j]
            if disp[j]:
                f.write(f"L{i:07d},disposition,{REPS[owner[i]]},{at_s[j]},{OUTCOMES[j % 3]},\n")
            else:
                f.write(f"L{i:07d},{KINDS[kind[j]]},{REPS[owner[i]]},{at_s[j]},,\n")
    print(f"wrote {n_leads:,} leads and {n_acts:,} activities to {DATA}")


if __name__ == "__main__":
    main()
