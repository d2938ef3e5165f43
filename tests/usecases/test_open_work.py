"""``status --rep`` and ``notify`` read only the open leads (the rep's, or those not yet
dispositioned) and evaluate only their sales commitments; these tests hold them to the
full path on generated ledgers with recycled, reassigned and paused leads: every lead of
the window read, every commitment evaluated by ``evaluate_period``, then filtered."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slactl.agreement.directory import AgreementSet, load_agreements
from slactl.compliance.engine import evaluate_period
from slactl.compliance.report import build_report
from slactl.ledger.engine import open_ledger
from slactl.ledger.ingest.pipeline import import_csv
from slactl.ledger.queries import load_histories
from slactl.ledger.rules import event_rules
from slactl.periods import Period, month
from slactl.records import State
from slactl.usecases.notify import alerting, due_alerts, notify_lookback
from slactl.usecases.reading import (
    StatusItem,
    _settled,
    clock_start_bounds,
    created_bounds,
    lookback,
    open_items,
    rep_status,
    segments,
)

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 7, 1, tzinfo=UTC)
REPS = ["alice", "bob", "carol"]
AGREEMENT = (
    (ROOT / "agreements" / "acme-2024.yaml")
    .read_text()
    .replace(
        "  outcomes: [qualified, disqualified, nurture]\n",
        "  outcomes: [qualified, disqualified, nurture]\n"
        "  pauses: {reasons: [callback-requested], max: 3 business days}\n",
    )
    .replace("      measure: first_touch\n", "      measure: first_touch\n      pausable: true\n")
    .replace(
        "      measure: touch_cadence\n", "      measure: touch_cadence\n      pausable: true\n"
    )
    .replace(
        "  marketing:\n",
        "    - {id: accept, measure: acceptance, within: 1 business day, warn: 2 business hours,"
        " target: 80%, pausable: true}\n"
        "    - {id: time, measure: time_spent, minimum: 30 minutes, within: 2 business days,"
        " assume: {email: 2 minutes}, target: 80%}\n"
        "  marketing:\n",
    )
)
TEAM = """\
reps:
  alice: {email: alice@example.com, team: east}
  bob: {email: bob@example.com, team: east, timezone: America/Los_Angeles}
  carol: {email: carol@example.com, team: west}
teams:
  east: {manager: maria@example.com, webhook: https://hooks.example.com/east}
  west: {manager: li@example.com}
"""


def local(t: datetime) -> str:
    return t.astimezone(NY).isoformat(timespec="minutes")


def generate(seed: int, directory: Path) -> tuple[Path, Path]:
    """~160 leads over February-June 2024, a third of them touched, dispositioned,
    handed back, reassigned, paused, accepted at random; some events after the instants
    the tests ask about."""
    rng = random.Random(seed)
    leads, events = [], []
    first = datetime(2024, 2, 1, 8, tzinfo=NY)
    for i in range(160):
        created = first + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))
        handed = (
            created + timedelta(minutes=rng.choice([0, 30, 600])) if rng.random() < 0.6 else None
        )
        score = rng.choice([20, 59, 60, 90])
        owner = rng.choice(REPS)
        leads.append(
            [f"L{i:03d}", owner, str(score), local(created), local(handed) if handed else ""]
        )
        t = handed or created
        for _ in range(rng.randrange(0, 9)):
            t += timedelta(minutes=rng.randrange(5, 4 * 24 * 60))
            roll = rng.random()
            rep = rng.choice(REPS)
            if roll < 0.45:
                kind = rng.choice(["call", "email", "meeting", "linkedin"])
                minutes = str(rng.choice([5, 10, 20])) if kind == "call" else ""
                events.append([f"L{i:03d}", kind, rep, local(t), "", "", minutes, ""])
            elif roll < 0.6:
                outcome = rng.choice(["qualified", "disqualified", "nurture"])
                events.append([f"L{i:03d}", "disposition", rep, local(t), outcome, "", "", ""])
            elif roll < 0.7:
                events.append([f"L{i:03d}", "handoff", "mkt", local(t), "", "", "", ""])
            elif roll < 0.8:
                events.append([f"L{i:03d}", "reassign", rep, local(t), "", "", "", owner])
                owner = rep
            elif roll < 0.9:
                why = "callback-requested"
                events.append([f"L{i:03d}", "pause", rep, local(t), "", why, "", ""])
            elif roll < 0.95:
                events.append([f"L{i:03d}", "resume", rep, local(t), "", "", "", ""])
            else:
                events.append([f"L{i:03d}", "accept", rep, local(t), "", "", "", ""])
    lead_file = directory / "leads.csv"
    with open(lead_file, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["external_id", "owner", "score", "created_at", "handed_off_at"])
        w.writerows(leads)
    event_file = directory / "activities.csv"
    with open(event_file, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["lead", "kind", "rep", "at", "outcome", "reason", "duration", "from_rep"])
        w.writerows(events)
    return lead_file, event_file


# the agreement replaced on Wednesday 2024-06-12 by one in Chicago time with a shorter
# first touch: a month, and a status window, cut in two parts at an instant
SPLIT = (
    AGREEMENT.replace("end: 2024-12-31", "end: 2024-06-11"),
    AGREEMENT.replace("name: acme-2024", "name: acme-2024-summer")
    .replace("start: 2024-01-01", "start: 2024-06-12")
    .replace("America/New_York", "America/Chicago")
    .replace("within: 4 business hours", "within: 2 business hours"),
)


@pytest.fixture
def ledger(ledger_url: str, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A generated ledger (``request.param``: its seed, or (seed, "split") for the
    agreement replaced mid-June, ``SPLIT``) and its agreements."""
    seed = getattr(request, "param", 0)
    seed, split = seed if isinstance(seed, tuple) else (seed, None)
    agreements_dir = tmp_path / "agreements"
    agreements_dir.mkdir()
    if split:
        (agreements_dir / "acme-2024.yaml").write_text(SPLIT[0])
        (agreements_dir / "acme-2024-summer.yaml").write_text(SPLIT[1])
    else:
        (agreements_dir / "acme-2024.yaml").write_text(AGREEMENT)
    (agreements_dir / "team.yaml").write_text(TEAM)
    (agreements_dir / "quotas.yaml").write_text((ROOT / "agreements" / "quotas.yaml").read_text())
    agreements = load_agreements(agreements_dir)
    engine = open_ledger(ledger_url)
    lead_file, event_file = generate(seed, tmp_path)
    if split:  # open leads handed off around the cut, one per rep: 00:30 New York time is
        # still the first agreement's (before midnight in Chicago), 01:30 the second's
        with open(lead_file, "a", newline="") as f:
            for i, rep in enumerate(REPS):
                for at in ("2024-06-12T00:30-04:00", "2024-06-12T01:30-04:00"):
                    csv.writer(f).writerow([f"CUT{i}{at[11:13]}", rep, "90", at, at])
    rules = event_rules(list(agreements.agreements))
    outcomes = agreements.agreements[0].definitions.outcomes
    for path in (lead_file, event_file):
        summary = import_csv(engine, path, default_tz=NY, now=NOW, outcomes=outcomes, rules=rules)
        assert summary.rejected == 0, summary.rejects[:3]
    try:
        yield engine, agreements
    finally:
        engine.dispose()


def full_open_items(
    engine, agreements: AgreementSet, as_of: datetime, rep: str | None, days: int
) -> list[StatusItem]:  # type: ignore[no-untyped-def]
    """The naive reference: every lead whose clock starts in the window (no owner, no
    'still open' selection in SQL), every commitment of the period evaluated."""
    today = agreements.local_day(as_of)
    window = Period(today - timedelta(days=days), today, "open work")
    lo, hi = clock_start_bounds(agreements, window)
    with engine.connect() as conn:
        histories = load_histories(conn=conn, start=lo, end=hi, as_of=as_of)
    histories = [h for h in histories if not _settled(h, as_of)]
    by_lead = {h.lead.external_id: h for h in histories}
    items = []
    for agreement, part in agreements.parts(window):
        party = {c.id: c.party for c in agreement.commitments}
        result = evaluate_period(agreement, histories, as_of=as_of, period=part, why=False)
        for o in result.outcomes:
            if o.lead_id is None or party[o.commitment_id] != "sales":
                continue
            if (o.deadline is None and not o.paused) or (rep is not None and o.owner != rep):
                continue
            if o.state in (State.PENDING, State.AT_RISK) or (
                o.state is State.BREACHED and o.event_at is None
            ):
                from slactl.compliance.engine import cycles_of

                h = by_lead[o.lead_id]
                facts = [f for f in cycles_of(agreement, h, as_of) if f.cycle == o.cycle][0]
                pause = facts.paused_at(as_of) if o.paused else None
                left = agreement.calendar.elapsed(as_of, o.deadline) if o.deadline else timedelta(0)
                at_start = facts.owner_at(facts.start)
                items.append(
                    StatusItem(o, h.lead.external_id, h.lead.company, left, pause, at_start)
                )
    far = datetime.max.replace(tzinfo=UTC)
    items.sort(key=lambda i: (i.outcome.deadline or far, i.lead))
    return items


AS_OF = [
    datetime(2024, 5, 15, 12, 0, tzinfo=NY),
    datetime(2024, 6, 3, 9, 0, tzinfo=NY),
    datetime(2024, 6, 28, 16, 59, tzinfo=NY),
]


@pytest.mark.parametrize("ledger", [1, 2, 3, (10, "split"), (11, "split")], indirect=True)
def test_status_gives_the_full_paths_items_and_month(ledger) -> None:  # type: ignore[no-untyped-def]
    # the month's cycles are evaluated once, for its report and the open work; the
    # earlier ones for the open work alone: the split must not show (an agreement that
    # changes inside the month included)
    engine, agreements = ledger
    seen = 0
    for as_of in AS_OF:
        for rep in REPS:
            items, report = rep_status(engine, agreements, rep, as_of=as_of)
            assert items == full_open_items(engine, agreements, as_of, rep, lookback(agreements))
            seen += len(items)
            # the month so far, from every lead the rep held whose clock starts in it
            this_month = month(f"{agreements.local_day(as_of):%Y-%m}")
            lo, hi = clock_start_bounds(
                agreements, Period(this_month.start - timedelta(days=150), this_month.end, "")
            )
            with engine.connect() as conn:
                histories = load_histories(conn=conn, start=lo, end=hi, as_of=as_of, owner=rep)
            c_lo, c_hi = created_bounds(agreements, this_month)
            from slactl.ledger.queries import count_leads_created

            with engine.connect() as conn:
                created = count_leads_created(
                    conn=conn, start=c_lo, end=c_hi, owner=rep, as_of=as_of
                )
            full = build_report(
                segments(agreements, this_month),
                histories,
                as_of=as_of,
                period=this_month,
                leads_created=created,
                rep=rep,
                why=False,
            )
            assert report.to_json() == full.to_json()
    assert seen > 50  # the generated ledgers have open work to compare


@pytest.mark.parametrize("ledger", [4, 5], indirect=True)
def test_notify_finds_the_full_paths_alerts(ledger) -> None:  # type: ignore[no-untyped-def]
    engine, agreements = ledger
    days = notify_lookback(agreements)
    found = 0
    for as_of in AS_OF:
        items = open_items(engine, alerting(agreements), as_of=as_of, lookback_days=days)
        full = full_open_items(engine, alerting(agreements), as_of, None, days)
        assert items == full
        alerts = due_alerts(agreements, items, as_of)
        assert [(a.key(), a.deadline, a.text) for a in alerts] == [
            (a.key(), a.deadline, a.text) for a in due_alerts(agreements, full, as_of)
        ]
        found += len(alerts)
    assert found > 20


@pytest.mark.parametrize("ledger", [8, 9], indirect=True)
def test_open_work_column_wise_is_the_open_work_lead_by_lead(  # type: ignore[no-untyped-def]
    ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a cohort from engine.BULK cycles is evaluated column-wise (notify's, every rep's);
    # a smaller one (a rep's status) lead by lead: the same items either way
    from slactl.compliance import engine as compliance_engine

    engine, agreements = ledger
    days = notify_lookback(agreements)
    compared = 0
    for as_of in AS_OF:
        for rep in (None, *REPS):
            ways = []
            for bulk in (10**9, 1):
                monkeypatch.setattr(compliance_engine, "BULK", bulk)
                ways.append(
                    open_items(engine, agreements, as_of=as_of, rep=rep, lookback_days=days)
                )
            lead_by_lead, column_wise = ways
            assert column_wise == lead_by_lead
            assert lead_by_lead == full_open_items(engine, agreements, as_of, rep, days)
            compared += len(lead_by_lead)
    assert compared > 100


@pytest.mark.slow  # notify run every few hours over three weeks, each run checked in full
@pytest.mark.parametrize("ledger", [6, 7], indirect=True)
def test_notify_with_its_watch_misses_no_alert(ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Runs every few business hours over three weeks, events recorded between them (some
    backdated, some after the run's instant), each run's alerts recorded as sent: each run
    that reads only the leads its watch says may have changed finds every alert that the
    full path finds due and not yet sent, and no other."""
    from slactl.ledger.notifications import claim, mark, sent_since
    from slactl.ledger.record import record_event
    from slactl.ledger.watch import save
    from slactl.usecases.notify import find_alerts

    engine, agreements = ledger
    rng = random.Random(11)
    watch = "fingerprint"
    t = datetime(2024, 5, 20, 8, 0, tzinfo=NY)
    leads = [f"L{i:03d}" for i in range(160)]
    compared = 0
    for step in range(40):
        t += timedelta(hours=rng.choice([1, 3, 7, 20]))
        for _ in range(rng.randrange(0, 4)):
            at = t + timedelta(hours=rng.choice([-30, -2, 0, 5]))
            kind = rng.choice(["call", "disposition", "handoff", "reassign", "pause", "accept"])
            record_event(
                engine,
                lead=rng.choice(leads),
                kind=kind,
                at=at,
                now=NOW + timedelta(minutes=step),
                rep=rng.choice(REPS),
                outcome="nurture" if kind == "disposition" else None,
                reason="callback-requested" if kind == "pause" else None,
            )
        full = find_alerts(engine, agreements, t)
        found = find_alerts(engine, agreements, t, watch=watch)
        done = sent_since(engine, t - timedelta(days=60))
        due = {a.key_tuple() for a in full.alerts} - done
        assert {a.key_tuple() for a in found.alerts} - done == due
        compared += len(due)
        new = [a for a in found.alerts if a.key_tuple() not in done]
        sends = [(a.key(), a.deadline) for a in new]
        claim(engine, sends=sends, now=NOW, stale=timedelta(minutes=15))
        mark(engine, results=[(k, None) for k, _ in sends], now=NOW)
        assert found.marks is not None
        save(engine, fingerprint=watch, as_of=t, marks=found.marks, next_at=found.next_at)
    assert compared > 30


@pytest.mark.parametrize("ledger", [1, 2], indirect=True)
def test_status_reads_no_lead_whose_clock_cannot_start(ledger) -> None:  # type: ignore[no-untyped-def]
    # a lead never handed off (on the lead or by an event) that matches no MQL definition
    # has no cycle: status leaves it and its events unread; every lead it reads has one
    from slactl.compliance.engine import cycles_of
    from slactl.usecases.reading import _read

    engine, agreements = ledger
    (agreement,) = agreements.agreements
    for as_of in AS_OF:
        today = agreements.local_day(as_of)
        window = Period(today - timedelta(days=lookback(agreements)), today, "")
        lo, hi = clock_start_bounds(agreements, window)
        with engine.connect() as conn:
            every = load_histories(conn=conn, start=lo, end=hi, as_of=as_of)
        never = {h.lead.external_id for h in every if not cycles_of(agreement, h, as_of)}
        assert never  # the generated ledgers have such leads
        read = _read(engine, agreements, window, as_of=as_of, owner=None)
        assert read and all(cycles_of(agreement, h, as_of) for h in read)
        # (that nothing with a cycle is left out, the full-path tests above hold)
        assert not {h.lead.external_id for h in read} & never


@pytest.mark.parametrize("ledger", [1, 3], indirect=True)
def test_notify_watches_the_leads_without_a_clock_too(ledger) -> None:  # type: ignore[no-untyped-def]
    # status leaves a lead that cannot have a clock unread; notify reads it once, and its
    # watch row then keeps the next runs from reading it again
    from slactl.compliance.engine import cycles_of
    from slactl.ledger.watch import save
    from slactl.usecases.notify import find_alerts

    engine, agreements = ledger
    (agreement,) = agreements.agreements
    as_of = AS_OF[1]
    found = find_alerts(engine, agreements, as_of, watch="fp")
    assert found.marks is not None
    save(engine, fingerprint="fp", as_of=as_of, marks=found.marks, next_at=found.next_at)
    today = agreements.local_day(as_of)
    window = Period(today - timedelta(days=notify_lookback(agreements)), today, "")
    lo, hi = clock_start_bounds(agreements, window)
    with engine.connect() as conn:
        every = load_histories(conn=conn, start=lo, end=hi, as_of=as_of)
        watched = {r[0] for r in conn.exec_driver_sql("SELECT lead FROM notify_watch")}
    never = {
        h.lead.external_id
        for h in every
        if not cycles_of(agreement, h, as_of) and not _settled(h, as_of)
    }
    assert never and never <= watched
