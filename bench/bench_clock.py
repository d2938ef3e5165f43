"""Benchmark: the business clock against the day-by-day reference walk.

    .venv/bin/python bench/bench_clock.py [N]

One million ``add(start, "4 business hours")`` and one million ``elapsed(a, b)`` on random
2024 instants (b up to ten days after a, as a touch follows a lead), on the bundled
calendar (America/New_York, Mon-Fri 09:00-17:00, US/NY holidays). Every call is checked
against bench/reference_clock.py; the script fails if one disagrees.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from slactl.clock import BusinessCalendar, from_micros, parse_duration, parse_hours, to_micros

sys.path.insert(0, str(Path(__file__).parent))
from reference_clock import ReferenceClock  # noqa: E402

NY = ZoneInfo("America/New_York")


def closed(year: int) -> set[date]:
    return set(holidays.country_holidays("US", subdiv="NY", years=year)) | {date(2024, 12, 24)}


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(f"  {label:<44} {dt:8.2f} s", flush=True)
    return out, dt


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(7)
    hours = {wd: parse_hours("09:00-17:00") for wd in range(5)}
    cal = BusinessCalendar("America/New_York", hours, closed)
    ref = ReferenceClock(NY, hours, closed)
    y0 = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    span = 366 * 86400
    starts = [datetime.fromtimestamp(int(y0 + rng.random() * span), NY) for _ in range(n)]
    ends = [s + timedelta(seconds=rng.randint(0, 10 * 86400)) for s in starts]
    d = parse_duration("4 business hours")
    four = timedelta(hours=4)
    cal.add(starts[0], d)  # build the interval table outside the timing

    print(f"business clock, {n:,} calls each")
    ours, t_add = timed(
        "slactl add(start, 4 business hours)", lambda: [cal.add(s, d) for s in starts]
    )
    # the batch path takes numpy arrays of UTC microseconds, as the report engine holds them
    micros = np.array([to_micros(s) for s in starts], dtype=np.int64)
    end_micros = np.array([to_micros(e) for e in ends], dtype=np.int64)
    batch, t_batch = timed(
        "slactl add_business_array (numpy)", lambda: cal.add_business_array(micros, d)
    )
    theirs, t_ref_add = timed(
        "reference walk add", lambda: [ref.add_business(s, four) for s in starts]
    )
    bad = sum(a != b for a, b in zip(ours, theirs, strict=True))
    bad += sum(from_micros(int(u), NY) != b for u, b in zip(batch, theirs, strict=True))
    el, t_el = timed(
        "slactl elapsed(a, b)",
        lambda: [cal.elapsed(a, b) for a, b in zip(starts, ends, strict=True)],
    )
    ref_el, t_ref_el = timed(
        "reference walk elapsed",
        lambda: [ref.elapsed(a, b) for a, b in zip(starts, ends, strict=True)],
    )
    el_batch, t_el_batch = timed(
        "slactl elapsed_array (numpy)", lambda: cal.elapsed_array(micros, end_micros)
    )
    bad += sum(a != b for a, b in zip(el, ref_el, strict=True))
    bad += sum(
        int(u) != b // timedelta(microseconds=1) for u, b in zip(el_batch, ref_el, strict=True)
    )
    print()
    print(f"| operation ({n:,} calls) | slactl | reference walk | speed-up |")
    print("|---|---:|---:|---:|")
    print(
        f"| add 4 business hours | {t_add:.2f} s | {t_ref_add:.2f} s | {t_ref_add / t_add:.0f}x |"
    )
    batch_speedup = t_ref_add / t_batch
    print(f"| add, numpy batch | {t_batch:.2f} s | {t_ref_add:.2f} s | {batch_speedup:.0f}x |")
    print(f"| elapsed | {t_el:.2f} s | {t_ref_el:.2f} s | {t_ref_el / t_el:.0f}x |")
    el_speedup = t_ref_el / t_el_batch
    print(f"| elapsed, numpy batch | {t_el_batch:.2f} s | {t_ref_el:.2f} s | {el_speedup:.0f}x |")
    print(f"disagreements with the reference: {bad}")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
