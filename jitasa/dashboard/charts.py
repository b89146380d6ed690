"""Charts drawn on the server as SVG: no script, no library to serve, sharp on a projector.

Each chart is an `<svg role="img">` with a `<title>` and text labels on every bar or point,
so the figures can be read without the picture (and by a screen reader).
"""

import math
from html import escape

import shapely

WIDTH = 720
BAR = 28
GAP = 10
LABEL_WIDTH = 200
INK = "#1b1b1b"
MUTED = "#5f6368"


def _svg(height: int, title: str, body: str) -> str:
    """Wrap drawn shapes in an accessible, scalable SVG element."""
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def bars(title: str, rows: list[tuple[str, float | None, str]], colour: str = "#1565c0") -> str:
    """Draw labelled horizontal bars: (label, value, value as text) per row; None draws none."""
    top = max((value or 0 for _label, value, _text in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 90
    body = []
    for i, (label, value, text) in enumerate(rows):
        y = i * (BAR + GAP)
        length = 0 if value is None else max(2, round(span * value / top))
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR * 0.7:.0f}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR}" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + BAR * 0.7:.0f}" fill="{INK}">'
            f"{escape(text)}</text>"
        )
    height = max(1, len(rows)) * (BAR + GAP)
    return _svg(height, title, "".join(body))


def line(title: str, points: list[tuple[str, int]], colour: str = "#c62828") -> str:
    """Draw counts over time as a line with a dot and its number at every point."""
    height, left, right, top_pad, bottom = 220, 40, 20, 24, 40
    top = max((count for _label, count in points), default=0) or 1
    step = (WIDTH - left - right) / max(1, len(points) - 1)

    def xy(i: int, count: int) -> tuple[float, float]:
        return left + i * step, top_pad + (height - top_pad - bottom) * (1 - count / top)

    coords = [xy(i, count) for i, (_label, count) in enumerate(points)]
    path = " ".join(f"{x:.0f},{y:.0f}" for x, y in coords)
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - right}" y2="{height - bottom}" '
        f'stroke="{MUTED}"/>',
        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3"/>',
    ]
    for i, ((label, count), (x, y)) in enumerate(zip(points, coords, strict=True)):
        # the first and last labels run inwards from their dots, so the edges never clip them
        anchor = "start" if i == 0 else "end" if i == len(points) - 1 else "middle"
        body.append(
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="5" fill="{colour}"/>'
            f'<text x="{x:.0f}" y="{y - 10:.0f}" text-anchor="{anchor}">{count}</text>'
            f'<text x="{x:.0f}" y="{height - bottom + 22}" text-anchor="{anchor}" '
            f'fill="{MUTED}">{escape(label)}</text>'
        )
    return _svg(height, title, "".join(body))


def choropleth(title: str, shapes: list[tuple[str, object, str]]) -> str:
    """Draw areas filled by colour: (label, shapely geometry in lon/lat, fill) per area.

    Longitudes are shrunk by the cosine of the middle latitude, so shapes keep their look;
    outlines are simplified to about a pixel. Each area carries its label as a `<title>`.
    """
    if not shapes:
        return ""
    west, south, east, north = shapely.GeometryCollection([g for _l, g, _f in shapes]).bounds
    shrink = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / max((east - west) * shrink, 1e-9)
    height = max(1, round((north - south) * scale))

    def ring(coords) -> str:
        points = " L".join(
            f"{(lon - west) * shrink * scale:.1f},{(north - lat) * scale:.1f}"
            for lon, lat in coords
        )
        return f"M{points}Z"

    body = []
    for label, geometry, fill in shapes:
        simple = shapely.simplify(geometry, 1 / scale, preserve_topology=True)
        parts = getattr(simple, "geoms", [simple])
        path = "".join(
            ring(p.exterior.coords) + "".join(ring(i.coords) for i in p.interiors)
            for p in parts
            if hasattr(p, "exterior")
        )
        body.append(
            f'<path d="{path}" fill="{fill}" fill-rule="evenodd" stroke="#ffffff" '
            f'stroke-width="1"><title>{escape(label)}</title></path>'
        )
    return (
        f'<svg class="chart choropleth" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )
