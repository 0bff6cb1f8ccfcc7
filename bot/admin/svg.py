"""Hand-sized SVG charts, made on the server: no script, no CDN, no stylesheet.

Only presentation attributes (fill, font-size …), never `style`, so the admin page's
Content-Security-Policy (`style-src 'self'`) holds with the charts inline. Every text
is escaped; each chart is an `<svg role="img">` with a `<title>` a screen reader reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
FONT = (
    'font-family="PingFang SC, Microsoft YaHei, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"'
)
INK = "#1a1a1a"
GRID = "#dddddd"
LABEL_CHARS = 16


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[int, ...]
    """One value per series (stacked left to right, or bottom to top)."""


def _open(title: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" class="chart" {FONT} font-size="13" fill="{INK}">',
        f"<title>{escape(title)}</title>",
    ]


def _legend(series: Sequence[Series], y: int) -> list[str]:
    parts, x = [], 8
    for item in series:
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{item.colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y}">{escape(item.name)}</text>')
        x += 28 + 14 * len(item.name)
    return parts


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _nice_top(value: int) -> int:
    """The axis' top: the largest value rounded up to 1, 2 or 5 times a power of ten."""
    top = max(value, 1)
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= top:
                return step * factor
        step *= 10


def stacked_columns(
    title: str, series: Sequence[Series], bars: Sequence[Bar], *, every: int = 5
) -> str:
    """Columns of stacked values (one per day), labelled every `every` columns."""
    height, top, bottom, left = 260, 34, 222, 40
    peak = _nice_top(max((sum(bar.values) for bar in bars), default=0))
    scale = (bottom - top) / peak
    parts = _open(title, height) + _legend(series, 16)
    for tick in sorted({0, peak // 2, peak}):
        y = bottom - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    slot = (WIDTH - 8 - left) / max(len(bars), 1)
    for n, bar in enumerate(bars):
        x, y = left + n * slot + 1, float(bottom)
        for item, value in zip(series, bar.values, strict=True):
            if value:
                h = value * scale
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot - 2:.1f}" height="{h:.1f}" '
                    f'fill="{item.colour}"><title>{escape(bar.label)} {escape(item.name)} '
                    f"{value}</title></rect>"
                )
        if n % every == 0 or n == len(bars) - 1:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{bottom + 18}" text-anchor="middle">'
                f"{escape(bar.label)}</text>"
            )
    return "".join([*parts, "</svg>"])


def horizontal_bars(
    title: str, series: Sequence[Series], bars: Sequence[Bar], *, empty: str = "—"
) -> str:
    """One row per bar, its values stacked left to right, the total at the end."""
    row, top, left = 26, 30, 230
    height = top + row * max(len(bars), 1) + 8
    peak = max((sum(bar.values) for bar in bars), default=0) or 1
    scale = (WIDTH - left - 50) / peak
    parts = _open(title, height) + _legend(series, 16)
    if not bars:
        parts.append(f'<text x="8" y="{top + 18}">{escape(empty)}</text>')
    for n, bar in enumerate(bars):
        y = top + n * row
        parts.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{escape(_short(bar.label))}'
            f"<title>{escape(bar.label)}</title></text>"
        )
        x = float(left)
        for item, value in zip(series, bar.values, strict=True):
            if value:
                w = value * scale
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
                    f'fill="{item.colour}"><title>{escape(item.name)} {value}</title></rect>'
                )
                x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 17}">{sum(bar.values)}</text>')
    return "".join([*parts, "</svg>"])
