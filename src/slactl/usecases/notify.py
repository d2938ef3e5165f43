"""``slactl notify`` (SPEC 8.2): alerts before and after a breach, each sent once.

Which alerts are due comes from the open sales work at ``as_of`` (``reading.open_items``:
the leads whose clock started within the look-back, not yet dispositioned): a pair at
risk gives one message to its responsible rep; a pair overdue with nothing done gives one
to the rep and one to the team's manager, then one per ``escalate`` step whose
``deadline + after`` (on the commitment's calendar) has come. Every message also goes to
the rep's team webhook, when the team has one. A breach already answered by a late touch
or disposition is decided: it is in the report, and no alert can save it.

Each send is claimed in the ledger before it is made (``ledger.notifications``), so a
second run, or two at once, sends nothing twice; a failed send is retried next run.
"""

from __future__ import annotations

import json
import math
import shlex
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slactl.agreement.model import MEASURE_SPECS
from slactl.records import State

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from slactl.agreement.directory import AgreementSet
    from slactl.agreement.model import Agreement, Commitment
    from slactl.agreement.team import Rep
    from slactl.clock import BusinessCalendar, Duration
    from slactl.ledger.watch import Marks
    from slactl.mail import SmtpSettings
    from slactl.usecases.reading import OpenPair, StatusItem

AT_RISK, BREACH, ESCALATION = "at_risk", "breach", "escalation"
EMAIL, WEBHOOK = "email", "webhook"
# a claim left ``sending`` this long belongs to a run that died between the send and the
# record: the next run sends it again (docs/cron.md: we err towards a duplicate)
STALE = timedelta(minutes=15)


@dataclass(frozen=True)
class Alert:
    """One message to one recipient on one channel; its words are written only when it is
    to be sent (most alerts found due were sent by an earlier run)."""

    lead: str
    commitment: str
    cycle: int
    kind: str  # AT_RISK, BREACH, ESCALATION
    step: int  # 0, or the escalate step (1, 2, …)
    recipient: str  # an address, or the team's name for its webhook
    channel: str  # EMAIL, WEBHOOK
    address: str  # where it goes: the address or the webhook URL
    deadline: datetime
    words: Callable[[], tuple[str, str]] = field(compare=False, repr=False)

    def key(self) -> dict[str, Any]:
        return {
            "lead": self.lead,
            "commitment": self.commitment,
            "cycle": self.cycle,
            "kind": self.kind,
            "step": self.step,
            "recipient": self.recipient,
            "channel": self.channel,
        }

    def key_tuple(self) -> tuple[Any, ...]:
        return (
            self.lead,
            self.commitment,
            self.cycle,
            self.kind,
            self.step,
            self.recipient,
            self.channel,
        )

    @property
    def subject(self) -> str:
        return self.words()[0]

    @property
    def text(self) -> str:
        return self.words()[1]


@dataclass
class NotifyResult:
    alerts: list[Alert]
    sent: int = 0
    skipped: int = 0  # already sent, or being sent by another run
    failures: list[str] | None = None  # one line each
    left: int = 0  # not tried: the run's time was up
    unsent: set[str] = field(default_factory=set)  # leads with a send failed or not tried


def alerting(agreements: AgreementSet) -> AgreementSet:
    """The agreements with only the commitments an alert can come from (sales, with a
    deadline that open work can miss): the others cost evaluation time for nothing."""
    from dataclasses import replace

    return replace(
        agreements,
        agreements=tuple(
            replace(
                a,
                commitments=tuple(
                    c
                    for c in a.commitments
                    if c.party == "sales" and MEASURE_SPECS[c.measure].deadline
                ),
            )
            for a in agreements.agreements
        ),
    )


CATCH_UP_DAYS = 7  # how long a breach nobody was alerted to (notify not running) is still sent


def notify_lookback(agreements: AgreementSet, as_of: datetime | None = None) -> int:
    """Days back (from ``as_of``) whose clock starts can still call for an alert: the
    longest chain of deadlines a sales commitment runs (``within``; ``max_gap`` × ``until``
    for a cadence), plus its last ``escalate`` step, in calendar days (a business day
    counted as 7/5 of a day), plus ``CATCH_UP_DAYS`` for holidays and for a run that was
    missed. ``status`` looks back 120 days: that work is open, but alerted long ago.

    A ``calendar: owner`` chain also waits out the owner's ``away`` days: with ``as_of``,
    the most open days any rep is away in the look-back are added (7/5 of a day each), so
    a lead handed off the day before two weeks away is still alerted on the rep's return."""

    def days(d: Duration | None, times: int = 1) -> float:
        if d is None:
            return 0.0
        per = {"business_minutes": 1 / 480, "business_hours": 1 / 8, "business_days": 1.0}
        if d.unit in per:
            return float(d.amount) * times * per[d.unit] * 7 / 5
        calendar = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1.0, "weeks": 7.0}
        return float(d.amount) * times * calendar[d.unit]

    longest = owners = 0.0
    for a in agreements.agreements:
        for c in a.commitments:
            if c.party != "sales":
                continue
            chain = max(days(c.within), days(c.max_gap, c.until or 1))
            last = max((days(e.after) for e in c.escalate), default=0.0)
            longest = max(longest, chain + last)
            if c.calendar == "owner":
                owners = max(owners, chain + last)
    back = int(longest) + 1 + CATCH_UP_DAYS
    team = agreements.team
    if not owners or team is None or as_of is None:
        return back
    base = int(owners) + 1 + CATCH_UP_DAYS
    today = as_of.date()

    def away_open_days(rep: Rep, since: date) -> int:
        open_days = {d for d, spans in (rep.hours or {}).items() if spans} or set(range(5))
        return sum(1 for d in rep.away if since <= d <= today and d.weekday() in open_days)

    # every away day of a rep can push the chain by 7/5 of a day, at most: the days counted
    # are those inside the widest window that could hold them
    widest = base + max((len(r.away) * 7 / 5 for r in team.reps.values()), default=0.0)
    since = today - timedelta(days=math.ceil(widest))
    away = max((away_open_days(r, since) for r in team.reps.values()), default=0)
    return max(back, base + math.ceil(away * 7 / 5))


def business_words(delta: timedelta) -> str:
    """``2 h 05 min``; business time, to the minute."""
    minutes = int(abs(delta).total_seconds() // 60)
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def commitment_calendar(agreement: Agreement, c: Commitment, rep: str | None) -> BusinessCalendar:
    if c.calendar == "owner" and agreement.team is not None:
        return agreement.owner_calendar(rep)
    return agreement.calendar


def rep_zones(agreements: AgreementSet) -> dict[str, tzinfo]:
    """Each team.yaml rep's zone, by key and by email (a recipient's local time)."""
    zones: dict[str, tzinfo] = {}
    if agreements.team is not None:
        for r in agreements.team.reps.values():
            if r.timezone:
                zones[r.key] = ZoneInfo(r.timezone)
                if r.email:
                    zones[r.email] = zones[r.key]
    return zones


def _message(
    item: StatusItem,
    c: Commitment,
    kind: str,
    as_of: datetime,
    cal: BusinessCalendar,
    zone: tzinfo,
    rep: str | None,
    step_words: str = "",
) -> tuple[str, str]:
    o = item.outcome
    assert o.deadline is not None
    due = o.deadline.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")
    if o.deadline > as_of:
        left = f"{business_words(cal.elapsed(as_of, o.deadline))} business time left"
    else:
        left = f"{business_words(cal.elapsed(o.deadline, as_of))} business time late"
    what = {AT_RISK: "at risk", BREACH: "breached", ESCALATION: "breached, escalated"}[kind]
    who = f"{item.lead}" + (f" ({item.company})" if item.company else "")
    subject = f"[slactl] {c.id} {what}: {who}"
    lines = [
        f"Lead {who}, owner {rep or 'unassigned'}: {c.id} is {what}{step_words}.",
        f"Commitment: {c.activity or c.id} ({c.timeframe()}).",
        f"Deadline: {due} ({left}).",
        f"See why: slactl explain {shlex.quote(item.lead)}",
    ]
    return subject, "\n".join(lines)


def due_alerts(agreements: AgreementSet, items: list[StatusItem], as_of: datetime) -> list[Alert]:
    """The messages the open work at ``as_of`` calls for (sent or not)."""
    team = agreements.team
    zones = rep_zones(agreements)
    out: list[Alert] = []
    for item in items:
        o = item.outcome
        if o.deadline is None or o.clock_start is None:
            continue
        agreement = agreements.at(o.clock_start) or agreements.find(o.clock_start.date())
        if agreement is None:
            continue
        c = agreement.commitment(o.commitment_id)
        rep = o.owner
        cycle = int(getattr(o, "cycle", 1) or 1)
        cal = commitment_calendar(agreement, c, item.calendar_rep)
        default_zone = agreement.calendar.tz
        rep_info = team.rep(rep) if team is not None else None
        rep_email = rep_info.email if rep_info is not None else None
        manager = team.manager_of(rep) if team is not None else None
        team_info = team.team_of(rep) if team is not None else None
        # (kind, step, [email recipients], step words)
        sends: list[tuple[str, int, list[str], str]] = []
        if o.state is State.AT_RISK:
            sends.append((AT_RISK, 0, [rep_email] if rep_email else [], ""))
        elif o.state is State.BREACHED:
            sends.append((BREACH, 0, [a for a in (rep_email, manager) if a], ""))
            for n, e in enumerate(c.escalate, 1):
                if cal.add(o.deadline, e.after) > as_of:
                    break
                to = {"manager": manager, "rep": rep_email}.get(e.to, e.to)
                sends.append(
                    (ESCALATION, n, [to] if to else [], f" ({e.after} after the deadline)")
                )
        for kind, step, emails, words in sends:
            for address in emails:
                zone = zones.get(address, default_zone)
                out.append(
                    Alert(
                        item.lead,
                        c.id,
                        cycle,
                        kind,
                        step,
                        address,
                        EMAIL,
                        address,
                        o.deadline,
                        _words(item, c, kind, as_of, cal, zone, rep, words, False),
                    )
                )
            if team_info is not None and team_info.webhook:
                out.append(
                    Alert(
                        item.lead,
                        c.id,
                        cycle,
                        kind,
                        step,
                        team_info.name,
                        WEBHOOK,
                        team_info.webhook,
                        o.deadline,
                        _words(item, c, kind, as_of, cal, default_zone, rep, words, True),
                    )
                )
    return out


def _words(
    item: StatusItem,
    c: Commitment,
    kind: str,
    as_of: datetime,
    cal: BusinessCalendar,
    zone: tzinfo,
    rep: str | None,
    step_words: str,
    subject_in_text: bool,
) -> Callable[[], tuple[str, str]]:
    def write() -> tuple[str, str]:
        subject, text = _message(item, c, kind, as_of, cal, zone, rep, step_words)
        return subject, f"{subject}\n{text}" if subject_in_text else text

    return write


class Mailer:
    """One SMTP connection for the run's emails (reopened after a failure)."""

    def __init__(self, settings: SmtpSettings, sender: str, timeout: float) -> None:
        self.settings = settings
        self.sender = sender
        self.timeout = timeout
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = None
        if s.security != "none":
            context = ssl.create_default_context(cafile=s.cafile)
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        if s.security == "starttls":
            smtp.starttls(context=context)
        if s.user:
            smtp.login(s.user, s.password or "")
        return smtp

    def send(self, alert: Alert) -> None:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = alert.address
        msg["Subject"] = alert.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="slactl")
        msg.set_content(alert.text + "\n")
        try:
            if self.smtp is None:
                self.smtp = self._open()
            self.smtp.send_message(msg)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self.smtp.close()
                self.smtp = None


def post_webhook(alert: Alert, timeout: float) -> None:
    body = json.dumps({"text": alert.text}).encode()
    request = urllib.request.Request(
        alert.address, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        response.read()


def _why(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"answered {exc.code}"
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return "did not answer in time"
    if isinstance(exc, urllib.error.URLError):  # its str is "<urlopen error …>"
        exc = exc.reason if isinstance(exc.reason, BaseException) else OSError(exc.reason)
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def _mailer(settings: SmtpSettings | None, sender: str, timeout: float) -> Iterator[Mailer | None]:
    m = Mailer(settings, sender, timeout) if settings is not None else None
    try:
        yield m
    finally:
        if m is not None:
            m.close()


BATCH = 50  # sends claimed in one transaction; failures recorded together, each success at once


def send_alerts(
    engine: Engine,
    alerts: list[Alert],
    *,
    smtp: SmtpSettings | None,
    sender: str,
    timeout: float,
    budget: float,
    clock: Callable[[], datetime],
) -> NotifyResult:
    """Claim the alerts a batch at a time, send them, and record each send made as soon as
    it is made (the failures of a batch together); once ``budget`` seconds are
    spent, claim no more (the rest are left for the next run)."""
    from slactl.ledger import notifications

    result = NotifyResult(alerts, failures=[])
    failures = result.failures
    assert failures is not None
    started = time.monotonic()
    dead: dict[str, str] = {}  # a server that did not answer: why
    with _mailer(smtp, sender, timeout) as mailer, notifications.recording(engine) as record:
        for first in range(0, len(alerts), BATCH):
            if time.monotonic() - started > budget:
                result.left += len(alerts) - first
                result.unsent.update(a.lead for a in alerts[first:])
                break
            batch = alerts[first : first + BATCH]
            claimed = notifications.claim(
                engine,
                sends=[(a.key(), a.deadline) for a in batch],
                now=clock(),
                stale=STALE,
            )
            done: list[tuple[dict[str, Any], str | None]] = []
            for alert, mine in zip(batch, claimed, strict=True):
                if not mine:
                    result.skipped += 1
                    continue
                target = alert.address if alert.channel == WEBHOOK else "smtp"
                if time.monotonic() - started > budget:
                    # claimed but not tried: recorded as failed, so the next run sends it
                    done.append((alert.key(), "not tried: the run's time was up"))
                    result.left += 1
                    result.unsent.add(alert.lead)
                    continue
                error: str | None
                if target in dead:
                    error = f"not tried after an earlier failure in this run ({dead[target]})"
                else:
                    error = _send(alert, mailer, timeout)
                    if error is not None and _unreachable(error):
                        dead[target] = error  # one timeout per server and run, not one per send
                if error is None:
                    # recorded at once: a run killed later in the batch must not leave
                    # this send 'sending', to be made again by the run after next
                    record(alert.key(), clock())
                    result.sent += 1
                else:
                    done.append((alert.key(), error))
                    result.unsent.add(alert.lead)
                    where = (
                        alert.address if alert.channel == EMAIL else f"webhook of {alert.recipient}"
                    )
                    failures.append(
                        f"notify: {alert.kind} for {alert.lead} {alert.commitment} to {where}"
                        f" failed: {error}; it is retried next run"
                    )
            if done:
                notifications.mark(engine, results=done, now=clock())
    if result.left:
        failures.append(
            f"notify: time is up after {budget:g} s; {result.left} alerts left for the next run"
        )
    return result


def _unreachable(error: str) -> bool:
    return error == "did not answer in time" or "refused" in error.lower()


def _send(alert: Alert, mailer: Mailer | None, timeout: float) -> str | None:
    """Make one send; the reason it failed, or None."""
    try:
        if alert.channel == WEBHOOK:
            post_webhook(alert, timeout)
        elif mailer is None:
            return "no SMTP settings"
        else:
            mailer.send(alert)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        return _why(exc)
    return None


# -- the watch: evaluate only the leads whose next alert instant has come -----------------


def fingerprint(directory: Path) -> str:
    """What a watch row was computed under: the agreements directory's files (agreements,
    quotas, team.yaml), the code's version and the schema's."""
    import hashlib

    from slactl import __version__
    from slactl.ledger.revision import HEAD_REVISION

    digest = hashlib.sha256(f"{__version__} {HEAD_REVISION}".encode())
    for path in sorted(directory.iterdir()) if directory.is_dir() else ():
        if path.suffix in (".yaml", ".yml") and path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class Found:
    """The alerts due at ``as_of`` among the leads read, and each read lead's next instant
    (None: none until its data changes) for the watch, with the marks taken before."""

    alerts: list[Alert]
    next_at: dict[str, datetime | None]
    marks: Marks | None


def find_alerts(
    engine: Engine, agreements: AgreementSet, as_of: datetime, *, watch: str | None = None
) -> Found:
    """The alerts due at ``as_of`` (sent or not). ``watch``: the run's fingerprint; only the
    leads whose watch row no longer holds are read and evaluated (every lead when there are
    no rows yet, or the agreements changed)."""
    from slactl.ledger.watch import high_marks, next_events
    from slactl.usecases.reading import open_work

    days = notify_lookback(agreements, as_of)
    marks = high_marks(engine) if watch is not None else None
    found = open_work(
        engine,
        alerting(agreements),
        as_of=as_of,
        lookback_days=days,
        watch=watch if marks is not None else None,
    )
    alerts = due_alerts(agreements, [w.item for w in found.work], as_of)
    next_at: dict[str, datetime | None] = {}
    if marks is not None:
        upcoming = next_events(engine, (h.lead.external_id for h in found.histories), as_of)
        for h in found.histories:
            lead = h.lead
            times = [t for t in (lead.created_at, lead.handed_off_at) if t and t > as_of]
            if lead.external_id in upcoming:
                times.append(upcoming[lead.external_id])
            # read once as_of reaches them: the watch holds up to just before
            next_at[lead.external_id] = min(times) - JUST if times else None
        for w in found.work:
            t = next_alert_at(agreements, w, as_of)
            key = w.item.lead
            if t is not None:
                now_next = next_at.get(key)
                next_at[key] = t if now_next is None else min(now_next, t)
    return Found(alerts, next_at, marks)


JUST = timedelta(microseconds=1)  # an instant's predecessor: what holds up to just before it


def next_alert_at(agreements: AgreementSet, pair: OpenPair, as_of: datetime) -> datetime | None:
    """The last instant up to which the pair calls for no alert it does not call for at
    ``as_of``: past it, its warn window may have begun, its deadline passed, its next
    escalation step or the end of its pause come. None when only new data can change it.
    Never later than the true instant (a watch row holds while ``as_of`` is at or before
    it)."""
    o = pair.item.outcome
    agreement = pair.agreement
    c = agreement.commitment(o.commitment_id)
    if o.paused or o.deadline is None:  # paused while as_of < its end
        pause = pair.item.pause
        return pause.end - JUST if pause is not None and pause.end is not None else None
    if o.state is State.PENDING:
        if c.warn is None:
            return o.deadline
        if c.calendar == "owner" and agreement.team is not None:
            cal = agreement.owner_calendar(pair.facts.owner_at(pair.facts.start))
        else:
            cal = agreement.calendar
        return min(o.deadline, _warned_after(cal, o.deadline, c.warn, as_of))
    if o.state is State.AT_RISK:  # breached once as_of is past the deadline
        return o.deadline
    # breached, nothing done: the next escalation step, as due_alerts counts them
    if o.clock_start is None:
        return None
    owning = agreements.at(o.clock_start) or agreements.find(o.clock_start.date())
    if owning is None:
        return None
    c = owning.commitment(o.commitment_id)
    cal = commitment_calendar(owning, c, pair.item.calendar_rep)
    for e in c.escalate:
        t = cal.add(o.deadline, e.after)
        if t > as_of:  # due once as_of reaches it
            return t - JUST
    return None


def _warned_after(
    cal: BusinessCalendar, deadline: datetime, warn: Duration, as_of: datetime
) -> datetime:
    """An instant before the first at which ``deadline`` is within ``warn`` of it
    (``deadline <= cal.add(t, warn)``, the at-risk test): a bisection to the minute, since
    ``cal.add`` never decreases as its start moves later."""
    lo, hi = as_of, deadline
    if cal.add(lo, warn) >= deadline:
        return as_of
    minute = timedelta(minutes=1)
    while hi - lo > minute:
        mid = lo + (hi - lo) / 2
        if cal.add(mid, warn) < deadline:
            lo = mid
        else:
            hi = mid
    return lo
