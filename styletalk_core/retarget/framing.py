"""Where the detector looks: the views of a character's front render, head first. A face part can be
a head, a bust under a tall crown or a whole body, so after the view of the whole part come square
views of its top (the head of a standing figure), then squares stepping down it. Pure geometry: the
views are (centre x, centre y, half side) in the front view (face towards +z, y up)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .correspondence import square

TOP_SHARES = (0.15, 0.3)  # a head is ~1/7.5 of a standing figure's height; a bust's head is more
STEP_SHARES = (0.25,)  # squares of this share of the height, stepping down by half of it
MARGIN = 0.15


@dataclass(frozen=True)
class Window:
    name: str  # how the view was framed, for the report ("whole part", "top 15%", ...)
    cx: float
    cy: float
    half: float


def _band(xy: np.ndarray, top: float, bottom: float, name: str) -> Window | None:
    """A square on the points between heights `bottom` and `top`, centred where they are."""
    inside = xy[(xy[:, 1] <= top) & (xy[:, 1] >= bottom)]
    if len(inside) < 3:
        return None
    cx = float(np.median(inside[:, 0]))
    side = top - bottom
    return Window(name, cx, 0.5 * (top + bottom), 0.5 * side * (1 + MARGIN))


def windows(xy: np.ndarray, full: bool = True) -> list[Window]:
    """The views to search, in order, for points (N, 2) of the face part in the front view; `full`
    adds the squares stepping down the part (a figure's head under a crown, in a scene)."""
    cx, cy, half = square(np.asarray(xy, np.float64), MARGIN)
    out = [Window("whole part", cx, cy, half)]
    lo, hi = float(xy[:, 1].min()), float(xy[:, 1].max())
    height = hi - lo
    if height <= 0:
        return out
    bands = [(hi, hi - s * height, f"top {s:.0%}") for s in TOP_SHARES]
    if full:
        for s in STEP_SHARES:
            for k in range(1, int(2 / s) - 1):
                top = hi - 0.5 * k * s * height
                bands.append((top, top - s * height, f"{s:.0%} square {100 * (hi - top) / height:.0f}% down"))
    for top, bottom, name in bands:
        window = _band(xy, top, bottom, name)
        if window is not None and window.half < 0.95 * half:
            out.append(window)
    return out
