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


def _connected(pairs: np.ndarray, n_vertices: int) -> np.ndarray:
    """(V,) the label of the connected piece each vertex belongs to, joined by these (E, 2) edges."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n_vertices,) * 2)
    return connected_components(graph, directed=False)[1]


def components(tris: np.ndarray, n_vertices: int) -> np.ndarray:
    """(V,) the connected piece of the mesh each vertex belongs to (a head's skin, its eyeballs, teeth)."""
    return _connected(edges(tris), n_vertices)


def border(tris: np.ndarray, n_vertices: int) -> Border:
    all_edges = edges(tris)
    owner = np.tile(np.arange(len(tris)), 3)
    key = all_edges.min(1).astype(np.int64) * n_vertices + all_edges.max(1)  # one number per edge: fast to sort
    order = np.argsort(key)
    k = key[order]
    lonely = np.ones(len(k), bool)  # an edge no other triangle shares: unlike both its neighbours in order
    lonely[1:] &= k[1:] != k[:-1]
    lonely[:-1] &= k[:-1] != k[1:]
    one = np.zeros(len(k), bool)
    one[order[lonely]] = True
    open_edges = all_edges[one]
    if len(open_edges) == 0:
        return Border(np.zeros((0, 2), np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    return Border(open_edges, owner[one], _connected(open_edges, n_vertices)[open_edges[:, 0]])


RIM_VERTICES = 6  # a lip rim with fewer vertices between its corners' neighbourhoods keeps all but the corners


def mouth_rims(
    vertices: np.ndarray, tris: np.ndarray, centre: np.ndarray, width: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """The character's own mouth line where its mesh is open there (a mouth with nothing behind it):
    the border loop around `centre` (the mouth's centre, face towards +z, y up) about `width` wide,
    split at its corners into the upper and the lower rim's vertices (the corners' neighbourhoods
    left out); None when there is no such loop."""
    # the mesh around the mouth only (its cut edge is a loop too wide to be the mouth)
    near = np.linalg.norm(vertices[:, :2] - centre[:2], axis=1) < 1.5 * width
    tris = tris[near[tris].all(1)]  # the border's owners index these
    b = border(tris, len(vertices))
    candidates = []
    for k in b.loops():
        ring = vertices[b.vertices_of(k)]
        span = np.ptp(ring[:, :2], axis=0)
        off = float(np.linalg.norm(ring[:, :2].mean(0) - centre[:2]))
        if off < 0.3 * width and 0.3 * width < span[0] < 1.6 * width and span[1] < 0.8 * width:
            candidates.append((off, int(k)))
    if not candidates:
        return None
    k = min(candidates)[1]
    loop_edges, owners = b.edges[b.loop == k], b.owner[b.loop == k]
    ring = np.unique(loop_edges)
    x = vertices[:, 0]
    left, right = ring[np.argmin(x[ring])], ring[np.argmax(x[ring])]
    arcs = _arcs(loop_edges, left, right)
    if arcs is None:
        return None
    # an arc's side is where the triangles along it lie: the upper rim's are above the lower rim's
    owner = {(int(a), int(c)): int(t) for (a, c), t in zip(loop_edges, owners, strict=True)}
    height = {name: np.mean([vertices[tris[owner[e]], 1].mean() for e in steps]) for name, (_, steps) in arcs.items()}
    upper, lower = sorted(arcs, key=lambda name: -height[name])
    span = x[right] - x[left]
    rims = []
    for vs in (arcs[upper][0], arcs[lower][0]):  # the corners' neighbourhoods left out...
        inner = vs[(x[vs] > x[left] + 0.1 * span) & (x[vs] < x[right] - 0.1 * span)]
        # ...but on a low-poly mouth, whose rim has a few vertices, only the corners themselves: a rim
        # of two vertices leaves the rest of its lip nearer the other lip along the surface
        rims.append(inner if len(inner) >= RIM_VERTICES else vs[(vs != left) & (vs != right)])
    return (rims[0], rims[1]) if len(rims[0]) and len(rims[1]) else None


def _arcs(loop_edges: np.ndarray, start: int, end: int) -> dict | None:
    """The loop walked from `start` along its edges' direction: the arc to `end` and the arc back,
    as (vertices, edges); None when the loop is not one simple cycle."""
    nxt = {}
    for a, c in loop_edges:
        if int(a) in nxt:
            return None
        nxt[int(a)] = int(c)
    arcs, at = {}, start
    for name, goal in (("out", end), ("back", start)):
        path, steps = [at], []
        while at != goal or not steps:
            if at not in nxt or len(steps) > len(loop_edges):
                return None
            steps.append((at, nxt[at]))
            at = nxt[at]
            path.append(at)
        arcs[name] = (np.array(path), steps)
    return arcs
