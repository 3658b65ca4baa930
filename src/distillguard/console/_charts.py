"""Small charts drawn by the server as inline SVG: no JavaScript, nothing fetched.

Each function returns :class:`markupsafe.Markup`; every piece of text placed in the SVG is
escaped first, so an account id or a tag name can never inject markup. Charts carry
``role="img"``, an ``aria-label`` summary and a ``<title>`` per mark (a hover tooltip and
what a screen reader reads); pages put the same numbers in a table or text beside them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from markupsafe import Markup, escape

__all__ = ["bar_chart", "hbar_chart", "timeline_chart"]

_INK = "#1f2933"
_MUTED = "#8a96a3"
_BAR = "#5b7da8"
_HOT = "#c2412d"


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


def _fmt(n: float) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    return f"{n:,.0f}"


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    highlight: Sequence[float] | None = None,
    label: str,
    unit: str = "exchanges",
    highlight_name: str = "flagged",
    width: int = 720,
    height: int = 170,
    every: int = 1,
) -> Markup:
    """Vertical bars; ``highlight`` draws the part of each bar to stress (e.g. flagged)."""
    n = len(values)
    if n == 0:
        return _svg(width, 40, label, [f'<text x="4" y="24" fill="{_MUTED}">no data</text>'])
    top, bottom, left = 16, 22, 44
    plot_h = height - top - bottom
    plot_w = width - left - 4
    peak = max(max(values), 1)
    step = plot_w / n
    bar_w = max(1.0, step * 0.8)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}" '
        f'stroke="{_MUTED}"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="10" '
        f'fill="{_MUTED}">{_fmt(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="10" '
        f'fill="{_MUTED}">0</text>',
    ]
    for i, (name, v) in enumerate(zip(labels, values, strict=True)):
        x = left + i * step + (step - bar_w) / 2
        h = plot_h * v / peak
        tip = f"{name}: {v:,.0f} {unit}"
        parts = [
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="{_BAR}"/>'
        ]
        if highlight is not None and highlight[i]:
            hh = plot_h * highlight[i] / peak
            tip += f", {highlight[i]:,.0f} {highlight_name}"
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - hh:.1f}" width="{bar_w:.1f}" '
                f'height="{hh:.1f}" fill="{_HOT}"/>'
            )
        body.append(f"<g><title>{escape(tip)}</title>{''.join(parts)}</g>")
        if i % every == 0:
            body.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                f'font-size="10" fill="{_INK}">{escape(name)}</text>'
            )
    return _svg(width, height, label, body)


def hbar_chart(
    shares: Mapping[str, float], *, label: str, width: int = 360, row: int = 20
) -> Markup:
    """Horizontal bars of shares in [0, 1] (e.g. the capability mix), labelled in percent."""
    items = list(shares.items())
    height = row * len(items) + 4
    left, right = 110, 48
    plot_w = width - left - right
    body = []
    for i, (name, share) in enumerate(items):
        y = 2 + i * row
        w = max(0.0, min(1.0, float(share))) * plot_w
        body.append(
            f"<g><title>{escape(name)}: {share:.0%}</title>"
            f'<text x="{left - 6}" y="{y + row * 0.7:.1f}" text-anchor="end" font-size="12" '
            f'fill="{_INK}">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{plot_w}" height="{row - 6}" fill="#eef1f4"/>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{_BAR}"/>'
            f'<text x="{left + plot_w + 6}" y="{y + row * 0.7:.1f}" font-size="12" '
            f'fill="{_INK}">{share:.0%}</text></g>'
        )
    return _svg(width, height, label, body)


def _hour_label(hour: int) -> str:
    return datetime.fromtimestamp(hour * 3600, UTC).strftime("%m-%d %H:00")


def timeline_chart(
    members: Sequence[str],
    counts: Mapping[str, Mapping[int, int]],
    flagged: Mapping[str, int],
    start_hour: int,
    end_hour: int,
    *,
    label: str,
    width: int = 900,
    row: int = 14,
) -> Markup:
    """One row per account, one cell per time bin shaded by volume; a red tick marks the
    hour the account was first flagged. Synchronised bursts across rows stand out."""
    if not members:
        return _svg(width, 40, label, [f'<text x="4" y="24" fill="{_MUTED}">no exchanges</text>'])
    left, top = 170, 18
    span = max(1, end_hour - start_hour + 1)
    bins = min(span, 168)
    per_bin = -(-span // bins)
    bins = -(-span // per_bin)
    cell = (width - left - 4) / bins
    height = top + row * len(members) + 4
    peak = 1
    binned: dict[str, dict[int, int]] = {}
    for m in members:
        b: dict[int, int] = {}
        for hour, n in counts.get(m, {}).items():
            k = (hour - start_hour) // per_bin
            b[k] = b.get(k, 0) + n
        binned[m] = b
        peak = max(peak, *b.values(), 1)
    body = [
        f'<text x="{left}" y="12" font-size="10" fill="{_MUTED}">'
        f"{escape(_hour_label(start_hour))} UTC</text>",
        f'<text x="{width - 4}" y="12" font-size="10" text-anchor="end" fill="{_MUTED}">'
        f"{escape(_hour_label(end_hour))} · {per_bin} h per cell</text>",
    ]
    for r, m in enumerate(members):
        y = top + r * row
        body.append(
            f'<text x="{left - 6}" y="{y + row - 3}" font-size="11" text-anchor="end" '
            f'font-family="monospace" fill="{_INK}">{escape(m)}</text>'
        )
        for k, n in sorted(binned[m].items()):
            opacity = 0.25 + 0.75 * n / peak
            when = _hour_label(start_hour + k * per_bin)
            body.append(
                f'<rect x="{left + k * cell:.1f}" y="{y + 1}" width="{max(cell, 1.0):.1f}" '
                f'height="{row - 2}" fill="{_BAR}" fill-opacity="{opacity:.2f}">'
                f"<title>{escape(m)} {escape(when)}: {n} exchanges</title></rect>"
            )
        if m in flagged:
            k = (flagged[m] - start_hour) // per_bin
            x = left + k * cell
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="2" height="{row}" fill="{_HOT}">'
                f"<title>{escape(m)} first flagged {escape(_hour_label(flagged[m]))}</title>"
                "</rect>"
            )
    return _svg(width, height, label, body)
