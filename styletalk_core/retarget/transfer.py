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
from ..face.landmarks import JAW_POINTS
from .correspondence import INNER_LOWER, INNER_UPPER, SurfacePoints, similarity_fit
from .topology import components, edges, mouth_rims

# MediaPipe face-mesh lip contours (outer + inner); the mouth corners belong to both lips
UPPER_LIP = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_LIP = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
MOUTH_CORNERS = (61, 291, 78, 308)  # outer and inner corners, in both lips


@dataclass(frozen=True)
class TransferSettings:
    inner: float = 0.02  # full displacement within this distance of our face's surface (share of the face width)
    outer: float = 0.25  # none beyond this distance (the neck and the back of the head stay still); between
    # the two the motion fades harmonically over the surface (a fade 0.03 wide folded the skin along the jaw)
    lips_inner: float = 0.08  # ... and within this distance of a lip along the surface (the inside of the
    lips_outer: float = 0.15  # lips and of the mouth move with their lip instead of stretching across it)
    smoothing: float = 1e-3  # RBF smoothing, relative to the face width squared (less: the lip rims jag)


# how a character's mouth is made, as the transfer found it
MOUTHS = {
    "opening": "its own mouth line (an opening in the mesh) parts the lips",
    "inside": "the lips part; the surface between them runs into the mouth",
    "sealed": "the mouth is sealed (one surface from lip to lip): the lips move but cannot part",
}
# a sealed mouth, in mouth widths: the lip-to-lip path over the surface shorter than the first and no
# deeper than the second (a scan 0.05 and 0.18; ICT-FaceKit and MakeHuman with their mouths 0.12-0.16 and
# 0.29-0.31), and no surface between these depths behind the lips' middle (a socket; a scan's crease is
# nearer, the back of a head farther)
SEALED_PATH = (0.09, 0.24)
SEALED_BEHIND = (0.6, 1.2)


@dataclass(frozen=True)
class Transfer:
    indices: np.ndarray  # (N,) the vertices that move (the rest stay still in every key)
    deltas: np.ndarray  # (K, N, 3) the character's new shape keys at those vertices
    scale: float  # character units per pixel of our face model
    face_width: float  # character units (the correspondence points' extent in x)
    fit_rms_px: float
    mouth: str = ""  # MOUTHS: how the character's mouth is made

    def dense(self, n_vertices: int) -> np.ndarray:
        """(K, V, 3) with zeros at the vertices that stay still."""
        out = np.zeros((len(self.deltas), n_vertices, 3), np.float32)
        out[:, self.indices] = self.deltas
        return out


def _mouth_side(vertices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """True for vertices below the mouth line (face towards +z, y up): the seam between the inner
    lips, interpolated across the mouth and held flat beyond the corners."""
    upper, lower = points[list(INNER_UPPER)], points[list(INNER_LOWER)]
    seam = 0.5 * (upper + lower)
    order = np.argsort(seam[:, 0])
    seam_y = np.interp(vertices[:, 0], seam[order, 0], seam[order, 1])
    return vertices[:, 1] < seam_y


def _lip_distances(vertices: np.ndarray, tris: np.ndarray, points: SurfacePoints) -> tuple[np.ndarray, np.ndarray, str]:
    """Each vertex's distance along the mesh surface to the upper and to the lower lip (inf where the
    surface does not connect it): a vertex on the inner rim of the upper lip is far from the lower lip
    around the mouth, however low it hangs. The lips are the rims of the character's own mouth
    opening where its mesh is open there (topology.mouth_rims), else our lip points on it; and how
    the mouth is made (MOUTHS): sealed when nothing of the mesh lies behind the lips (no inside)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    pairs = edges(tris)
    length = np.linalg.norm(vertices[pairs[:, 0]] - vertices[pairs[:, 1]], axis=1) + 1e-12
    graph = coo_matrix((length, (pairs[:, 0], pairs[:, 1])), shape=(len(vertices),) * 2).tocsr()
    p = points.positions(vertices, tris)
    rims = mouth_rims(vertices, tris, 0.5 * (p[13] + p[14]), float(np.linalg.norm(p[291] - p[61])))
    mouth = "opening" if rims is not None else ""
    if rims is None:
        below = _mouth_side(p, p)
        # a lip's points that landed on the other side of the mouth line (beyond a corner, where the
        # skin is not cut) would pull that side's skin along with this lip
        rims = [np.unique(tris[points.triangles[[i for i in lip if i not in MOUTH_CORNERS and below[i] == side]]])
                for lip, side in ((UPPER_LIP, False), (LOWER_LIP, True))]  # fmt: skip
    up, low = (dijkstra(graph, directed=False, indices=seeds, min_only=True) for seeds in rims)
    if mouth == "opening":
        return up, low, mouth
    # sealed (one surface from lip to lip, a crease between them: a scan) only when all three agree; a
    # mouth wrongly called sealed would not open, so the doubt goes to a mouth with an inside:
    # the shortest path over the surface from lip to lip is short and stays near the lips' front...
    centre, width = 0.5 * (p[13] + p[14]), float(np.linalg.norm(p[291] - p[61]))
    total = up + low
    path = np.flatnonzero(total <= total.min() * 1.02)
    short = total.min() < SEALED_PATH[0] * width and centre[2] - vertices[path, 2].min() < SEALED_PATH[1] * width
    # ...and nothing of the mesh lies deep behind the lips' middle (a socket, a tongue)
    behind = centre[2] - vertices[:, 2]
    middle = (np.abs(vertices[:, 0] - centre[0]) < 0.2 * width) & (np.abs(vertices[:, 1] - centre[1]) < 0.15 * width)
    deep = middle & (behind > SEALED_BEHIND[0] * width) & (behind < SEALED_BEHIND[1] * width)
    sealed = bool(short) and int(deep.sum()) < 3
    return up, low, "sealed" if sealed else "inside"


def _lower_share(
    vertices: np.ndarray, up: np.ndarray, low: np.ndarray, p: np.ndarray, sealed: bool = False
) -> np.ndarray:
    """How much each vertex follows the lower lip's side (0..1): whichever lip is nearer along the
    surface, cut sharply at the mouth and blended ever more softly away from its corners (the cheeks
    stretch; they do not tear along the mouth line). A sealed mouth is not cut: the lips blend over a
    third of the mouth's width, so the skin between them stretches evenly instead of tearing open."""
    big = 1e9  # unreachable from a lip along the surface
    gap = np.minimum(up, big) - np.minimum(low, big)
    lost = ~np.isfinite(up) & ~np.isfinite(low)
    gap[lost] = np.where(_mouth_side(vertices[lost], p), big, -big)
    corner = np.linalg.norm(vertices[:, None] - p[[61, 291]][None], axis=-1).min(1)
    blend = np.maximum(0.3 * corner, 1e-9)
    if sealed:
        blend = np.maximum(blend, np.linalg.norm(p[291] - p[61]) / 3)
    return 1 - _smooth_step_down(0.5 + gap / (2 * blend), 0.0, 1.0)


def _smooth_step_down(d: np.ndarray, inner: float, outer: float) -> np.ndarray:
    t = np.clip((d - inner) / (outer - inner), 0, 1)
    return 1 - t * t * (3 - 2 * t)  # 1 within `inner`, 0 beyond `outer`


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


def _harmonic_fade(vertices: np.ndarray, tris: np.ndarray, fixed: np.ndarray, free: np.ndarray,
                   values: np.ndarray) -> np.ndarray:  # fmt: skip
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
    graph = coo_matrix((np.r_[w, w], (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])),
                       shape=(n, n)).tocsr()  # fmt: skip
    sub = graph[free]
    degree = np.asarray(sub.sum(1)).ravel()
    a = diags(degree * (1 + 1e-9) + 1e-12) - sub[:, free]  # a free island with nothing held decays to 0
    rhs = sub[:, fixed] @ values
    return splu(a.tocsc()).solve(np.ascontiguousarray(rhs))


def _mouth_parts(
    vertices: np.ndarray, tris: np.ndarray, points: SurfacePoints, p: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Pieces of the mesh apart from its skin inside the mouth (teeth, tongue, gums modelled in the
    same mesh): (vertices that go with the jaw: below the mouth line, vertices that stay: above it)."""
    label = components(tris, len(vertices))
    skin = np.bincount(label[tris[points.triangles, 0]]).argmax()
    centre, width = 0.5 * (p[13] + p[14]), float(np.linalg.norm(p[291] - p[61]))
    jaw, still = [], []
    for k in np.setdiff1d(np.unique(label[tris]), [skin]):
        piece = np.flatnonzero(label == k)
        c = vertices[piece].mean(0)
        inside = np.abs(c[:2] - centre[:2]).max() < 0.8 * width and c[2] < centre[2] - 0.1 * width
        if inside:
            (jaw if c[1] < centre[1] + 0.1 * width else still).append(piece)
    join = lambda parts: np.concatenate(parts) if parts else np.zeros(0, np.int64)  # noqa: E731
    return join(jaw), join(still)


def _jaw_motion(moved: np.ndarray, p: np.ndarray, at: np.ndarray) -> np.ndarray:
    """(K, N, 3): each key's motion of the jaw (JAW_POINTS) as a rigid motion (a translation and a
    small rotation about the points' centre, least squares), carried to the points `at`."""
    jaw = p[list(JAW_POINTS)]
    c = jaw.mean(0)

    def cross_matrix(x: np.ndarray) -> np.ndarray:  # (N, 3) -> (N, 3, 3): w -> w x (x)
        z = np.zeros(len(x))
        return np.stack([np.stack([z, x[:, 2], -x[:, 1]], 1), np.stack([-x[:, 2], z, x[:, 0]], 1),
                         np.stack([x[:, 1], -x[:, 0], z], 1)], 1)  # fmt: skip

    a = np.concatenate([np.tile(np.eye(3), (len(jaw), 1)), cross_matrix(jaw - c).reshape(-1, 3)], 1)  # (3J, 6)
    b = moved[:, list(JAW_POINTS)].reshape(len(moved), -1).T  # (3J, K)
    sol = np.linalg.lstsq(a, b, rcond=None)[0]  # (6, K): translation, rotation vector
    lever = cross_matrix(at - c)  # (N, 3, 3)
    return sol[:3].T[:, None, :] + np.einsum("nij,jk->kni", lever, sol[3:])


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


def transfer_basis(vertices: np.ndarray, tris: np.ndarray, points: SurfacePoints, basis: np.ndarray, face: FaceModel,
                   settings: TransferSettings | None = None) -> Transfer:  # fmt: skip
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
    up, low, mouth = _lip_distances(v, tris, points)
    lip = np.minimum(up, low) / width
    d = _face_distance(v, p, _trusted_triangles(p, face, s, rot), width)
    core = (d <= settings.inner) | (lip <= settings.lips_inner)  # moves as our face does
    lips = _smooth_step_down(lip, settings.lips_inner, settings.lips_outer)
    reach = (d <= settings.outer) | (lips > 0)
    held = np.flatnonzero(core)
    lower = _lower_share(v[held], up[held], low[held], p, sealed=mouth == "sealed")
    values = moved.transpose(1, 0, 2).reshape(len(p), -1)  # (468, K * 3)
    # each lip's interpolant leaves out the other side's points around the mouth (within a mouth width
    # of its centre); farther out both see every point, so they agree where they are blended
    mouth_width = np.linalg.norm(p[291] - p[61])
    around = np.linalg.norm(p - 0.5 * (p[13] + p[14]), axis=1) < mouth_width
    points_below = _mouth_side(p, p)
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
    jaw, still = _mouth_parts(v, tris, points, p)  # teeth and tongue: rigid with the jaw, or still
    near = np.union1d(np.concatenate([held, free]), jaw)  # memory grows with the face, not the body
    out = np.zeros((len(near), values.shape[1]))
    out[np.searchsorted(near, held)], out[np.searchsorted(near, free)] = at_held, faded
    out = out.reshape(len(near), len(basis), 3).transpose(1, 0, 2)
    out[:, np.searchsorted(near, np.intersect1d(still, near))] = 0
    if len(jaw):
        out[:, np.searchsorted(near, jaw)] = _jaw_motion(moved, p, v[jaw])
    keep = np.abs(out).max((0, 2)) > 0
    return Transfer(near[keep], out[:, keep].astype(np.float32), 1.0 / s, width, rms, mouth)
