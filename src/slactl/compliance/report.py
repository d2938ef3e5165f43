"""The report of a period (SPEC 6.1): compliance per commitment and per rep, the funnel.

Built from outcomes; a period that spans two agreements is evaluated piece by piece,
each piece under the agreement in effect then, and the counts are added up by
commitment id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slactl.agreement.model import Agreement, Points, Quotas
from slactl.compliance.engine import Cohorts, Evaluated, evaluate_period, mql_cohort
from slactl.compliance.measures import LeadFacts
from slactl.compliance.pipeline import figures
from slactl.periods import Period
from slactl.records import REASSIGN, Event, LeadHistory, Outcome, PipelineEntry, State


@dataclass
class CommitmentResult:
    """One commitment's counts over the period, and its compliance against its target."""

    id: str
    owner: str  # the party: sales, marketing, shared
    measure: str
    activity: str | None
    target: float
    met: int = 0
    breached: int = 0
    pending: int = 0
    at_risk: int = 0
    actual: float | None = None  # mql_volume: MQLs; pipeline: the amount
    quota: float | None = None
    paused: int = 0  # pending pairs paused at as_of (SPEC 7.3)

    @property
    def ratio(self) -> float | None:
        decided = self.met + self.breached
        return self.met / decided if decided else None

    @property
    def compliance(self) -> float | None:
        """met / (met + breached), rounded to 4 places; None when nothing is decided."""
        r = self.ratio
        return None if r is None else round(r, 4)

    @property
    def passed(self) -> bool:
        """Compliance >= target, judged on the exact ratio (0.94996 fails a 95% target
        though it prints as 0.95); true when nothing is decided."""
        r = self.ratio
        return True if r is None else r >= self.target - 1e-12

    def add(self, o: Outcome, n: int = 1) -> None:
        """Count ``o`` (``n`` times: a lead outcome's state counted once per kind)."""
        if o.state is State.MET:
            self.met += n
        elif o.state is State.BREACHED:
            self.breached += n
        else:
            self.pending += n
            if o.state is State.AT_RISK:
                self.at_risk += n
            if o.paused:
                self.paused += n
        if o.actual is not None:
            self.actual = round((self.actual or 0) + o.actual, 2)
            self.quota = round((self.quota or 0) + (o.quota or 0), 2)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "owner": self.owner,
            "measure": self.measure,
            "target": self.target,
            "met": self.met,
            "breached": self.breached,
            "pending": self.pending,
            "at_risk": self.at_risk,
            "paused": self.paused,
            "compliance": self.compliance,
            "passed": self.passed,
        }
        if self.measure in ("mql_volume", "pipeline"):
            a, q = self.actual, self.quota
            out["actual"] = None if a is None else _money(a)
            out["quota"] = None if q is None else _money(q)
        return out


UNASSIGNED = "(unassigned)"


@dataclass
class RepResult:
    """One rep's counts, per commitment and in all, and points."""

    rep: str
    commitments: dict[str, dict[str, int]] = field(default_factory=dict)
    points: int = 0
    met: int = 0
    breached: int = 0
    pending: int = 0

    def add(self, o: Outcome, points: Points | None, n: int = 1) -> None:
        counts = self.commitments.setdefault(
            o.commitment_id, {"met": 0, "breached": 0, "pending": 0}
        )
        if o.state is State.MET:
            counts["met"] += n
            self.met += n
            self.points += n * points.met if points else 0
        elif o.state is State.BREACHED:
            counts["breached"] += n
            self.breached += n
            self.points += n * points.breached if points else 0
        else:
            counts["pending"] += n
            self.pending += n

    @property
    def compliance(self) -> float | None:
        decided = self.met + self.breached
        return round(self.met / decided, 4) if decided else None

    def to_json(self) -> dict[str, Any]:
        return {"rep": self.rep, "commitments": self.commitments, "points": self.points}


@dataclass
class Funnel:
    """The period's leads from MQL to disposition, and its opportunities (SPEC 9)."""

    leads: int = 0
    mql: int = 0
    sql: int = 0
    disqualified: int = 0
    nurture: int = 0
    recycled: int = 0  # cycles after a lead's first that start in the period (SPEC 7.1)
    # SPEC 9 (compliance/pipeline.py): created in the period, and won in it
    opportunities: int = 0
    won: int = 0
    pipeline: float = 0.0
    won_amount: float = 0.0
    cycle_days: list[int] = field(default_factory=list)  # of each won opportunity
    published_median: float | None = None  # a published report's (its days are not kept)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Funnel:
        """A funnel as ``to_json`` wrote it (a published report; older ones lack SPEC 9's)."""
        names = {f for f in cls.__dataclass_fields__ if f not in ("cycle_days", "published_median")}
        funnel = cls(**{k: v for k, v in data.items() if k in names})
        funnel.published_median = data.get("median_sales_cycle_days")
        return funnel

    @property
    def rates(self) -> dict[str, float | None]:
        """Each step's conversion: MQL→SQL, SQL→opportunity, opportunity→won."""

        def rate(a: int, b: int) -> float | None:
            return round(b / a, 4) if a else None

        return {
            "mql_to_sql": rate(self.mql, self.sql),
            "sql_to_opportunity": rate(self.sql, self.opportunities),
            "opportunity_to_won": rate(self.opportunities, self.won),
        }

    @property
    def median_sales_cycle(self) -> float | None:
        """Calendar days from clock start to won, nearest-rank median (as ``quality``)."""
        if not self.cycle_days:
            return self.published_median
        return percentile(self.cycle_days, 50)

    @property
    def has_pipeline(self) -> bool:
        return bool(self.opportunities or self.won)

    def to_json(self) -> dict[str, Any]:
        return {
            "leads": self.leads,
            "mql": self.mql,
            "sql": self.sql,
            "disqualified": self.disqualified,
            "nurture": self.nurture,
            "recycled": self.recycled,
            "opportunities": self.opportunities,
            "won": self.won,
            "pipeline": _money(self.pipeline),
            "won_amount": _money(self.won_amount),
            "rates": self.rates,
            "median_sales_cycle_days": self.median_sales_cycle,
        }


def _money(x: float) -> float | int:
    """An amount as JSON writes it: whole amounts as integers."""
    x = round(float(x), 2)
    return int(x) if x.is_integer() else x


NO_SOURCE = "(none)"


@dataclass
class SourceQuality:
    """What sales made of one lead source's cycles (SPEC 7.4)."""

    source: str
    cycles: int = 0
    accepted: int = 0  # cycles with an ``accept`` by as_of
    qualified: int = 0
    disqualified: int = 0
    returned: int = 0  # dispositioned ``nurture``
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)  # outcome -> reason -> n

    @property
    def acceptance_rate(self) -> float | None:
        return round(self.accepted / self.cycles, 4) if self.cycles else None

    @property
    def sql_rate(self) -> float | None:
        return round(self.qualified / self.cycles, 4) if self.cycles else None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "cycles": self.cycles,
            "accepted": self.accepted,
            "qualified": self.qualified,
            "disqualified": self.disqualified,
            "returned": self.returned,
            "reasons": self.reasons,
            "acceptance_rate": self.acceptance_rate,
            "sql_rate": self.sql_rate,
        }


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least ``p`` % of the
    values at or below it (the median of 4 values is the 2nd smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@dataclass
class Quality:
    """The ``quality`` section (SPEC 7.4): per lead source, and the business minutes from
    clock start to first touch, per rep (the owner at the first touch) and overall."""

    sources: dict[str, SourceQuality] = field(default_factory=dict)
    to_first_touch: dict[str, list[float]] = field(default_factory=dict)  # rep -> minutes
    overall: list[float] = field(default_factory=list)

    def add_all(self, agreement: Agreement, cycles: Sequence[LeadFacts]) -> None:
        """``add`` for each cycle, the business times to first touch in one batch call
        (a month has ~50,000 touched cycles)."""
        if len(cycles) < 2000:  # numpy's import costs more than a small cohort's calls
            for f in cycles:
                self.add(agreement, f)
            return
        import numpy as np

        from slactl.clock import to_micros

        touched = [f for f in cycles if f.touches]
        for f in cycles:
            self._add_counts(f)
        starts = np.fromiter((to_micros(f.start) for f in touched), np.int64, len(touched))
        firsts = np.fromiter((to_micros(f.touches[0].at) for f in touched), np.int64, len(touched))
        took = (agreement.calendar.elapsed_array(starts, firsts) / 60_000_000).tolist()
        for f, minutes in zip(touched, took, strict=True):
            rep = f.owner_at(f.touches[0].at) or UNASSIGNED
            self.to_first_touch.setdefault(rep, []).append(minutes)
        self.overall += took

    def add(self, agreement: Agreement, facts: LeadFacts) -> None:
        self._add_counts(facts)
        if facts.touches:
            first = facts.touches[0]
            took = agreement.calendar.elapsed(facts.start, first.at) / timedelta(minutes=1)
            rep = facts.owner_at(first.at) or UNASSIGNED
            self.to_first_touch.setdefault(rep, []).append(took)
            self.overall.append(took)

    def _add_counts(self, facts: LeadFacts) -> None:
        name = facts.lead.source or NO_SOURCE
        q = self.sources.get(name)
        if q is None:
            q = self.sources[name] = SourceQuality(name)
        q.cycles += 1
        q.accepted += bool(facts.accepts)
        d = facts.disposition
        if d is not None:
            if d.outcome == "qualified":
                q.qualified += 1
            elif d.outcome == "disqualified":
                q.disqualified += 1
            elif d.outcome == "nurture":
                q.returned += 1
            if d.reason:
                by = q.reasons.setdefault(d.outcome or "", {})
                by[d.reason] = by.get(d.reason, 0) + 1

    @property
    def recorded(self) -> bool:
        """Whether sales recorded anything this section is about (accepts, reasons): the
        tables show it then; the JSON always carries it."""
        return any(q.accepted or q.reasons for q in self.sources.values())

    def source_rows(self) -> list[list[str]]:
        """Per source: cycles, accepted, qualified, disqualified, returned, acceptance and
        MQL->SQL rates, and the reasons in words."""

        def rate(x: float | None) -> str:
            return "—" if x is None else f"{x * 100:.1f}%"

        rows = []
        for k in sorted(self.sources):
            q = self.sources[k]
            reasons = "; ".join(
                f"{o}: " + ", ".join(f"{r} {n}" for r, n in sorted(by.items()))
                for o, by in sorted(q.reasons.items())
            )
            rows.append(
                [
                    q.source,
                    str(q.cycles),
                    str(q.accepted),
                    str(q.qualified),
                    str(q.disqualified),
                    str(q.returned),
                    rate(q.acceptance_rate),
                    rate(q.sql_rate),
                    reasons,
                ]
            )
        return rows

    def first_touch_rows(self) -> list[list[str]]:
        """Per rep, then overall: touched cycles, median and p90 business minutes."""

        def row(name: str, values: list[float]) -> list[str]:
            med, p90 = percentile(values, 50), percentile(values, 90)
            return [
                name,
                str(len(values)),
                "—" if med is None else f"{med:.0f}",
                "—" if p90 is None else f"{p90:.0f}",
            ]

        rows = [row(r, v) for r, v in sorted(self.to_first_touch.items())]
        return [*rows, row("(all)", self.overall)]

    def to_json(self) -> dict[str, Any]:
        def times(values: list[float]) -> dict[str, Any]:
            med, p90 = percentile(values, 50), percentile(values, 90)
            return {
                "touched": len(values),
                "median_minutes": None if med is None else round(med, 2),
                "p90_minutes": None if p90 is None else round(p90, 2),
            }

        return {
            "sources": [self.sources[k].to_json() for k in sorted(self.sources)],
            "first_touch": {
                "overall": times(self.overall),
                "reps": [{"rep": r, **times(v)} for r, v in sorted(self.to_first_touch.items())],
            },
        }


@dataclass(frozen=True)
class Winner:
    """The team with the most points in a quarter (SPEC 8.1)."""

    team: str
    points: int


@dataclass
class Report:
    """The compliance report of a period: per commitment, per rep, and the funnel."""

    agreement: str
    title: str
    period: Period
    as_of: datetime
    commitments: list[CommitmentResult]
    reps: list[RepResult]
    funnel: Funnel
    outcomes: list[Outcome]
    rep_filter: str | None = None
    quality: Quality = field(default_factory=Quality)
    published_quality: dict[str, Any] | None = None  # as stored, for a published report
    notes: list[str] = field(default_factory=list)  # for stderr: how the report was made
    warnings: list[str] = field(default_factory=list)  # for stderr: what it left out
    # SPEC 8.1: a whole quarter's report under a team.yaml with teams names its winning
    # team (None when no team has a decided pair)
    names_winner: bool = False
    winner: Winner | None = None
    # SPEC 9: the currency of the pipeline amounts, for their display (None: not one)
    currency: str | None = None

    @property
    def failed(self) -> list[CommitmentResult]:
        return [c for c in self.commitments if not c.passed]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "agreement": self.agreement,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "as_of": self.as_of.isoformat(),
            "commitments": [c.to_json() for c in self.commitments],
            "reps": [r.to_json() for r in self.reps],
            "funnel": self.funnel.to_json(),
            "quality": (
                self.published_quality
                if self.published_quality is not None
                else self.quality.to_json()
            ),
        }
        if self.names_winner:
            w = self.winner
            out["winning_team"] = None if w is None else {"team": w.team, "points": w.points}
        return out


def build_report(
    segments: Sequence[tuple[Agreement, Period]],
    histories: Iterable[LeadHistory],
    *,
    as_of: datetime,
    period: Period,
    reviews: Sequence[Event] = (),
    quotas: Quotas | None = None,
    leads_created: int = 0,
    rep: str | None = None,
    why: bool = True,
    cohorts: Cohorts | None = None,
    evaluated: Evaluated | None = None,
    with_quality: bool = True,
    pipeline: Sequence[PipelineEntry] = (),
) -> Report:
    """The report of ``period``, whose pieces ``segments`` each have their agreement.

    With ``rep``, the lead outcomes and the funnel's MQLs are that rep's (the leads they
    own now); the period commitments (quota, review meetings) stay the team's. ``why``
    False leaves the outcomes' reasons empty, which a plain report does not show.
    ``cohorts``: shared with another report of the same histories (``evaluate_period``).
    ``evaluated``: a span's lead outcomes, evaluated once (``engine.Evaluated``).
    ``with_quality`` False leaves the quality section empty (a dashboard's trend weeks).
    ``pipeline``: the opportunities created or closed around the period (SPEC 9).
    """
    if not isinstance(histories, list):
        histories = list(histories)
    results: dict[str, CommitmentResult] = {}
    outcomes: list[Outcome] = []
    funnel = Funnel(leads=leads_created)
    reps: dict[str, RepResult] = {}
    quality = Quality()
    team_mqls = 0  # the quota's actual: the team's MQLs, also in a rep's report
    for agreement, part in segments:
        team = None
        for c in agreement.commitments:
            results.setdefault(
                c.id, CommitmentResult(c.id, c.party, c.measure, c.activity, c.target)
            )
        if rep is None:
            part_result = evaluate_period(
                agreement,
                histories,
                as_of=as_of,
                period=part,
                reviews=reviews,
                quotas=quotas,
                why=why,
                cohorts=cohorts,
                evaluated=evaluated,
                pipeline=pipeline,
            )
        else:
            # the rep's leads (owned now or reassigned to or from them: each pair goes to
            # whoever held the lead then); the quota is still judged on the team's MQLs
            mine = [h for h in histories if _held_by(h, rep)]
            if len(mine) < len(histories):
                span = None
                if evaluated is not None:
                    span = evaluated.cycles(agreement, histories, as_of, part)
                if span is not None:
                    team = len(span[0])
                else:
                    team = len(mql_cohort(agreement, histories, as_of=as_of, period=part))
            part_result = evaluate_period(
                agreement,
                mine,
                as_of=as_of,
                period=part,
                reviews=reviews,
                quotas=quotas,
                why=why,
                team_mqls=team,
                evaluated=evaluated,
                pipeline=pipeline,
            )
        money = figures(agreement, pipeline, period=part, as_of=as_of, owner=rep)
        funnel.opportunities += money.opportunities
        funnel.pipeline += money.pipeline
        funnel.won += money.won
        funnel.won_amount += money.won_amount
        funnel.cycle_days += money.cycle_days
        funnel.mql += part_result.mql
        funnel.recycled += part_result.recycled
        if with_quality:
            quality.add_all(agreement, part_result.cycles)
        team_mqls += part_result.mql if rep is None or team is None else team
        dispositions = part_result.dispositions
        part_outcomes = part_result.outcomes
        funnel.sql += dispositions.get("qualified", 0)
        funnel.disqualified += dispositions.get("disqualified", 0)
        funnel.nurture += dispositions.get("nurture", 0)
        party = {c.id: c.party for c in agreement.commitments}
        points = agreement.points
        if rep is not None:  # another rep's pairs of a lead this rep held at some time
            part_outcomes = [
                o
                for o in part_outcomes
                if o.lead_id is None or party_of(agreement, o) != "sales" or o.owner == rep
            ]
        # the lead outcomes counted by what the tallies read (commitment, state, paused,
        # owner): ~225,000 outcomes, a few thousand kinds; first seen first, as one by one
        kinds = Counter(
            (o.commitment_id, o.state, o.paused, o.owner)
            for o in part_outcomes
            if o.lead_id is not None
        )
        for (cid, state, paused, owner), n in kinds.items():
            o = Outcome(cid, state, "", "", owner, paused=paused)
            results[cid].add(o, n)
            if party.get(cid) == "sales":
                name = owner or UNASSIGNED
                r = reps.setdefault(name, RepResult(name))
                r.add(o, points, n)
        for o in part_outcomes:
            if o.lead_id is None:
                results[o.commitment_id].add(o)
        outcomes += part_outcomes
    for result in results.values():
        if result.measure == "mql_volume" and result.actual is None:
            result.actual = team_mqls  # no quota for the period: what came, against none
    tz = segments[0][0].calendar.tz if segments else as_of.tzinfo
    first = segments[0][0] if segments else None
    return Report(
        agreement=" + ".join(a.name for a, _ in segments) if segments else "",
        title=first.title if first else "",
        period=period,
        as_of=as_of.astimezone(tz),
        commitments=list(results.values()),
        reps=sorted(reps.values(), key=lambda r: r.rep),
        funnel=funnel,
        outcomes=outcomes,
        rep_filter=rep,
        quality=quality,
        currency=one_currency(a for a, _ in segments),
    )


def one_currency(agreements: Iterable[Agreement]) -> str | None:
    """The ``definitions.currency`` the agreements share, None when none names one or two
    name different ones (SPEC 9: the pipeline's amounts are in the agreement's)."""
    named = {a.definitions.currency for a in agreements} - {None}
    return named.pop() if len(named) == 1 else None


def party_of(agreement: Agreement, o: Outcome) -> str:
    for c in agreement.commitments:
        if c.id == o.commitment_id:
            return c.party
    return ""


def _held_by(h: LeadHistory, rep: str) -> bool:
    """Whether ``rep`` owns the lead now or a reassignment names them."""
    if h.lead.owner == rep:
        return True
    return any(e.kind == REASSIGN and rep in (e.rep, e.from_rep) for e in h.events)
