"""Charts drawn on the server as PNG and SVG (matplotlib), with a Japanese font embedded in the output.

Every page shows these images (with the numbers beside them in a table), and the downloads are the same
bytes, so what a clerk pastes into a report is what they saw. Japanese text needs a font with its glyphs:
IPAex Gothic (IPA Font License v1.0, an OSI-approved licence that allows embedding in documents and images)
from the pinned `matplotlib-fontja` package, or the file named by `KAIDAN_CHART_FONT`. SVGs draw text as
paths (`svg.fonttype = path`), so they look the same on a machine without the font. A missing font is a
clear error (`ChartFontMissing`) and a startup check (kaidan.E020), never tofu boxes.
"""

from __future__ import annotations

import importlib.util
import io
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kaidan.core.errors import DomainError

from .data import ChartData, label_of
from .spec import ChartType

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported where a chart is drawn, not with this module: the URL configuration imports
# this module, and matplotlib's import (about a second of CPU) would otherwise delay every `kaidan`
# command and every server start.

PALETTE = ["#0017c1", "#e25100", "#197a4b", "#8843e1", "#c2185b", "#00798c", "#6b5300", "#5f6368", "#1b6fdc"]
INK = "#1a1a1c"
GRID = "#d8d8db"
_lock = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe


class ChartFontMissing(DomainError):
    status = 500
    default = _(
        "No Japanese font for charts: install matplotlib-fontja or set KAIDAN_CHART_FONT to a .ttf/.otf file."
    )


def packaged_font() -> Path | None:
    """IPAex Gothic as shipped by matplotlib-fontja (found without importing it: its import restyles
    matplotlib globally)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    return path if path.is_file() else None


def font_path() -> Path:
    configured = getattr(settings, "CHART_FONT", "")
    path = Path(configured) if configured else packaged_font()
    if path is None or not path.is_file():
        raise ChartFontMissing()
    return path


@cache
def _family(path: str) -> str:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def _style() -> Any:
    family = _family(str(font_path()))
    return {
        "font.family": [family, "DejaVu Sans"],
        "svg.fonttype": "path",
        "axes.unicode_minus": False,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "text.color": INK,
        "svg.hashsalt": "kaidan",
    }


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return label_of(value)


def _tick(value: float, _position: Any = None) -> str:
    """Axis numbers as people write them: 194,851,582 rather than 1.9e8."""
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _value_axis(axis: Any, narrow: bool = False) -> None:
    """Few ticks with whole numbers, so long figures (194,851,582) never run into each other."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=2 if narrow else 4))
    axis.set_major_formatter(FuncFormatter(_tick))


def _numbers(values: Sequence[Any]) -> list[float]:
    return [float(v) if isinstance(v, int | float) else 0.0 for v in values]


def _bar(fig: Figure, data: ChartData, narrow: bool = False) -> None:
    ax = fig.subplots()
    labels = [label_of(r[0]) for r in data.rows][::-1]
    values = _numbers([r[1] for r in data.rows])[::-1]
    bars = ax.barh(labels, values, color=PALETTE[0])
    ax.bar_label(bars, labels=[_format(v) for v in [r[1] for r in data.rows][::-1]], padding=3, fontsize=9)
    ax.set_xlabel(data.headings[1])
    _value_axis(ax.xaxis, narrow)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.margins(x=0.12)


def _line(fig: Figure, data: ChartData, narrow: bool = False) -> None:
    ax = fig.subplots()
    labels = [label_of(r[0]) for r in data.rows]
    values = _numbers([r[1] for r in data.rows])
    ax.plot(labels, values, color=PALETTE[0], marker="o", linewidth=2)
    ax.set_ylabel(data.headings[1])
    ax.set_xlabel(data.headings[0])
    _value_axis(ax.yaxis, narrow)
    ax.set_ylim(bottom=min([0.0, *values]))
    ax.grid(color=GRID, linewidth=0.6)
    if len(labels) > 6:
        ax.tick_params(axis="x", labelrotation=45)


def _stacked(fig: Figure, data: ChartData, narrow: bool = False) -> None:
    ax = fig.subplots()
    labels = list(dict.fromkeys(label_of(r[0]) for r in data.rows))
    series = list(dict.fromkeys(label_of(r[1]) for r in data.rows))
    values = {(label_of(r[0]), label_of(r[1])): float(r[2] or 0) for r in data.rows}
    shown = labels[::-1]
    left = [0.0] * len(shown)
    for i, name in enumerate(series):
        widths = [values.get((label, name), 0.0) for label in shown]
        ax.barh(shown, widths, left=left, color=PALETTE[i % len(PALETTE)], label=name)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_xlabel(data.headings[2])
    _value_axis(ax.xaxis, narrow)
    where = (
        {"loc": "upper center", "bbox_to_anchor": (0.5, -0.3), "ncols": 2}
        if narrow
        else {
            "loc": "upper left",
            "bbox_to_anchor": (1.01, 1.0),
        }
    )
    ax.legend(title=data.headings[1], fontsize=9, title_fontsize=9, frameon=False, **where)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _pie(fig: Figure, data: ChartData, narrow: bool = False) -> None:
    ax = fig.subplots()
    values = _numbers([r[1] for r in data.rows])
    if sum(values) <= 0:
        ax.text(0.5, 0.5, str(_("No data")), ha="center", va="center")
        ax.axis("off")
        return
    labels = [label_of(r[0]) for r in data.rows]
    _wedges, _texts, percents = ax.pie(
        values,
        labels=labels,
        colors=[PALETTE[i % len(PALETTE)] for i in range(len(values))],
        autopct="%1.0f%%",
        startangle=90,
        counterclock=False,
        wedgeprops={"linewidth": 1, "edgecolor": "white"},
        textprops={"fontsize": 9},
    )
    for text in percents:
        text.set_color("white")
    ax.axis("equal")


def _scatter(fig: Figure, data: ChartData, narrow: bool = False) -> None:
    ax = fig.subplots()
    ax.scatter(
        _numbers([r[0] for r in data.rows]), _numbers([r[1] for r in data.rows]), s=12, color=PALETTE[0]
    )
    ax.set_xlabel(data.headings[0])
    ax.set_ylabel(data.headings[1])
    _value_axis(ax.xaxis, narrow)
    _value_axis(ax.yaxis, narrow)
    ax.grid(color=GRID, linewidth=0.6)


def _table(fig: Figure, data: ChartData, narrow: bool = False) -> None:
    ax = fig.subplots()
    ax.axis("off")
    cells = [[_format(v) for v in row] for row in data.rows] or [["—"] * len(data.headings)]
    table = ax.table(cellText=cells, colLabels=data.headings, loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1, 1.3)


def _number(fig: Figure, data: ChartData, narrow: bool = False) -> None:
    fig.text(
        0.5,
        0.5,
        _format(data.number) if data.number is not None else "—",
        ha="center",
        va="center",
        fontsize=44,
        color=PALETTE[0],
    )
    fig.text(0.5, 0.18, data.headings[0], ha="center", va="center", fontsize=12)


DRAW = {
    ChartType.BAR: _bar,
    ChartType.LINE: _line,
    ChartType.STACKED: _stacked,
    ChartType.PIE: _pie,
    ChartType.SCATTER: _scatter,
    ChartType.TABLE: _table,
    ChartType.NUMBER: _number,
}


def _height(data: ChartData) -> float:
    if data.spec.type is ChartType.NUMBER:
        return 2.6
    if data.spec.type in (ChartType.BAR, ChartType.STACKED, ChartType.TABLE):
        categories = len({r[0] for r in data.rows})
        return max(3.2, min(12.0, 1.2 + 0.32 * categories))
    return 4.5


_drawn: OrderedDict[Hashable, bytes] = OrderedDict()
DRAWN_KEPT = 256


NARROW = 4.6  # inches: a phone's width at 100 dpi, drawn so its text stays readable there
WIDE = 8.0


def render(data: ChartData, title: str, fmt: str = "png", narrow: bool = False) -> bytes:
    """The chart as PNG or SVG bytes (titles, labels and legends in the embedded Japanese font).

    A picture depends only on what it shows, so the last DRAWN_KEPT pictures are kept by their content
    (type, title, headings and figures): a dashboard opened again over unchanged data is not drawn again,
    and different readers' figures never share a picture."""
    key = (fmt, narrow, title, str(data.spec.type), tuple(data.headings), tuple(data.rows), str(font_path()))
    with _lock:
        found = _drawn.get(key)
        if found is not None:
            _drawn.move_to_end(key)
            return found
        drawn = _draw(data, title, fmt, narrow)
        _drawn[key] = drawn
        while len(_drawn) > DRAWN_KEPT:
            _drawn.popitem(last=False)
        return drawn


def _draw(data: ChartData, title: str, fmt: str, narrow: bool = False) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_style()):
        fig = Figure(figsize=(NARROW if narrow else WIDE, _height(data)), dpi=100, layout="constrained")
        fig.patch.set_facecolor("white")
        if data.spec.type is not ChartType.NUMBER or title:
            fig.suptitle(title, fontsize=13, x=0.01, ha="left")
        DRAW[data.spec.type](fig, data, narrow)
        out = io.BytesIO()
        if fmt == "svg":
            FigureCanvasSVG(fig).print_svg(out, metadata={"Date": None, "Creator": "Kaidan"})
        else:
            FigureCanvasAgg(fig).print_png(out, metadata={"Software": "Kaidan"})
        return out.getvalue()
