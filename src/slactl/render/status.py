"""``status``, ``explain`` and ``leaderboard`` views. Each imports what only it needs
(Rich, the report's cell formats) when it runs: ``status --format json`` needs neither."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from slactl.records import Opportunity, State

if TYPE_CHECKING:
    from slactl.compliance.report import Report
    from slactl.usecases.reading import Explained


def business_amount(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    h, m = divmod(minutes, 60)
    text = f"{h}h{m:02d}m" if h else f"{m}m"
    return text + (" late" if delta < timedelta(0) else " left")


def _state(state: State, left: timedelta, paused: bool = False) -> str:
    if paused:
        return "PAUSED"
    if left < timedelta(0):
        return "OVERDUE"
    return "AT RISK" if state is State.AT_RISK else "due"


def render_status(  # type: ignore[no-untyped-def]
    rep: str,
    as_of: datetime,
    items: list[Any],
    month: Report,
    tz: tzinfo,
    *,
    limit: int | None = 25,
):
    """The rep's open work, most urgent first (the first ``limit`` rows; None for all),
    then the month so far."""
    from rich.console import Group

    from slactl.render.report import pct
    from slactl.render.safe import table, text

    states = [_state(i.outcome.state, i.left, i.outcome.paused) for i in items]
    counts = ", ".join(
        f"{states.count(s)} {s.lower()}"
        for s in ("AT RISK", "OVERDUE", "due", "PAUSED")
        if s in states
    )
    title = f"{rep}: open leads as of {as_of.astimezone(tz):%a %Y-%m-%d %H:%M}"
    # the title on a line of its own: a table's title wraps at the table's width
    heading = text(title + (f" — {counts}" if counts else ""))
    t = table()
    # 80 columns hold the row when only the lead (its company on a second line) and the
    # time left wrap, folding a word longer than the column: commitment ids, deadlines
    # and states stay whole
    for h in ("Lead", "Commitment", "Due (local)", "Business time", "State"):
        t.add_column(h, no_wrap=h not in ("Lead", "Business time"), overflow="fold")
    shown = items if limit is None else items[:limit]
    for i, st in zip(shown, states, strict=False):
        o = i.outcome
        style = {"OVERDUE": "bold red", "AT RISK": "yellow", "PAUSED": "cyan"}.get(st, "")
        due = f"{o.deadline.astimezone(tz):%a %m-%d %H:%M}" if o.deadline else "—"
        left = business_amount(i.left) if o.deadline else "—"
        if i.pause is not None:  # paused: its reason and when it ends (SPEC 7.3)
            end = i.pause.end
            left = f"{i.pause.reason or 'paused'}\n" + (
                f"until {end.astimezone(tz):%a %m-%d %H:%M}" if end else "no end yet"
            )
        lead = text(i.lead)
        if i.company:
            lead.append("\n")
            lead.append(text(i.company, style="dim"))
        t.add_row(lead, o.commitment_id, due, left, text(st, style=style))
    parts: list[Any] = [heading, t]
    if not items:  # a sentence, not an empty table
        parts = [text(f"{rep}: nothing open as of {as_of.astimezone(tz):%a %Y-%m-%d %H:%M}")]
    elif len(shown) < len(items):
        parts.append(text(f"… and {len(items) - len(shown)} more (--limit 0 shows them all)"))
    sales = [c for c in month.commitments if c.owner == "sales"]
    if not any(c.met or c.breached or c.pending for c in sales):
        parts.append(text(f"{rep}: no sales commitment measured in {month.period.label} so far"))
        return Group(*parts)
    summary = table(title=f"{rep}: {month.period.label} so far", title_justify="left")
    for h in ("Commitment", "Met", "Breached", "Pending", "Compliance"):
        summary.add_column(h, justify="left" if h == "Commitment" else "right")
    for c in sales:
        summary.add_row(c.id, str(c.met), str(c.breached), str(c.pending), pct(c.compliance))
    parts.append(summary)
    return Group(*parts)


def status_json(rep: str, as_of: datetime, items: list[Any], month: Report, tz: tzinfo) -> str:
    return (
        json.dumps(
            {
                "rep": rep,
                "as_of": as_of.isoformat(),
                "open": [
                    {
                        "lead": i.lead,
                        "company": i.company,
                        "commitment": i.outcome.commitment_id,
                        "deadline": (
                            i.outcome.deadline.astimezone(tz).isoformat()
                            if i.outcome.deadline
                            else None
                        ),
                        "business_minutes_left": int(i.left.total_seconds() // 60),
                        "state": _state(i.outcome.state, i.left, i.outcome.paused)
                        .lower()
                        .replace(" ", "_"),
                        **(
                            {
                                "pause_reason": i.pause.reason,
                                "pause_until": (
                                    i.pause.end.astimezone(tz).isoformat() if i.pause.end else None
                                ),
                            }
                            if i.pause is not None
                            else {}
                        ),
                    }
                    for i in items
                ],
                "month": {
                    "period": {
                        "start": month.period.start.isoformat(),
                        "end": month.period.end.isoformat(),
                    },
                    "commitments": [c.to_json() for c in month.commitments if c.owner == "sales"],
                },
            },
            indent=2,
        )
        + "\n"
    )


def render_explain(explained: Explained, as_of: datetime):  # type: ignore[no-untyped-def]
    from rich.console import Group

    from slactl.render.safe import table, text

    a = explained.agreement
    tz = a.calendar.tz
    lead = explained.history.lead

    def local(t: datetime) -> str:
        return f"{t.astimezone(tz):%a %Y-%m-%d %H:%M}"

    name = " ".join(x for x in (lead.first_name, lead.last_name) if x)
    who = ", ".join(x for x in (name, lead.company) if x)
    head = text(
        f"{lead.external_id}{'  ' + who if who else ''}  owner {explained.owner or '—'}"
        f"  ({'MQL' if explained.mql else 'not an MQL'}; agreement {a.name};"
        f" as of {local(as_of)})"
    )
    tl = table(title="Timeline", title_justify="left")
    for h in ("When (local)", "What", "Rep", "Note"):
        tl.add_column(h)
    rows = [(lead.created_at, "created", "", "")]
    if lead.handed_off_at:
        rows.append((lead.handed_off_at, "handed off", "", ""))
    kinds = a.definitions.touch_kinds
    for e in explained.history.events:
        what = e.kind
        if e.kind == "disposition":
            what = f"disposition: {e.outcome}"
        elif e.kind in kinds:
            what = f"{e.kind} (touch)"
        elif e.kind not in ("handoff", "review"):
            what = f"{e.kind} (not a touch)"
        # what the section 7 columns say of it: its reason, the minutes it took (time
        # spent counts them), the owner a reassignment took it from
        said = [e.reason or ""] if e.kind in ("disposition", "pause") else []
        if e.duration is not None:
            said.append(f"{e.duration:g} min")
        if e.kind == "reassign" and e.from_rep:
            said.append(f"from {e.from_rep}")
        what += "".join(f", {x}" for x in said if x)
        if e.at > as_of:
            what += " — after as-of, ignored"
        rows.append((e.at, what, e.rep or "", e.note or ""))
    for opp in explained.history.opportunities:  # what the lead turned into (SPEC 9)
        for at, what in _opportunity_rows(opp):
            rows.append((at, what + (" — after as-of, ignored" if at > as_of else ""), "", ""))
    for at, what, rep, note in sorted(rows, key=lambda r: r[0]):
        tl.add_row(local(at), what, rep, note)
    if not explained.outcomes:
        return Group(head, tl, text("not an MQL: no sales commitment applies"))
    parts: list[Any] = [head, tl]
    cycles = explained.cycles
    many = len(cycles) > 1
    for f in cycles:
        mine = [o for o in explained.outcomes if o.cycle == f.cycle]
        label = f"Cycle {f.cycle}: " if many else ""
        ot = table(title=f"{label}Commitments (clock start {local(f.start)})", title_justify="left")
        for h in ("Commitment", "Deadline (local)", "Outcome", "Responsible"):
            ot.add_column(h)
        for o in mine:
            style = {"met": "green", "breached": "bold red", "at_risk": "yellow"}.get(
                o.state.value, ""
            )
            state = o.state.value + (" (paused)" if o.paused else "")
            ot.add_row(
                o.commitment_id,
                local(o.deadline) if o.deadline else "—",
                text(state, style=style),
                o.owner or "—",
            )
        parts.append(ot)
        if f.reassigns:  # who held the lead when (SPEC 7.2)
            ht = table(title=f"{label}Who held the lead", title_justify="left")
            for h in ("Owner", "From (local)", "To (local)", "Business time"):
                ht.add_column(h)
            for who_, lo, hi, spent in explained.holders(f):
                ht.add_row(who_ or "—", local(lo), local(hi), business_amount(spent)[:-5])
            parts.append(ht)
        if f.pauses:  # each pause and how far it moved each deadline (SPEC 7.3)
            pt = table(title=f"{label}Pauses", title_justify="left")
            for h in ("From (local)", "To (local)", "Reason", "Business time"):
                pt.add_column(h)
            for p in f.pauses:
                to = local(p.end) if p.end is not None else "open"
                paused = explained.paused_for(p)
                length = business_amount(paused)[:-5] if paused is not None else "—"
                pt.add_row(local(p.start), to, p.reason or "", length)
            parts.append(pt)
        parts.append(text("Why:", style="bold"))
        parts += [text(f"{o.commitment_id}: {o.reason}") for o in mine]
    return Group(*parts)


def render_leaderboard(report: Report):  # type: ignore[no-untyped-def]
    from slactl.render.report import pct
    from slactl.render.safe import table

    t = table(title=f"Leaderboard — {report.period.label}", title_justify="left")
    for h in ("#", "Rep", "Points", "Met", "Breached", "Pending", "Compliance"):
        t.add_column(h, justify="left" if h == "Rep" else "right")
    # ties on points: the higher compliance first, then by name
    ranked = sorted(report.reps, key=lambda r: (-r.points, -(r.compliance or 0), r.rep))
    for n, r in enumerate(ranked, start=1):
        t.add_row(
            str(n),
            r.rep,
            str(r.points),
            str(r.met),
            str(r.breached),
            str(r.pending),
            pct(r.compliance),
        )
    return t


def _opportunity_rows(o: Opportunity) -> list[tuple[datetime, str]]:
    """An opportunity's lines in a lead's timeline: its creation, with its amount and
    stage, and its close, won or lost."""
    from slactl.render.report import money

    says = [f"{money(o.amount)} {o.currency or ''}".rstrip()] if o.amount is not None else []
    says += [o.stage] if o.stage else []
    rows = [
        (o.created_at, f"opportunity {o.external_id}" + (f" ({', '.join(says)})" if says else ""))
    ]
    if o.closed_at is not None:
        result = "won" if o.won else "lost" if o.won is False else "closed"
        rows.append((o.closed_at, f"opportunity {o.external_id} {result}"))
    return rows
