"""``slactl whatif`` views: table, json, markdown."""

from __future__ import annotations

import json
from typing import Any

from slactl.compliance.report import CommitmentResult, RepResult
from slactl.compliance.whatif import NOT_COUNTED, Flip, WhatIf
from slactl.render.report import leads, pct
from slactl.render.safe import clean

SHOWN = 50  # flips listed in the table; --format json and markdown list them all


def _delta(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return ""
    d = round((b - a) * 100, 1)
    return f"{d:+.1f} pts" if d else "="


def _quota(w: WhatIf) -> str | None:
    """Marketing's quota: the MQLs handed over against it, now and under the draft."""

    def of(c: CommitmentResult | None) -> str:
        if c is None or c.quota is None:
            return "not measured"
        return f"{c.actual or 0} of {leads(c.quota)} ({pct(c.compliance)})"

    now = next((c for c in w.current.commitments if c.measure == "mql_volume"), None)
    draft = next((c for c in w.draft.commitments if c.measure == "mql_volume"), None)
    if now is None and draft is None:
        return None
    return f"Marketing's MQL quota: {of(now)} now; {of(draft)} under the draft"


def _verdict(c: CommitmentResult) -> str:
    return ("pass" if c.passed else "FAIL") if c.compliance is not None else "n/a"


COMMITMENT_HEAD = ["Commitment", "Target", "Now", "Draft target", "Draft", "Change", "Result"]


def _commitment_rows(w: WhatIf) -> list[list[str]]:
    now = {c.id: c for c in w.current.commitments}
    rows = []
    for c in w.draft.commitments:
        old = now.get(c.id)
        rows.append(
            [
                c.id,
                f"{old.target * 100:g}%" if old else "—",
                pct(old.compliance) if old else "new",
                f"{c.target * 100:g}%",
                pct(c.compliance),
                _delta(old.compliance if old else None, c.compliance),
                _verdict(c),
            ]
        )
    drafted = {c.id for c in w.draft.commitments}
    for c in w.current.commitments:
        if c.id not in drafted:
            rows.append([c.id, f"{c.target * 100:g}%", pct(c.compliance), "—", "removed", "", ""])
    return rows


REP_HEAD = ["Rep", "Met/breached", "Points", "Draft met/breached", "Draft points"]


def _rep_rows(w: WhatIf) -> list[list[str]]:
    now = {r.rep: r for r in w.current.reps}
    draft = {r.rep: r for r in w.draft.reps}

    def cells(r: RepResult | None) -> list[str]:
        return [f"{r.met}/{r.breached}", str(r.points)] if r else ["—", "—"]

    return [[rep, *cells(now.get(rep)), *cells(draft.get(rep))] for rep in sorted(now | draft)]


FLIP_HEAD = ["Lead", "Commitment", "Owner", "Now", "Draft", "Why"]


def _flip_row(f: Flip) -> list[str]:
    if f.after == NOT_COUNTED:
        why = f"no outcome under the draft; now: {f.reason_before}"
    else:
        why = f.reason_after
    return [f.lead, f.commitment, f.owner or "", f.before, f.after, why]


def render_whatif_table(w: WhatIf):  # type: ignore[no-untyped-def]
    from rich.console import Group

    from slactl.render.safe import table, text

    def titled(title: str, head: list[str], rows: list[list[str]], left: int = 1) -> Any:
        t = table(title=title, title_justify="left")
        for i, h in enumerate(head):  # folded, never cut: a commitment id stays readable
            t.add_column(h, justify="left" if i < left else "right", overflow="fold")
        for row in rows:
            t.add_row(*row)
        return t

    label = w.current.period.label
    parts: list[Any] = [
        text(f"What if — {label} ({w.current.agreement} → draft {w.draft.agreement})"),
        text("Changes:" + "".join(f"\n  {c}" for c in w.changes) if w.changes else "No changes"),
        titled("Commitments", COMMITMENT_HEAD, _commitment_rows(w)),
        *([text(q)] if (q := _quota(w)) else []),
        titled("Reps (sales commitments)", REP_HEAD, _rep_rows(w)),
        titled(
            f"Leads whose outcome flips: {len(w.flips)}",
            FLIP_HEAD,
            [_flip_row(f) for f in w.flips[:SHOWN]],
            left=len(FLIP_HEAD),
        ),
    ]
    if len(w.flips) > SHOWN:
        parts.append(text(f"… {len(w.flips) - SHOWN} more: --format json lists them all"))
    return Group(*parts)


def render_whatif_json(w: WhatIf) -> str:
    return json.dumps(w.to_json(), indent=2, ensure_ascii=False) + "\n"


def _md_table(head: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    def cell(x: str) -> str:
        return clean(x).replace("|", "\\|")

    rule = ["---" if i < left else "---:" for i in range(len(head))]
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    out += ["| " + " | ".join(cell(x) for x in r) + " |" for r in rows]
    return out


def render_whatif_markdown(w: WhatIf) -> str:
    lines = [f"## What if — {w.current.period.label}", "", "Changes:", ""]
    lines += [f"- {c}" for c in w.changes] or ["- none"]
    lines += ["", "### Commitments", "", *_md_table(COMMITMENT_HEAD, _commitment_rows(w))]
    if q := _quota(w):
        lines += ["", q]
    lines += ["", "### Reps", "", *_md_table(REP_HEAD, _rep_rows(w))]
    lines += ["", f"### Leads whose outcome flips: {len(w.flips)}", ""]
    if w.flips:
        lines += _md_table(FLIP_HEAD, [_flip_row(f) for f in w.flips], left=len(FLIP_HEAD))
    return "\n".join(lines) + "\n"


FORMATTERS = {  # by the value of `slactl whatif --format`
    "table": render_whatif_table,
    "json": render_whatif_json,
    "markdown": render_whatif_markdown,
}
