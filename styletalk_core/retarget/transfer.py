"""Shape keys for a character that has none: our basis's displacements at the correspondence points,
brought into the character's frame and size, spread smoothly over its face (thin-plate RBF), the upper
and lower lips interpolated separately (the mouth cut); around the face the motion fades to zero
harmonically over the character's own surface, so the skin where the jaw's motion meets still skin
stretches evenly instead of folding."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..face.face_model import FaceModel
from ..face.landmarks import MOUTH_CORNERS, mouth_frame, similarity_fit
from .correspondence import SurfacePoints
from .mouth import (
    JawMotion,
    fit_jaw,
    lip_distances,
    lower_share,
    mouth_parts,
    mouth_side,
    smooth_step_down,
)
from .topology import edges


@dataclass(frozen=True)
class TransferSettings:
    inner: float = 0.02  # full displacement within this distance of our face's surface (share of the face width)
    outer: float = 0.25  # none beyond this distance (the neck and the back of the head stay still); between
    # the two the motion fades harmonically over the surface (a fade 0.03 wide folded the skin along the jaw)
    lips_inner: float = 0.08  # ... and within this distance of a lip along the surface (the inside of the
    lips_outer: float = 0.15  # lips and of the mouth move with their lip instead of stretching across it)
    smoothing: float = 1e-3  # RBF smoothing, relative to the face width squared (less: the lip rims jag)


@dataclass(frozen=True)
class Transfer:
    indices: np.ndarray  # (N,) the vertices that move (the rest stay still in every key)
    deltas: np.ndarray  # (K, N, 3) the character's new shape keys at those vertices
    scale: float  # character units per pixel of our face model
    face_width: float  # character units (the correspondence points' extent in x)
    fit_rms_px: float
    mouth: str = ""  # how the character's mouth is made (formats.character.MOUTHS)
    jaw: JawMotion | None = None  # each key's rigid jaw motion (for teeth and a tongue that go with it)

    def dense(self, n_vertices: int) -> np.ndarray:
        """(K, V, 3) with zeros at the vertices that stay still."""
        out = np.zeros((len(self.deltas), n_vertices, 3), np.float32)
        out[:, self.indices] = self.deltas
        return out


def _surface_samples(points: np.ndarray, tris: np.ndarray, n: int = 4) -> np.ndarray:
    """Points spread over our face's triangles (placed at the correspondence points): a barycentric
    grid of (n + 1)(n + 2)/2 per triangle."""
    grid = np.array([(i, j, n - i - j) for i in range(n + 1) for j in range(n + 1 - i)], np.float64) / n
    return np.einsum("gk,tkc->tgc", grid, points[tris]).reshape(-1, 3)


def _trusted_triangles(p: np.ndarray, face: FaceModel, s: float, rot: np.ndarray) -> np.ndarray:
    """Our face's triangles without those at points that fit our mean face badly (more than three
    times the typical residual: a face-outline ray that grazed the cheek and stopped on an ear), so
    the face region does not reach where such a point landed."""
    mean = face.mean.astype(np.float64)
    fitted = s * (p - p.mean(0)) @ rot.T
    resid = np.linalg.norm(fitted - (mean - mean.mean(0)), axis=1)
    bad = resid > 3 * np.median(resid)
    tris = face.triangles.astype(np.int64)
    return tris[~bad[tris].any(1)]


def _face_distance(vertices: np.ndarray, points: np.ndarray, tris: np.ndarray, width: float) -> np.ndarray:
    """Each vertex's distance to our face's surface laid over the character (its triangles through the
    correspondence points), as a share of the face width: the inside of the mouth, the teeth and the
    back of the head are away from that surface."""
    from scipy.spatial import cKDTree

    return cKDTree(_surface_samples(points, tris)).query(vertices)[0] / width


def _harmonic_fade(
    vertices: np.ndarray, tris: np.ndarray, fixed: np.ndarray, free: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """Values (n_fixed, C) held at the `fixed` vertices, zero at every other vertex outside `free`;
    at the `free` ones, the harmonic blend over the mesh's edges (weights 1 / length): the motion
    spreads as evenly as the surface allows. Free vertices that touch nothing held stay still."""
    from scipy.sparse import coo_matrix, diags
    from scipy.sparse.linalg import splu

    is_free = np.zeros(len(vertices), bool)
    is_free[free] = True
    pairs = edges(tris[is_free[tris].any(1)])
    w = 1.0 / (np.linalg.norm(vertices[pairs[:, 0]] - vertices[pairs[:, 1]], axis=1) + 1e-12)
    n = len(vertices)
    graph = coo_matrix(
        (np.r_[w, w], (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])), shape=(n, n)
    ).tocsr()
    sub = graph[free]
    degree = np.asarray(sub.sum(1)).ravel()
    a = diags(degree * (1 + 1e-9) + 1e-12) - sub[:, free]  # a free island with nothing held decays to 0
    rhs = sub[:, fixed] @ values
    return splu(a.tocsc()).solve(np.ascontiguousarray(rhs))


HEAD_REACH = 1.5  # nothing farther from the face's centre than this many face widths moves


def _head_only(v: np.ndarray, tris: np.ndarray, points: SurfacePoints, p: np.ndarray) -> tuple | None:
    """(vertices kept, their triangles, the points on them) for the part of the mesh around the face
    (HEAD_REACH), or None when that is the whole mesh (or does not hold every point's triangle)."""
    near = np.linalg.norm(v - p.mean(0), axis=1) < HEAD_REACH * float(np.ptp(p[:, 0]))
    inside = near[tris].all(1)
    if inside.all() or not inside[points.triangles].all():
        return None
    keep = np.flatnonzero(near)
    index = np.full(len(v), -1)
    index[keep] = np.arange(len(keep))
    tri_index = np.cumsum(inside) - 1
    return keep, index[tris[inside]], SurfacePoints(tri_index[points.triangles], points.weights)


def transfer_basis(
    vertices: np.ndarray,
    tris: np.ndarray,
    points: SurfacePoints,
    basis: np.ndarray,
    face: FaceModel,
    settings: TransferSettings | None = None,
) -> Transfer:
    """(K, 468, 3) displacements on our face (e.g. face.basis, or the ARKit basis) -> (K, N, 3) at the
    N character's vertices that move (its neutral `vertices`, face towards +z, y up): memory grows
    with the face, not with the body around it."""
    from scipy.interpolate import RBFInterpolator

    settings = settings or TransferSettings()
    v = np.asarray(vertices, np.float64)
    p = points.positions(v, tris)
    head = _head_only(v, tris, points, p)
    if head is not None:  # the rest of a body never moves: the work is the head's, whatever its size
        keep, sub_tris, sub_points = head
        got = transfer_basis(v[keep], sub_tris, sub_points, basis, face, settings)
        return dataclasses.replace(got, indices=keep[got.indices])
    s, rot, _, rms = similarity_fit(p, face.mean.astype(np.float64))
    moved = np.einsum("kpd,dc->kpc", np.asarray(basis, np.float64), rot) / s  # our pixels -> character units
    width = float(np.ptp(p[:, 0]))
    up, low, mouth = lip_distances(v, tris, points)
    lip = np.minimum(up, low) / width
    d = _face_distance(v, p, _trusted_triangles(p, face, s, rot), width)
    core = (d <= settings.inner) | (lip <= settings.lips_inner)  # moves as our face does
    lips = smooth_step_down(lip, settings.lips_inner, settings.lips_outer)
    reach = (d <= settings.outer) | (lips > 0)
    held = np.flatnonzero(core)
    lower = lower_share(v[held], up[held], low[held], p, sealed=mouth == "sealed")
    values = moved.transpose(1, 0, 2).reshape(len(p), -1)  # (468, K * 3)
    # each lip's interpolant leaves out the other side's points around the mouth (within a mouth width
    # of its centre); farther out both see every point, so they agree where they are blended
    mouth_centre, mouth_width = mouth_frame(p)
    around = np.linalg.norm(p - mouth_centre, axis=1) < mouth_width
    points_below = mouth_side(p, p)
    at_held = np.zeros((len(held), values.shape[1]))
    for share, own in ((1 - lower, ~points_below), (lower, points_below)):
        keep = np.flatnonzero(own | ~around | np.isin(np.arange(len(p)), MOUTH_CORNERS))
        rbf = RBFInterpolator(
            p[keep], values[keep], kernel="thin_plate_spline", smoothing=settings.smoothing * width**2
        )
        idx = np.flatnonzero(share > 0)
        at_held[idx] += share[idx, None] * rbf(v[held[idx]])
    free = np.flatnonzero(reach & ~core)
    faded = _harmonic_fade(v, tris, held, free, at_held) if len(free) else np.zeros((0, values.shape[1]))
    inside = mouth_parts(v, tris, points, p)  # teeth and tongue: rigid with the jaw, or still
    near = np.union1d(np.concatenate([held, free]), inside.jaw)  # memory grows with the face, not the body
    out = np.zeros((len(near), values.shape[1]))
    out[np.searchsorted(near, held)], out[np.searchsorted(near, free)] = at_held, faded
    out = out.reshape(len(near), len(basis), 3).transpose(1, 0, 2)
    out[:, np.searchsorted(near, np.intersect1d(inside.still, near))] = 0
    jaw_moves = fit_jaw(moved, p)
    if len(inside.jaw):
        out[:, np.searchsorted(near, inside.jaw)] = inside.share[:, None] * jaw_moves.at(v[inside.jaw])
    keep = np.abs(out).max((0, 2)) > 0
    return Transfer(near[keep], out[:, keep].astype(np.float32), 1.0 / s, width, rms, mouth, jaw_moves)
