"""``slactl agreement check``: every error and warning of SPEC 3.3, each with file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from slactl.agreement.loader import (
    QUOTAS_FILE,
    agreement_files,
    overlaps,
    read_agreement,
    read_quotas,
)
from slactl.agreement.model import Agreement, Commitment, Quotas
from slactl.clock import Duration

SALES_MEASURES = ("first_touch", "disposition", "touches_before_return", "touch_cadence")
# words that name something sales, not marketing, controls
_SALES_OUTCOMES = re.compile(
    r"sales[- ]accept|accepted by sales|\bSAL\b|\bSQL\b|sales[- ]qualified|win rate|closed[- ]won"
    r"|opportunit",
    re.I,
)


@dataclass(frozen=True)
class LintMessage:
    path: Path
    line: int
    level: str  # "error" | "warning"
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.text}"


def lint(target: Path) -> list[LintMessage]:
    """Check one agreement file, or a directory of them with its quotas file."""
    messages: list[LintMessage] = []
    if target.is_dir():
        files = agreement_files(target)
        quotas_path: Path | None = target / QUOTAS_FILE
        if not files:
            return [LintMessage(target, 1, "error", "no agreement files (*.yaml) here")]
    elif target.is_file():
        files = [target]
        quotas_path = target.parent / QUOTAS_FILE
    else:
        return [LintMessage(target, 1, "error", "no such file or directory")]
    agreements: list[Agreement] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            messages.append(LintMessage(path, 1, "error", f"cannot read: {exc}"))
            continue
        agreement, errors = read_agreement(text, path)
        messages += [LintMessage(path, line, "error", msg) for line, msg in errors]
        if agreement is not None:
            agreements.append(agreement)
    for a, b in overlaps(agreements):
        messages.append(
            LintMessage(
                b.path,
                1,
                "error",
                f"period {b.period_start}..{b.period_end} overlaps {a.path}"
                f" ({a.period_start}..{a.period_end}); periods must not overlap",
            )
        )
    quotas: Quotas | None = None
    if quotas_path is not None and quotas_path.is_file():
        quotas, errors = read_quotas(quotas_path.read_text(encoding="utf-8-sig"), quotas_path)
        messages += [LintMessage(quotas_path, line, "error", msg) for line, msg in errors]
    for a in agreements:
        messages += _agreement_warnings(a, quotas, quotas_path)
    return sorted(messages, key=lambda m: (str(m.path), m.line, m.level))


def _span(a: Agreement, d: Duration) -> float:
    """A duration's length in hours of working time, measured from a typical Monday 09:00
    of the agreement's period, so that units can be compared."""
    cal = a.calendar
    first = a.period_start
    start = datetime.combine(first, time(), tzinfo=cal.tz)
    start = cal.next_opening(start)
    return cal.elapsed(start, cal.add(start, d)).total_seconds() / 3600


def _agreement_warnings(
    a: Agreement, quotas: Quotas | None, quotas_path: Path | None
) -> list[LintMessage]:
    out: list[LintMessage] = []

    def warn(c: Commitment | None, text: str) -> None:
        out.append(LintMessage(a.path, c.line if c else 1, "warning", text))

    def first(measure: str) -> list[Commitment]:
        return [c for c in a.commitments if c.measure == measure]

    for c in a.commitments:
        if c.measure == "mql_volume" and quotas is None:
            out.append(
                LintMessage(
                    a.path,
                    c.line,
                    "error",
                    f"commitment {c.id} measures mql_volume but there is no {quotas_path}",
                )
            )
    try:
        for disp in first("disposition"):
            if disp.within is None:
                continue
            for pers in first("touches_before_return"):
                if pers.open_for and _span(a, disp.within) < _span(a, pers.open_for):
                    warn(
                        disp,
                        f"{disp.id} asks for a disposition within {disp.within}, but {pers.id}"
                        f" keeps a lead open {pers.open_for} before it may go back to marketing:"
                        " both cannot be met for a returned lead",
                    )
        for pers in first("touches_before_return"):
            for cad in first("touch_cadence"):
                if pers.minimum and cad.until and cad.until < pers.minimum:
                    warn(
                        cad,
                        f"{cad.id} keeps cadence only until touch {cad.until}, but {pers.id}"
                        f" needs {pers.minimum} touches: the later touches have no gap limit",
                    )
        for ft in first("first_touch"):
            for disp in first("disposition"):
                if ft.within and disp.within and _span(a, disp.within) < _span(a, ft.within):
                    warn(
                        disp,
                        f"{disp.id} ({disp.within}) is shorter than {ft.id} ({ft.within}):"
                        " the first touch deadline can never be the binding one",
                    )
    except ValueError:  # a calendar that cannot be built is already reported as an error
        pass
    for c in a.commitments:
        if c.party != "marketing":
            continue
        if c.measure in SALES_MEASURES:
            warn(
                c,
                f"marketing commitment {c.id} measures {c.measure}, which sales controls:"
                " an SLA should bind only the party that controls the outcome",
            )
        elif c.activity and _SALES_OUTCOMES.search(c.activity):
            warn(
                c,
                f"marketing commitment {c.id} ({c.activity!r}) depends on sales acceptance or"
                " the SQL rate, which marketing does not control",
            )
    if quotas is not None and any(c.measure == "mql_volume" for c in a.commitments):
        missing = [
            f"{y}-{m:02d}"
            for y, m in _months(a.period_start, a.period_end)
            if (y, m) not in quotas.mql_volume
        ]
        if missing:
            shown = ", ".join(missing[:4]) + (" …" if len(missing) > 4 else "")
            c = next(c for c in a.commitments if c.measure == "mql_volume")
            warn(c, f"no MQL quota for {shown} in {quotas.path}: mql-volume is not counted there")
    return out


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
