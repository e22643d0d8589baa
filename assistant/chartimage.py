"""A chart as a PNG for the Word meeting record: horizontal bars, full labels, measure and unit on the axis.

The page draws its charts in HTML; a Word document needs a picture, so the same
``Chart`` data is drawn with matplotlib here.  Matplotlib's default font has no
Chinese glyphs, so a CJK font installed on the machine (Noto Sans CJK from
fonts-noto-cjk on Debian, YaHei or SimHei on Windows) is looked up by name.
The ``Figure`` API is used without pyplot so drawing is safe from the page's
worker threads.
"""

from __future__ import annotations

import io
from functools import cache

from matplotlib import font_manager
from matplotlib.figure import Figure

from assistant.presenting import Chart

_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
                 "Microsoft YaHei", "SimHei", "PingFang SC")
_BAR_HEIGHT = 0.32  # inches per bar: labels of two lines still fit
_WIDTH = 7.5  # inches: the text width of an A4 page with normal margins
_DPI = 160
_WRAP = 16  # characters per label line


@cache
def cjk_family() -> str:
    """The first installed font family that has Chinese glyphs (matplotlib's default otherwise)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FAMILIES if name in installed), "sans-serif")


def chart_png(chart: Chart) -> bytes:
    """Every item of the chart as horizontal bars, first item on top, values printed at the bars."""
    labels = [_wrap(label) for label, _ in chart.items]
    values = [value for _, value in chart.items]
    figure = Figure(figsize=(_WIDTH, 1.2 + _BAR_HEIGHT * len(values)), dpi=_DPI)
    font = {"family": cjk_family()}
    axes = figure.add_subplot()
    positions = range(len(values))
    axes.barh(positions, values, color="#3b6fb6", height=0.62)
    axes.set_yticks(list(positions), labels, fontdict={**font, "size": 8})
    axes.invert_yaxis()
    axes.set_xlabel(chart.axis, fontdict={**font, "size": 9})
    axes.set_title(chart.title, fontdict={**font, "size": 10})
    axes.tick_params(axis="x", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", color="#dde3ea", linewidth=0.6)
    axes.set_axisbelow(True)
    widest = max((abs(v) for v in values), default=0) or 1
    for position, value in zip(positions, values, strict=True):
        axes.text(value + widest * 0.01, position, f"{value:,.2f}".rstrip("0").rstrip("."),
                  va="center", ha="left" if value >= 0 else "right", fontsize=7, fontfamily=font["family"])
    axes.set_xlim(min(0, min(values)) * 1.15, max(0, max(values)) * 1.15 or 1)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _wrap(label: str) -> str:
    """A long label on lines of ``_WRAP`` characters, so no label is cut off."""
    return "\n".join(label[i : i + _WRAP] for i in range(0, len(label), _WRAP)) or " "
