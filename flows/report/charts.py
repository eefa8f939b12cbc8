"""Inline SVG charts for the run report: no JavaScript, no network, no plotting library.

The report must open anywhere (an auditor's laptop, an email attachment, an air-gapped
share) and look the same, so charts are plain SVG strings embedded in the HTML. Each chart is a
function of plain numbers; every bar carries its value as a label and a <title> tooltip, and
axes have nice round ticks, so a chart can be read without hovering or guessing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

#: Colour-blind-safe palette (Okabe-Ito), in the order series are drawn.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
AXIS = "#5b6470"
GRID = "#e3e7ec"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"


def nice_ticks(vmax: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """0 .. >= vmax in 1/2/2.5/5 x 10^k steps (axis ticks people can read at a glance);
    `integer` keeps steps whole for counts (no '0.5 rows')."""
    if vmax <= 0:
        return [0.0, 1.0]
    raw = vmax / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1, math.ceil(step))
    n = math.ceil(vmax / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def fmt_count(v: float) -> str:
    """1234 -> '1,234'; 12345 -> '12.3k'; 1.2e6 -> '1.2M' (tick labels stay short)."""
    if abs(v) >= 1e6:
        return f"{v / 1e6:.1f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.1f}k"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def fmt_pct(v: float) -> str:
    return f"{v * 100:.1f}%"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" style="max-width:100%;height:auto;{FONT}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(
    x: float, y: float, s: str, *, anchor: str = "start", size: int = 12, fill: str = "#1f2933",
    weight: str = "normal", extra: str = "",
) -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" font-weight="{weight}" {extra}>{escape(s)}</text>'
    )


def _empty(title: str, width: int, message: str = "no data in this run") -> str:
    return _svg(width, 60, title, [_text(width / 2, 34, message, anchor="middle", fill=AXIS)])


def hbar(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    value_format: Callable[[float], str] = fmt_count,
    max_value: float | None = None,
    width: int = 560,
    color: str = PALETTE[0],
    axis_label: str = "",
) -> str:
    """Horizontal bars, one per (label, value), labelled with their values; largest first is the
    caller's choice (order is kept). `max_value` fixes the scale, e.g. 1.0 for rates."""
    if not items:
        return _empty(title, width)
    label_w = min(340, 16 + 7 * max(len(label) for label, _ in items))
    bar_h, gap, top = 22, 8, 10
    plot_w = width - label_w - 70
    counts = max_value is None and all(float(v).is_integer() for _, v in items)
    top_value = max_value if max_value is not None else max(v for _, v in items) or 1.0
    ticks = nice_ticks(top_value, integer=counts)
    scale = plot_w / ticks[-1]
    plot_h = len(items) * (bar_h + gap)
    height = top + plot_h + 44
    body: list[str] = []
    for t in ticks:
        x = label_w + t * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{GRID}"/>'
        )
        body.append(
            _text(x, top + plot_h + 16, value_format(t), anchor="middle", size=11, fill=AXIS)
        )
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = max(0.0, value * scale)
        shown = label if len(label) <= 46 else label[:45] + "…"
        body.append(_text(label_w - 8, y + bar_h / 2 + 4, shown, anchor="end"))
        body.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2" fill="{color}">'
            f"<title>{escape(label)}: {escape(value_format(value))}</title></rect>"
        )
        body.append(_text(label_w + w + 6, y + bar_h / 2 + 4, value_format(value), weight="600"))
    body.append(
        f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{top + plot_h}" stroke="{AXIS}"/>'
    )
    if axis_label:
        body.append(
            _text(label_w + plot_w / 2, height - 6, axis_label, anchor="middle", size=11, fill=AXIS)
        )
    return _svg(width, height, title, body)


def histogram(
    edges: Sequence[float],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    x_label: str,
    y_label: str = "count",
    width: int = 560,
    height: int = 280,
    marker: float | None = None,
    marker_label: str | None = None,
    colors: Mapping[str, str] | None = None,
) -> str:
    """Vertical bars over bins `edges[i]..edges[i+1]`, stacked by series, with a legend and an
    optional vertical marker (e.g. the link threshold)."""
    nbins = len(edges) - 1
    totals = [sum(s[i] for s in series.values()) for i in range(nbins)]
    if nbins <= 0 or not any(totals):
        return _empty(title, width)
    left, right, top, bottom = 56, 16, 30, 48
    pw, ph = width - left - right, height - top - bottom
    ticks = nice_ticks(max(totals), integer=True)
    ys = ph / ticks[-1]
    lo, hi = edges[0], edges[-1]

    def sx(v: float) -> float:
        return left + (v - lo) / (hi - lo) * pw

    body: list[str] = []
    for t in ticks:
        y = top + ph - t * ys
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y + 4, fmt_count(t), anchor="end", size=11, fill=AXIS))
    palette = dict(colors or {})
    for k, name in enumerate(series):
        palette.setdefault(name, PALETTE[k % len(PALETTE)])
    for i in range(nbins):
        x0, x1 = sx(edges[i]) + 1, sx(edges[i + 1]) - 1
        base: float = top + ph
        for name, values in series.items():
            v = values[i]
            if not v:
                continue
            h = v * ys
            base -= h
            body.append(
                f'<rect x="{x0:.1f}" y="{base:.1f}" width="{max(x1 - x0, 1):.1f}" height="{h:.1f}" '
                f'fill="{palette[name]}"><title>{escape(name)} {edges[i]:g}–{edges[i + 1]:g}: '
                f"{fmt_count(v)}</title></rect>"
            )
        if totals[i] and (x1 - x0) >= 18:
            body.append(
                _text(
                    (x0 + x1) / 2,
                    base - 4,
                    fmt_count(totals[i]),
                    anchor="middle",
                    size=10,
                    fill=AXIS,
                )
            )
    for t in nice_ticks(hi - lo, 5) if hi - lo > 0 else []:
        x = sx(lo + t)
        body.append(
            f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 4}" stroke="{AXIS}"/>'
        )
        body.append(_text(x, top + ph + 17, f"{lo + t:g}", anchor="middle", size=11, fill=AXIS))
    body.append(
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="{AXIS}"/>'
    )
    body.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="{AXIS}"/>')
    body.append(_text(left + pw / 2, height - 8, x_label, anchor="middle", size=12, fill=AXIS))
    body.append(
        _text(14, top + ph / 2, y_label, anchor="middle", size=12, fill=AXIS,
              extra=f'transform="rotate(-90 14 {top + ph / 2:.1f})"')
    )  # fmt: skip
    if marker is not None and lo <= marker <= hi:
        x = sx(marker)
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + ph}" stroke="#c0392b" '
            'stroke-width="2" stroke-dasharray="5 3"/>'
        )
        if marker_label:
            anchor = "end" if x > left + pw * 0.7 else "start"
            dx = -5 if anchor == "end" else 5
            body.append(
                _text(
                    x + dx,
                    top + 8,
                    marker_label,
                    anchor=anchor,
                    size=11,
                    fill="#c0392b",
                    weight="600",
                )
            )
    body.extend(_legend(list(series), palette, left, 14) if len(series) > 1 else [])
    return _svg(width, height, title, body)


def _legend(names: list[str], palette: Mapping[str, str], x: float, y: float) -> list[str]:
    out = []
    for name in names:
        out.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{palette[name]}"/>')
        out.append(_text(x + 14, y, name, size=11))
        x += 26 + 6.5 * len(name)
    return out


def reliability_diagram(rows: Sequence[Mapping[str, Any]], *, title: str, size: int = 380) -> str:
    """Calibration: per confidence bin, observed accuracy against stated confidence.

    Bars span each bin (lo..hi) up to its accuracy; dots sit at (mean confidence, accuracy); the
    diagonal is perfect calibration, so a bar below it means over-confidence. Bin counts are
    printed above the bars, and the expected calibration error (ECE) in the corner.
    """
    rows = [r for r in rows if r.get("n")]
    if not rows:
        return _empty(title, size)
    left, right, top, bottom = 50, 14, 28, 46
    pw, ph = size - left - right, size - top - bottom

    def sx(v: float) -> float:
        return left + v * pw

    def sy(v: float) -> float:
        return top + ph - v * ph

    body: list[str] = []
    for t in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        body.append(
            f'<line x1="{left}" y1="{sy(t):.1f}" x2="{left + pw}" y2="{sy(t):.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, sy(t) + 4, f"{t:.1f}", anchor="end", size=11, fill=AXIS))
        body.append(_text(sx(t), top + ph + 17, f"{t:.1f}", anchor="middle", size=11, fill=AXIS))
    body.append(
        f'<line x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(1):.1f}" y2="{sy(1):.1f}" '
        f'stroke="{AXIS}" stroke-dasharray="4 4"/>'
    )
    total = sum(int(r["n"]) for r in rows)
    ece = 0.0
    for r in rows:
        lo, hi = float(r["lo"]), float(r["hi"])
        acc, conf, n = float(r["accuracy"]), float(r["mean_confidence"]), int(r["n"])
        ece += n / total * abs(conf - acc)
        x0, x1 = sx(lo) + 1, sx(hi) - 1
        colour = PALETTE[0] if acc >= conf else PALETTE[3]
        body.append(
            f'<rect x="{x0:.1f}" y="{sy(acc):.1f}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{sy(0) - sy(acc):.1f}" fill="{colour}" fill-opacity="0.35" stroke="{colour}">'
            f"<title>confidence {lo:.1f}–{hi:.1f}: n={n:,}, mean confidence {conf:.3f}, "
            f"accuracy {acc:.3f}</title></rect>"
        )
        body.append(f'<circle cx="{sx(conf):.1f}" cy="{sy(acc):.1f}" r="3.5" fill="{colour}"/>')
        body.append(
            _text((x0 + x1) / 2, sy(acc) - 5, fmt_count(n), anchor="middle", size=9, fill=AXIS)
        )
    body.append(
        f'<line x1="{left}" y1="{sy(0):.1f}" x2="{left + pw}" y2="{sy(0):.1f}" stroke="{AXIS}"/>'
    )
    body.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{sy(0):.1f}" stroke="{AXIS}"/>')
    body.append(_text(left + 8, top + 12, f"ECE {ece:.3f}", size=12, weight="600"))
    body.append(_text(left + pw / 2, size - 8, "stated confidence", anchor="middle", fill=AXIS))
    body.append(
        _text(14, top + ph / 2, "observed accuracy", anchor="middle", fill=AXIS,
              extra=f'transform="rotate(-90 14 {top + ph / 2:.1f})"')
    )  # fmt: skip
    return _svg(size, size, title, body)
