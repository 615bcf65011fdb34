"""A triangle mesh's own structure, for the retargeting math: its edges, the loops along its open
border (the holes at the eyes, the mouth, the neck) and the character's own mouth line."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def edges(tris: np.ndarray) -> np.ndarray:
    """(3F, 2) every triangle's edges, each in the direction its triangle runs."""
    return np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])


@dataclass(frozen=True)
class Border:
    """The mesh's open edges (used by one triangle), each in its triangle's direction, the triangle,
    and which loop of the border it belongs to (the loop's label is that of its connected component)."""

    edges: np.ndarray  # (B, 2)
    owner: np.ndarray  # (B,) the triangle of each edge
    loop: np.ndarray  # (B,) loop label of each edge

    def loops(self) -> np.ndarray:
        return np.unique(self.loop)

    def lengths(self, vertices: np.ndarray) -> dict[int, float]:
        n = np.linalg.norm(vertices[self.edges[:, 0]] - vertices[self.edges[:, 1]], axis=1)
        return {int(k): float(n[self.loop == k].sum()) for k in self.loops()}

    def vertices_of(self, loop: int) -> np.ndarray:
        return np.unique(self.edges[self.loop == loop])


def border(tris: np.ndarray, n_vertices: int) -> Border:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    all_edges = edges(tris)
    owner = np.tile(np.arange(len(tris)), 3)
    _, inverse, counts = np.unique(np.sort(all_edges, axis=1), axis=0, return_inverse=True, return_counts=True)
    one = counts[inverse.reshape(-1)] == 1
    open_edges = all_edges[one]
    if len(open_edges) == 0:
        return Border(np.zeros((0, 2), np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    graph = coo_matrix((np.ones(len(open_edges)), (open_edges[:, 0], open_edges[:, 1])), shape=(n_vertices,) * 2)
    label = connected_components(graph, directed=False)[1]
    return Border(open_edges, owner[one], label[open_edges[:, 0]])


def mouth_rims(vertices: np.ndarray, tris: np.ndarray, centre: np.ndarray, width: float,
               found: Border | None = None) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """The character's own mouth line where its mesh is open there (a mouth with nothing behind it):
    the border loop around `centre` (the mouth's centre, face towards +z, y up) about `width` wide,
    split at its corners into the upper and the lower rim's vertices (the corners' neighbourhoods
    left out); None when there is no such loop."""
    b = found if found is not None else border(tris, len(vertices))
    candidates = []
    for k in b.loops():
        ring = vertices[b.vertices_of(k)]
        span = np.ptp(ring[:, :2], axis=0)
        off = float(np.linalg.norm(ring[:, :2].mean(0) - centre[:2]))
        if off < 0.3 * width and 0.3 * width < span[0] < 1.6 * width and span[1] < 0.8 * width:
            candidates.append((off, int(k)))
    if not candidates:
        return None
    ring = b.vertices_of(min(candidates)[1])
    x, y = vertices[ring, 0], vertices[ring, 1]
    left, right = ring[np.argmin(x)], ring[np.argmax(x)]
    a, c = vertices[left, :2], vertices[right, :2]
    seam = a[1] + (x - a[0]) * (c[1] - a[1]) / max(c[0] - a[0], 1e-12)
    inside = (x > a[0] + 0.1 * (c[0] - a[0])) & (x < c[0] - 0.1 * (c[0] - a[0]))
    upper, lower = ring[inside & (y > seam)], ring[inside & (y < seam)]
    return (upper, lower) if len(upper) and len(lower) else None
