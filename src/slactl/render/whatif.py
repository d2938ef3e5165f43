"""``slactl whatif`` views: table, json, markdown."""

from __future__ import annotations

import json
from enum import StrEnum

from slactl.compliance.whatif import WhatIf
from slactl.render.report import pct


class WhatIfFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def _delta(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return ""
    d = (b - a) * 100
    return f"{d:+.1f} pts" if d else "="


def _rows(w: WhatIf) -> list[list[str]]:
    cur = {c.id: c for c in w.current.commitments}
    rows = []
    for c in w.draft.commitments:
        old = cur.get(c.id)
        rows.append(
            [
                c.id,
                f"{old.target * 100:g}%" if old else "—",
                pct(old.compliance) if old else "new",
                f"{c.target * 100:g}%",
                pct(c.compliance),
                _delta(old.compliance if old else None, c.compliance),
                ("pass" if c.passed else "FAIL") if c.compliance is not None else "n/a",
            ]
        )
    for cid, old in cur.items():
        if cid not in {c.id for c in w.draft.commitments}:
            rows.append(
                [cid, f"{old.target * 100:g}%", pct(old.compliance), "—", "removed", "", ""]
            )
    return rows


HEAD = ["Commitment", "Target now", "Now", "Target draft", "Draft", "Change", "Draft result"]


def render_whatif_table(w: WhatIf):  # type: ignore[no-untyped-def]
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    t = Table(title=f"What if — {w.current.period.label} under the draft", title_justify="left")
    for h in HEAD:
        t.add_column(h, justify="left" if h == "Commitment" else "right")
    for row in _rows(w):
        t.add_row(*row)
    reps = Table(title="Reps (points now → draft)", title_justify="left")
    for h in ("Rep", "Now", "Draft"):
        reps.add_column(h, justify="left" if h == "Rep" else "right")
    now = {r.rep: r.points for r in w.current.reps}
    draft = {r.rep: r.points for r in w.draft.reps}
    for rep in sorted(set(now) | set(draft)):
        reps.add_row(rep, str(now.get(rep, 0)), str(draft.get(rep, 0)))
    f = Table(title=f"Leads whose outcome flips: {len(w.flips)}", title_justify="left")
    for h in ("Lead", "Commitment", "Owner", "Now", "Draft"):
        f.add_column(h)
    for x in w.flips[:50]:
        f.add_row(x.lead, x.commitment, x.owner or "", x.before, x.after)
    parts = [Text("Changes: " + ("; ".join(w.changes) or "none"))]
    parts += [t, reps, f]
    if len(w.flips) > 50:
        parts.append(Text(f"… {len(w.flips) - 50} more; --format json lists them all"))
    parts += [
        Text(
            f"{x.lead} {x.commitment}: now {x.reason_before or x.before};"
            f" draft {x.reason_after or x.after}"
        )
        for x in w.flips[:10]
    ]
    return Group(*parts)


def render_whatif_json(w: WhatIf) -> str:
    return json.dumps(w.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_whatif_markdown(w: WhatIf) -> str:
    lines = [f"## What if — {w.current.period.label}", "", "Changes:", ""]
    lines += [f"- {c}" for c in w.changes] or ["- none"]
    lines += ["", "| " + " | ".join(HEAD) + " |", "|---" + "|---:" * (len(HEAD) - 1) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in _rows(w)]
    lines += [
        "",
        f"Leads whose outcome flips: {len(w.flips)}",
        "",
        "| Lead | Commitment | Now | Draft | Why (draft) |",
        "|---|---|---|---|---|",
    ]
    for x in w.flips:
        lines.append(
            f"| {x.lead} | {x.commitment} | {x.before} | {x.after} |"
            f" {x.reason_after.replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"


FORMATTERS = {
    WhatIfFormat.table: render_whatif_table,
    WhatIfFormat.json: render_whatif_json,
    WhatIfFormat.markdown: render_whatif_markdown,
}
