"""``status``, ``explain`` and ``leaderboard`` views."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, tzinfo
from typing import Any

from slactl.compliance.model import State
from slactl.compliance.report import Report
from slactl.render.report import pct


def business_amount(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    h, m = divmod(minutes, 60)
    text = f"{h}h{m:02d}m" if h else f"{m}m"
    return text + (" late" if delta < timedelta(0) else " left")


def _state(state: State, left: timedelta) -> str:
    if left < timedelta(0):
        return "OVERDUE"
    return "AT RISK" if state is State.AT_RISK else "due"


def render_status(rep: str, as_of: datetime, items: list[Any], month: Report, tz: tzinfo):  # type: ignore[no-untyped-def]
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    t = Table(
        title=f"{rep}: open leads as of {as_of.astimezone(tz):%a %Y-%m-%d %H:%M}",
        title_justify="left",
    )
    for h in ("Lead", "Company", "Commitment", "Due (local)", "Business time", "State"):
        t.add_column(h)
    for i in items:
        o = i.outcome
        st = _state(o.state, i.left)
        style = {"OVERDUE": "bold red", "AT RISK": "yellow"}.get(st, "")
        t.add_row(
            i.lead,
            i.company or "",
            o.commitment_id,
            f"{o.deadline.astimezone(tz):%a %m-%d %H:%M}",
            business_amount(i.left),
            Text(st, style=style),
        )
    summary = Table(title=f"{rep}: {month.period.label} so far", title_justify="left")
    for h in ("Commitment", "Met", "Breached", "Pending", "Compliance"):
        summary.add_column(h, justify="left" if h == "Commitment" else "right")
    for c in month.commitments:
        if c.owner != "sales":
            continue
        summary.add_row(c.id, str(c.met), str(c.breached), str(c.pending), pct(c.compliance))
    empty = Text("nothing open") if not items else Text("")
    return Group(t, empty, summary) if not items else Group(t, summary)


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
                        "deadline": i.outcome.deadline.astimezone(tz).isoformat(),
                        "business_minutes_left": int(i.left.total_seconds() // 60),
                        "state": _state(i.outcome.state, i.left).lower().replace(" ", "_"),
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


def render_explain(explained: Any, as_of: datetime):  # type: ignore[no-untyped-def]
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from slactl.compliance.engine import clock_start

    a = explained.agreement
    tz = a.calendar.tz
    lead = explained.history.lead

    def local(t: datetime) -> str:
        return f"{t.astimezone(tz):%a %Y-%m-%d %H:%M}"

    head = Text(
        f"{lead.external_id}  {lead.first_name or ''} {lead.last_name or ''}, {lead.company or ''}"
        f"  owner {lead.owner or '—'}  ({'MQL' if explained.mql else 'not an MQL'};"
        f" agreement {a.name}; as of {local(as_of)})"
    )
    tl = Table(title="Timeline", title_justify="left")
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
        if e.at > as_of:
            what += " — after as-of, ignored"
        rows.append((e.at, what, e.rep or "", e.note or ""))
    for at, what, rep, note in sorted(rows, key=lambda r: r[0]):
        tl.add_row(local(at), what, rep, note)
    start = clock_start(explained.history, as_of)
    ot = Table(title=f"Commitments (clock start {local(start)})", title_justify="left")
    for h in ("Commitment", "Deadline (local)", "Outcome"):
        ot.add_column(h)
    why = []
    for o in explained.outcomes:
        style = {"met": "green", "breached": "bold red", "at_risk": "yellow"}.get(o.state.value, "")
        ot.add_row(
            o.commitment_id,
            local(o.deadline) if o.deadline else "—",
            Text(o.state.value, style=style),
        )
        why.append(Text(f"{o.commitment_id}: {o.reason}"))
    if not explained.outcomes:
        return Group(head, tl, Text("not an MQL: no sales commitment applies"))
    return Group(head, tl, ot, Text("Why:", style="bold"), *why)


def render_leaderboard(report: Report):  # type: ignore[no-untyped-def]
    from rich.table import Table

    t = Table(title=f"Leaderboard — {report.period.label}", title_justify="left")
    for h in ("#", "Rep", "Points", "Met", "Breached", "Pending", "Compliance"):
        t.add_column(h, justify="left" if h == "Rep" else "right")
    ranked = sorted(report.reps, key=lambda r: (-r.points, -r.met, r.rep))
    for n, r in enumerate(ranked, start=1):
        decided = r.met + r.breached
        t.add_row(
            str(n),
            r.rep,
            str(r.points),
            str(r.met),
            str(r.breached),
            str(r.pending),
            pct(round(r.met / decided, 4) if decided else None),
        )
    return t
