"""The mouth of a character, for the transfer: where its lips part (its own mouth line where the mesh
is open there, else the lip nearer along the surface), how the mouth is made (an opening, an inside,
or sealed), and what goes with the jaw (teeth and a tongue modelled in the head mesh, rigidly)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..face.landmarks import INNER_LOWER, INNER_UPPER, JAW_POINTS, LOWER_LIP, MOUTH_CORNERS, UPPER_LIP, mouth_frame
from .correspondence import SurfacePoints
from .topology import components, edges, mouth_rims

# a sealed mouth, in mouth widths: the lip-to-lip path over the surface shorter than the first and no
# deeper than the second (a scan 0.05 and 0.18; ICT-FaceKit and MakeHuman with their mouths 0.12-0.16 and
# 0.29-0.31), and no surface between these depths behind the lips' middle (a socket; a scan's crease is
# nearer, the back of a head farther)
SEALED_PATH = (0.09, 0.24)
SEALED_BEHIND = (0.6, 1.2)


def mouth_side(vertices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """True for vertices below the mouth line (face towards +z, y up): the seam between the inner
    lips, interpolated across the mouth and held flat beyond the corners."""
    upper, lower = points[list(INNER_UPPER)], points[list(INNER_LOWER)]
    seam = 0.5 * (upper + lower)
    order = np.argsort(seam[:, 0])
    seam_y = np.interp(vertices[:, 0], seam[order, 0], seam[order, 1])
    return vertices[:, 1] < seam_y


def lip_distances(vertices: np.ndarray, tris: np.ndarray, points: SurfacePoints) -> tuple[np.ndarray, np.ndarray, str]:
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
    centre, width = mouth_frame(p)
    rims = mouth_rims(vertices, tris, centre, width)
    mouth = "opening" if rims is not None else ""
    if rims is None:
        below = mouth_side(p, p)
        # a lip's points that landed on the other side of the mouth line (beyond a corner, where the
        # skin is not cut) would pull that side's skin along with this lip
        rims = [
            np.unique(tris[points.triangles[[i for i in lip if i not in MOUTH_CORNERS and below[i] == side]]])
            for lip, side in ((UPPER_LIP, False), (LOWER_LIP, True))
        ]
    up, low = (dijkstra(graph, directed=False, indices=seeds, min_only=True) for seeds in rims)
    if mouth == "opening":
        return up, low, mouth
    # sealed (one surface from lip to lip, a crease between them: a scan) only when all three agree; a
    # mouth wrongly called sealed would not open, so the doubt goes to a mouth with an inside:
    # the shortest path over the surface from lip to lip is short and stays near the lips' front...
    total = up + low
    path = np.flatnonzero(total <= total.min() * 1.02)
    short = total.min() < SEALED_PATH[0] * width and centre[2] - vertices[path, 2].min() < SEALED_PATH[1] * width
    # ...and nothing of the mesh lies deep behind the lips' middle (a socket, a tongue)
    behind = centre[2] - vertices[:, 2]
    middle = (np.abs(vertices[:, 0] - centre[0]) < 0.2 * width) & (np.abs(vertices[:, 1] - centre[1]) < 0.15 * width)
    deep = middle & (behind > SEALED_BEHIND[0] * width) & (behind < SEALED_BEHIND[1] * width)
    sealed = bool(short) and int(deep.sum()) < 3
    return up, low, "sealed" if sealed else "inside"


def lower_share(
    vertices: np.ndarray, up: np.ndarray, low: np.ndarray, p: np.ndarray, sealed: bool = False
) -> np.ndarray:
    """How much each vertex follows the lower lip's side (0..1): whichever lip is nearer along the
    surface, cut sharply at the mouth and blended ever more softly away from its corners (the cheeks
    stretch; they do not tear along the mouth line). A sealed mouth is not cut: the lips blend over a
    third of the mouth's width, so the skin between them stretches evenly instead of tearing open."""
    big = 1e9  # unreachable from a lip along the surface
    gap = np.minimum(up, big) - np.minimum(low, big)
    lost = ~np.isfinite(up) & ~np.isfinite(low)
    gap[lost] = np.where(mouth_side(vertices[lost], p), big, -big)
    corner = np.linalg.norm(vertices[:, None] - p[list(MOUTH_CORNERS[:2])][None], axis=-1).min(1)
    blend = np.maximum(0.3 * corner, 1e-9)
    if sealed:
        blend = np.maximum(blend, mouth_frame(p)[1] / 3)
    return 1 - smooth_step_down(0.5 + gap / (2 * blend), 0.0, 1.0)


def smooth_step_down(d: np.ndarray, inner: float, outer: float) -> np.ndarray:
    t = np.clip((d - inner) / (outer - inner), 0, 1)
    return 1 - t * t * (3 - 2 * t)  # 1 within `inner`, 0 beyond `outer`


def with_jaw(centroid: np.ndarray, centre: np.ndarray, width: float) -> bool | None:
    """Whether a piece (teeth, gums, a tongue) whose vertices' mean is `centroid` goes with the jaw
    (below the lips' seam: the lower teeth, the tongue) or stays (the upper teeth); None for a piece
    not inside the mouth (within 0.8 mouth widths of its centre across, behind the lips)."""
    inside = np.abs(centroid[:2] - centre[:2]).max() < 0.8 * width and centroid[2] < centre[2] - 0.1 * width
    return bool(centroid[1] < centre[1] + 0.1 * width) if inside else None


SPLIT_REACH = 0.25  # a piece reaching this many mouth widths both above and below the seam is split there
SPLIT_BAND = 0.1  # ... blended over this many mouth widths either side of it


@dataclass(frozen=True)
class MouthPieces:
    """What of a mesh lies inside the mouth: vertices that go with the jaw (each by its share of the
    jaw's motion: 1, or less in the band where a piece joining gums to a tongue is split) and
    vertices that stay still."""

    jaw: np.ndarray  # (J,) vertex indices, sorted
    share: np.ndarray  # (J,) 0..1
    still: np.ndarray  # (S,)


def mouth_pieces(
    vertices: np.ndarray, tris: np.ndarray, centre: np.ndarray, width: float, skin: int | None = None
) -> MouthPieces:
    """The mesh's connected pieces inside the mouth (with_jaw), leaving out the piece labelled `skin`
    (topology.components). A piece that reaches well above and below the lips' seam (upper gums joined
    to a tongue and lower gums in one mesh) is split at the seam: above it stays, below it goes."""
    label = components(tris, len(vertices))
    share = np.full(len(vertices), np.nan)  # nan: not inside the mouth
    for k in np.setdiff1d(np.unique(label[tris]), [] if skin is None else [skin]):
        piece = np.flatnonzero(label == k)
        goes = with_jaw(vertices[piece].mean(0), centre, width)
        if goes is None:
            continue
        y = (vertices[piece, 1] - centre[1]) / width
        if y.max() > SPLIT_REACH and y.min() < -SPLIT_REACH:
            share[piece] = smooth_step_down(y, -SPLIT_BAND, SPLIT_BAND)
        else:
            share[piece] = float(goes)
    jaw = np.flatnonzero(share > 0)
    return MouthPieces(jaw, share[jaw], np.flatnonzero(share == 0))


def mouth_parts(vertices: np.ndarray, tris: np.ndarray, points: SurfacePoints, p: np.ndarray) -> MouthPieces:
    """The pieces of the mesh apart from its skin inside the mouth (teeth, tongue, gums modelled in the
    same mesh): mouth_pieces."""
    skin = int(np.bincount(components(tris, len(vertices))[tris[points.triangles, 0]]).argmax())
    return mouth_pieces(vertices, tris, *mouth_frame(p), skin=skin)


def _cross_matrix(x: np.ndarray) -> np.ndarray:
    """(N, 3) -> (N, 3, 3): for each x, the matrix taking a rotation vector w to w cross x."""
    z = np.zeros(len(x))
    return np.stack(
        [np.stack([z, x[:, 2], -x[:, 1]], 1), np.stack([-x[:, 2], z, x[:, 0]], 1), np.stack([x[:, 1], -x[:, 0], z], 1)],
        1,
    )


@dataclass(frozen=True)
class JawMotion:
    """Each key's motion of the jaw as a rigid motion: a translation and a small rotation about the jaw
    points' centre (least squares over JAW_POINTS)."""

    centre: np.ndarray  # (3,)
    translation: np.ndarray  # (K, 3)
    rotation: np.ndarray  # (K, 3) rotation vectors

    def at(self, points: np.ndarray) -> np.ndarray:
        """(K, N, 3): the motion carried to `points` (N, 3)."""
        lever = _cross_matrix(points - self.centre)
        return self.translation[:, None, :] + np.einsum("nij,kj->kni", lever, self.rotation)


def fit_jaw(moved: np.ndarray, p: np.ndarray) -> JawMotion:
    """The rigid jaw motion of each key, from its displacements `moved` (K, 468, 3) of our points `p`."""
    jaw = p[list(JAW_POINTS)]
    c = jaw.mean(0)
    a = np.concatenate([np.tile(np.eye(3), (len(jaw), 1)), _cross_matrix(jaw - c).reshape(-1, 3)], 1)  # (3J, 6)
    b = moved[:, list(JAW_POINTS)].reshape(len(moved), -1).T  # (3J, K)
    sol = np.linalg.lstsq(a, b, rcond=None)[0]  # (6, K): translation, rotation vector
    return JawMotion(c, sol[:3].T, sol[3:].T)
