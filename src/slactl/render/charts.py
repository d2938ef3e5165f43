"""Charts drawn with matplotlib (Agg, no pyplot, no display): SVG text to inline in the
dashboard, PNG bytes for the digest email.

matplotlib is imported inside each function: only the dashboard, the HTML report's page
and the digest's image pay its start-up. Output is reproducible: a fixed ``svg.hashsalt``,
no date in the metadata, and each SVG's ids prefixed so several sit in one page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PASS = "#1a7f37"
FAIL = "#cf222e"
NEUTRAL = "#8c959f"
INK = "#24292f"
SERIES = ["#0969da", "#bf8700", "#8250df", "#1a7f37", "#cf222e", "#57606a", "#e16f24", "#1b7c83"]

_RC: dict[str, Any] = {
    "svg.hashsalt": "slactl",
    "svg.fonttype": "none",  # text stays text: smaller, selectable, readable in the DOM
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial"],
    "font.size": 9,
    "axes.edgecolor": "#d0d7de",
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _figure(width: float, height: float, *, fixed: bool = False) -> Figure:
    """A figure laid out by matplotlib's constrained layout, or, ``fixed``, by the
    caller's ``subplots_adjust`` (a grid of small panels: constrained layout would measure
    every label of every panel several times)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout=None if fixed else "constrained")


def _rc() -> Any:
    import matplotlib

    return matplotlib.rc_context(_RC)  # type: ignore[arg-type]


def to_svg(fig: Figure, prefix: str) -> str:
    """The figure as an ``<svg>`` element (no XML prolog), its ids prefixed by ``prefix``."""
    buf = io.StringIO()
    with _rc():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)


def to_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    with _rc():
        fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _percent_axis(ax: Any, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0))


def commitment_bars(rows: Sequence[tuple[str, float | None, float, bool]]) -> Figure:
    """One horizontal bar per commitment (id, compliance, target, passed): green when it
    meets its target, red when not, grey when nothing is decided; a black tick at the
    target."""
    with _rc():
        fig = _figure(7.5, 0.42 * len(rows) + 0.8)
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        for y, (_cid, value, target, passed) in zip(ys, rows, strict=True):
            color = NEUTRAL if value is None else (PASS if passed else FAIL)
            ax.barh(y, 1.0, color="#f6f8fa", height=0.6)
            ax.barh(y, value or 0.0, color=color, height=0.6)
            ax.plot([target, target], [y - 0.38, y + 0.38], color=INK, linewidth=2)
            text = "n/a" if value is None else f"{value:.1%}"
            ax.text(1.01, y, f"{text} (target {target:.0%})", va="center", fontsize=8)
        ax.set_yticks(ys, [r[0] for r in rows])
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        _percent_axis(ax, "x")
    return fig


def trend_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], float]],
    *,
    columns: int = 3,
    width: float = 10.0,
) -> Figure:
    """Small multiples: one panel per commitment (id, values, target) with its compliance
    per period as a line and its target as a dashed line; a gap where nothing is decided."""
    with _rc():
        n = max(1, len(series))
        cols = min(columns, n)
        rows = (n + cols - 1) // cols
        height = 1.9 * rows + 0.3
        fig = _figure(width, height, fixed=True)
        fig.subplots_adjust(
            left=0.6 / width,
            right=1 - 0.15 / width,
            bottom=0.35 / height,
            top=1 - 0.3 / height,
            wspace=0.12,
            hspace=0.45 * 1.9 / (1.9 - 0.45),
        )
        axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
        xs = list(range(len(labels)))
        step = max(1, -(-len(labels) // 5))  # five labels at most: they never overlap
        for k, ax in enumerate(axes.flat):
            if k >= len(series):
                ax.set_visible(False)
                continue
            cid, values, target = series[k]
            ys = [float("nan") if v is None else v for v in values]
            ax.axhline(target, color=INK, linestyle="--", linewidth=1)
            ax.plot(xs, ys, color=SERIES[0], marker="o", markersize=3, linewidth=1.5)
            for x, v in zip(xs, values, strict=True):
                if v is not None:
                    ax.plot(x, v, "o", markersize=3, color=PASS if v >= target else FAIL)
            ax.set_title(cid, fontsize=9, loc="left")
            ax.set_ylim(0, 1.05)
            ax.set_xticks(xs[::step], list(labels)[::step])
            _percent_axis(ax)
    return fig


def speed_chart(per_rep: dict[str, list[float]], within: float | None) -> Figure:
    """Business minutes to first touch: all leads as a histogram with the median and the
    90th percentile marked, then one box per rep (whiskers 10th-90th percentile, the
    median a line, the 90th percentile a triangle)."""
    from slactl.usecases.dashboard import percentile

    every = sorted(v for values in per_rep.values() for v in values)
    with _rc():
        fig = _figure(10, 2.2 + 0.32 * len(per_rep))
        top, bottom = fig.subplots(2, 1, height_ratios=[2.2, 0.32 * max(1, len(per_rep)) + 0.4])
        if every:
            top.hist(every, bins=40, color="#54aeff")
            med, p90 = percentile(every, 0.5), percentile(every, 0.9)
            for value, name, style in ((med, "median", "-"), (p90, "90th pct", "--")):
                assert value is not None
                top.axvline(value, color=INK, linestyle=style, linewidth=1.2)
                top.annotate(
                    f"{name} {value:.0f} min",
                    (value, 1),
                    xycoords=("data", "axes fraction"),
                    xytext=(3, -10),
                    textcoords="offset points",
                    fontsize=8,
                )
            if within is not None:
                top.axvline(within, color=FAIL, linewidth=1)
        top.set_ylabel("leads")
        top.set_xlabel("business minutes to first touch")
        reps = list(per_rep)
        data = [per_rep[r] or [0.0] for r in reps]
        if reps:
            bottom.boxplot(
                data,
                orientation="horizontal",
                whis=(10, 90),
                showfliers=False,
                widths=0.6,
                medianprops={"color": INK},
            )
            p90s = [percentile(sorted(values), 0.9) for values in data]
            ks = range(1, len(data) + 1)
            bottom.plot(p90s, ks, linestyle="none", marker=">", color=FAIL, markersize=5)
            bottom.set_yticks(range(1, len(reps) + 1), reps)
            bottom.invert_yaxis()
        bottom.set_xlabel("business minutes (box: 25th-75th, whiskers 10th-90th, ▶ 90th)")
        if within is not None:
            bottom.axvline(within, color=FAIL, linewidth=1)
    return fig


def funnel_chart(stages: Sequence[tuple[str, int]]) -> Figure:
    with _rc():
        fig = _figure(5.5, 0.4 * len(stages) + 0.6)
        ax = fig.add_subplot()
        ys = list(range(len(stages)))[::-1]
        top = max((n for _, n in stages), default=0) or 1
        for y, (_name, n) in zip(ys, stages, strict=True):
            ax.barh(y, n, color=SERIES[0], height=0.6)
            ax.text(n + top * 0.01, y, str(n), va="center", fontsize=8)
        ax.set_yticks(ys, [s[0] for s in stages])
        ax.set_xlim(0, top * 1.15)
    return fig
