"""``slactl agreement check``: every error and warning of SPEC 3.3, each with file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from slactl.agreement.directory import QUOTAS_FILE, TEAM_FILE, agreement_files, overlaps
from slactl.agreement.loader import read_agreement, read_quotas
from slactl.agreement.model import MEASURE_SPECS, Agreement, Commitment, Quotas
from slactl.agreement.team import read_team
from slactl.clock import Duration

# SPEC 9: revenue won is sales' to close, whatever marketing's pipeline
_WON = re.compile(r"\bwon\b|\bwins?\b|bookings|closed revenue|revenue (won|closed)", re.I)
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


@dataclass(frozen=True)
class LintResult:
    """What ``slactl agreement check`` found: the messages, and the agreements that loaded."""

    messages: list[LintMessage]
    agreements: list[Agreement]

    @property
    def errors(self) -> int:
        return sum(m.level == "error" for m in self.messages)

    @property
    def warnings(self) -> int:
        return sum(m.level == "warning" for m in self.messages)


def lint(target: Path) -> list[LintMessage]:
    """Check one agreement file, or a directory of them with its quotas file: every
    error and warning of SPEC 3.3, sorted by file and line."""
    return lint_report(target).messages


def lint_report(target: Path) -> LintResult:
    """``lint`` with the agreements that loaded (for the summary line)."""
    messages: list[LintMessage] = []
    if target.is_file() and target.name in (TEAM_FILE, QUOTAS_FILE):
        target = target.parent  # not an agreement: checked with the directory it belongs to
    if target.is_dir():
        files = agreement_files(target)
        quotas_path = target / QUOTAS_FILE
        if not files:
            return LintResult(
                [LintMessage(target, 1, "error", "no agreement files (*.yaml) here")], []
            )
    elif target.is_file():
        files = [target]
        quotas_path = target.parent / QUOTAS_FILE
    else:
        return LintResult([LintMessage(target, 1, "error", "no such file or directory")], [])
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
    if quotas_path.is_file():
        try:
            quotas_text = quotas_path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            messages.append(LintMessage(quotas_path, 1, "error", f"cannot read: {exc}"))
        else:
            quotas, errors = read_quotas(quotas_text, quotas_path)
            messages += [LintMessage(quotas_path, line, "error", msg) for line, msg in errors]
    messages += _team_messages(quotas_path.parent / TEAM_FILE)
    for a in agreements:
        messages += _agreement_warnings(a, quotas, quotas_path)
    messages.sort(key=lambda m: (str(m.path), m.line, m.level, m.text))
    return LintResult(messages, agreements)


def _team_messages(path: Path) -> list[LintMessage]:
    """The errors of ``team.yaml`` (SPEC 8.1), when there is one next to the agreements."""
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [LintMessage(path, 1, "error", f"cannot read: {exc}")]
    _, errors = read_team(text, path)
    return [LintMessage(path, line, "error", msg) for line, msg in errors]


def _typical_start(a: Agreement) -> datetime:
    """Where durations in different units are laid side by side: the first opening of the
    agreement's period."""
    cal = a.calendar
    return cal.next_opening(datetime.combine(a.period_start, time(), tzinfo=cal.tz))


def _longer(a: Agreement, first: Duration, second: Duration, times: int = 1) -> bool:
    """Does ``first`` (taken ``times`` times in a row) end after ``second``, both counted
    from the agreement's typical start with its calendar? Units may differ."""
    cal = a.calendar
    start = _typical_start(a)
    end = start
    for _ in range(times):
        end = cal.add(end, first)
    return end > cal.add(start, second)


def _agreement_warnings(
    a: Agreement, quotas: Quotas | None, quotas_path: Path
) -> list[LintMessage]:
    out: list[LintMessage] = []

    def warn(c: Commitment | None, text: str) -> None:
        out.append(LintMessage(a.path, c.line if c else 1, "warning", text))

    def first(measure: str) -> list[Commitment]:
        return [c for c in a.commitments if c.measure == measure]

    if not a.commitments:
        warn(None, f"{a.name} has no commitments: it only gives the calendar for deadlines")
    for c in a.commitments:
        if c.measure in ("mql_volume", "pipeline") and not quotas_path.is_file():
            out.append(
                LintMessage(
                    a.path,
                    c.line,
                    "error",
                    f"commitment {c.id} measures {c.measure} but there is no {quotas_path}",
                )
            )
    try:
        for disp in first("disposition"):
            if disp.within is None:
                continue
            for pers in first("touches_before_return"):
                if pers.open_for and _longer(a, pers.open_for, disp.within):
                    warn(
                        disp,
                        f"{disp.id} asks for a disposition within {disp.within}, but {pers.id}"
                        f" keeps a lead open {pers.open_for} before it may go back to marketing:"
                        " both cannot be met for a returned lead",
                    )
            for cad in first("touch_cadence"):
                if cad.max_gap and cad.until and cad.until > 1:
                    if _longer(a, cad.max_gap, disp.within, cad.until - 1):
                        warn(
                            cad,
                            f"{cad.id} allows {cad.until - 1} gaps of {cad.max_gap} between"
                            f" touch 1 and touch {cad.until}, longer than the {disp.within}"
                            f" {disp.id} allows: a rep keeping to the cadence can breach"
                            f" {disp.id}",
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
                if ft.within and disp.within and _longer(a, ft.within, disp.within):
                    warn(
                        disp,
                        f"{disp.id} ({disp.within}) is shorter than {ft.id} ({ft.within}):"
                        " the first touch deadline can never be the binding one",
                    )
        for c in a.commitments:
            for key in ("within", "max_gap"):
                window = getattr(c, key)
                if c.warn and window and not _longer(a, window, c.warn):
                    warn(
                        c,
                        f"{c.id} warns {c.warn} ahead of a {window} deadline: every pending"
                        " lead would be at risk from the start; make warn shorter",
                    )
    except ValueError:  # a calendar that cannot be built is already reported as an error
        pass
    out += _pause_warnings(a)
    for c in a.commitments:
        if c.party != "marketing":
            continue
        if MEASURE_SPECS[c.measure].sales_controls:
            warn(
                c,
                f"marketing commitment {c.id} measures {c.measure}, which sales controls:"
                " an SLA should bind only the party that controls the outcome",
            )
        elif c.activity and _WON.search(c.activity):
            warn(
                c,
                f"marketing commitment {c.id} ({c.activity!r}) is on won revenue, which sales"
                " closes and marketing does not control: commit marketing to the pipeline it"
                " creates (measure: pipeline)",
            )
        elif c.activity and _SALES_OUTCOMES.search(c.activity):
            warn(
                c,
                f"marketing commitment {c.id} ({c.activity!r}) depends on sales acceptance or"
                " the SQL rate, which marketing does not control",
            )
    if quotas is not None and any(c.measure == "mql_volume" for c in a.commitments):
        # only an mql_volume commitment reads the quotas; without one a gap is harmless
        missing = [
            f"{y}-{m:02d}"
            for y, m in _months(a.period_start, a.period_end)
            if (y, m) not in quotas.mql_volume
        ]
        if missing:
            shown = ", ".join(missing[:4]) + (" …" if len(missing) > 4 else "")
            c = next(c for c in a.commitments if c.measure == "mql_volume")
            warn(c, f"no MQL quota for {shown} in {quotas.path}: mql-volume is not counted there")
    if quotas is not None and any(c.measure == "pipeline" for c in a.commitments):
        missing = [
            f"{y}-{m:02d}"
            for y, m in _months(a.period_start, a.period_end)
            if (y, m) not in quotas.pipeline
        ]
        if missing:
            shown = ", ".join(missing[:4]) + (" …" if len(missing) > 4 else "")
            c = next(c for c in a.commitments if c.measure == "pipeline")
            warn(c, f"no pipeline quota for {shown} in {quotas.path}: {c.id} is not counted there")
    return out


def _pause_warnings(a: Agreement) -> list[LintMessage]:
    """SPEC 7.3: pauses with no ``max`` can hold a lead forever; a pausable commitment needs
    ``definitions.pauses`` (without it every pause is refused at import); pauses that no
    commitment honours are recorded for nothing."""
    out: list[LintMessage] = []
    rules = a.definitions.pauses
    pausable = [c for c in a.commitments if c.pausable]
    if rules is not None and rules.max is None:
        out.append(
            LintMessage(
                a.path,
                rules.line,
                "warning",
                "definitions.pauses has no max: a pause nobody resumes holds a lead's"
                " deadlines until its disposition; add e.g. 'max: 10 business days'",
            )
        )
    if rules is None:
        for c in pausable:
            out.append(
                LintMessage(
                    a.path,
                    c.line,
                    "warning",
                    f"{c.id} is pausable but definitions.pauses is missing: no pause can be"
                    " recorded, so nothing will move its deadlines; add definitions.pauses"
                    " with the reasons a pause may give",
                )
            )
    elif not pausable:
        out.append(
            LintMessage(
                a.path,
                rules.line,
                "warning",
                "definitions.pauses is set but no commitment is pausable: pauses are recorded"
                " and move nothing; add 'pausable: true' to the commitments they should move",
            )
        )
    return out


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
