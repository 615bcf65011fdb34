"""Correspondence between our 468-vertex face and any mesh: a front render, MediaPipe landmarks on
it, and the landmarks cast back onto the mesh surface as barycentric points."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..extras import offscreen_gl, optional
from ..face.landmarks import INNER_LOWER, INNER_UPPER, NUM_LANDMARKS
from ..formats.errors import InputError
from ..formats.progress import Progress
from ..native import native_logs_silenced


def triangulate(faces: np.ndarray) -> np.ndarray:
    """(F, 3) triangles or (F, 4) quads/triangles (-1 in the last column for a triangle) -> (N, 3)."""
    faces = np.asarray(faces, dtype=np.int64)
    if faces.ndim != 2 or faces.shape[1] not in (3, 4):
        raise InputError(f"faces must be (F, 3) or (F, 4), got {faces.shape}")
    if faces.shape[1] == 3:
        return faces
    quads = faces[faces[:, 3] >= 0]
    tris = faces[faces[:, 3] < 0, :3]
    return np.concatenate([tris, quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])


@dataclass(frozen=True)
class SurfacePoints:
    """Points on a mesh surface: triangle index and barycentric weights per point."""

    triangles: np.ndarray  # (P,) int: index into the mesh's triangle list
    weights: np.ndarray  # (P, 3) barycentric weights (sum 1)

    def positions(self, vertices: np.ndarray, tris: np.ndarray) -> np.ndarray:
        """(..., V, 3) vertices -> (..., P, 3) the points on that (possibly deformed) surface."""
        idx = tris[self.triangles]
        return np.einsum("...pkc,pk->...pc", vertices[..., idx, :], self.weights)


@dataclass(frozen=True)
class FrontView:
    """An orthographic front render: the face looks along +z, y is up; pixel (u, v) has its centre
    at world x = left + (u + 0.5) * pixel, y = top - (v + 0.5) * pixel."""

    rgb: np.ndarray  # (S, S, 3) uint8 shaded render, for the landmark detector
    left: float
    top: float
    pixel: float  # world units per pixel


def capped(
    vertices: np.ndarray, tris: np.ndarray, found: Callable[[], None] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mesh with its holes closed (vertices and triangles appended) and, for each cap triangle,
    the mesh's triangle on the hole's rim beside it. Every border loop but the longest (a head's
    neck, a mask's outline) gets a fan to its centre: an eye socket or a mouth without eyeballs or
    teeth behind it reads as closed, and a ray through it stops at its rim, not on the far side."""
    from .topology import border

    b = border(tris, len(vertices))
    if found is not None:  # the border is the slow half on a big mesh
        found()
    lengths = b.lengths(vertices)
    holes = [k for k in lengths if k != max(lengths, key=lengths.get)]
    if not holes:
        return vertices, tris, np.zeros(0, np.int64)
    n = len(vertices)
    centres = np.stack([vertices[b.edges[b.loop == k, 0]].mean(0) for k in holes])
    at = np.full(max(lengths) + 1, -1)
    at[holes] = n + np.arange(len(holes))
    fan = at[b.loop] >= 0
    fans = np.stack([b.edges[fan, 1], b.edges[fan, 0], at[b.loop[fan]]], 1)
    return np.concatenate([vertices, centres]), np.concatenate([tris, fans]), b.owner[fan]


def square(box: np.ndarray, margin: float = 0.15) -> tuple[float, float, float]:
    """(centre x, centre y, half side) of the square view holding `box`'s points (x, y) with a margin."""
    lo, hi = box[:, :2].min(0), box[:, :2].max(0)
    half = 0.5 * max(hi[0] - lo[0], hi[1] - lo[1]) * (1 + margin)
    return 0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1]), half


class FrontRenderer:
    """One offscreen scene of a mesh (face towards +z, y up), shaded, rendered orthographically framed
    on any square: the scene is built once for all the views a search asks for."""

    def __init__(self, vertices: np.ndarray, tris: np.ndarray, size: int = 512, colors: np.ndarray | None = None):
        pyrender, trimesh = offscreen_gl()
        v = np.asarray(vertices, np.float64)
        self.size, self._front = size, float(v[:, 2].max()) + 1.0
        depth = float(v[:, 2].max() - v[:, 2].min()) + 1.0
        self._camera = pyrender.OrthographicCamera(xmag=1.0, ymag=1.0, znear=0.01, zfar=depth + 2.0)
        self._scene = pyrender.Scene(bg_color=[0.0, 0.0, 0.0, 1.0], ambient_light=[0.35, 0.35, 0.35])
        self._node = self._scene.add(self._camera, pose=np.eye(4))
        light = np.eye(4)
        light[:3, :3] = trimesh.transformations.euler_matrix(-0.3, 0.25, 0)[:3, :3]
        self._scene.add(pyrender.DirectionalLight(intensity=3.0), pose=light)
        if colors is None:
            skin = pyrender.MetallicRoughnessMaterial(baseColorFactor=[0.82, 0.66, 0.56, 1.0], roughnessFactor=0.8)
            mesh = pyrender.Mesh.from_trimesh(trimesh.Trimesh(v, tris, process=False), material=skin, smooth=True)
        else:
            painted = trimesh.Trimesh(v, tris, vertex_colors=np.asarray(colors), process=False)
            mesh = pyrender.Mesh.from_trimesh(painted, smooth=True)
        self._scene.add(mesh)
        self._renderer = pyrender.OffscreenRenderer(size, size)

    def view(self, cx: float, cy: float, half: float) -> FrontView:
        self._camera.xmag = self._camera.ymag = half
        pose = np.eye(4)
        pose[:3, 3] = [cx, cy, self._front]
        self._scene.set_pose(self._node, pose)
        rgb, _ = self._renderer.render(self._scene)
        return FrontView(rgb, cx - half, cy + half, 2 * half / self.size)

    def close(self) -> None:
        self._renderer.delete()

    def __enter__(self) -> FrontRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def render_front(
    vertices: np.ndarray,
    tris: np.ndarray,
    frame: np.ndarray | None = None,
    size: int = 512,
    margin: float = 0.15,
    colors: np.ndarray | None = None,
) -> FrontView:
    """Render `vertices` (face towards +z, y up), shaded, framed on `frame` (the vertices to fit in
    view; default all); one skin colour, or (V, 3) `colors` in [0, 1] (pictures for people)."""
    box = np.asarray(vertices if frame is None else frame, np.float64)
    with FrontRenderer(vertices, tris, size, colors) as renderer:
        return renderer.view(*square(box, margin))


def detect_landmarks(rgb: np.ndarray) -> np.ndarray | None:
    """(468, 2) MediaPipe face-mesh landmarks in pixels of `rgb`, or None when no face is found."""
    face_mesh = optional("mediapipe.python.solutions.face_mesh", "video")
    h, w = rgb.shape[:2]
    with native_logs_silenced(), face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1) as mesh:
        result = mesh.process(np.ascontiguousarray(rgb))
    if not result.multi_face_landmarks:
        return None
    lm = result.multi_face_landmarks[0].landmark
    return np.array([(p.x * w, p.y * h) for p in lm[:NUM_LANDMARKS]], np.float64)


def _barycentric_raw(p: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    v0, v1, v2 = b - a, c - a, p - a
    d00, d01, d11 = (v0 * v0).sum(-1), (v0 * v1).sum(-1), (v1 * v1).sum(-1)
    d20, d21 = (v2 * v0).sum(-1), (v2 * v1).sum(-1)
    den = d00 * d11 - d01 * d01
    tiny = 1e-12 * np.maximum(d00 * d11, 1e-300)  # relative: a head at any scale (1e-4 units or 1e3)
    den = np.where(np.abs(den) < tiny, tiny, den)
    wb = (d11 * d20 - d01 * d21) / den
    wc = (d00 * d21 - d01 * d20) / den
    return np.stack([1 - wb - wc, wb, wc], -1)


def barycentric_2d(p: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(N, 3) barycentric weights of 2-D points p in triangles (a, b, c), clamped onto the triangle."""
    w = np.clip(_barycentric_raw(p, a, b, c), 0, None)
    return w / np.maximum(w.sum(-1, keepdims=True), 1e-12)


EDGE_ON = 1e-6  # a triangle whose area in the view is at most this share of its own is seen edge-on


def cast_to_surface(xy: np.ndarray, vertices: np.ndarray, tris: np.ndarray) -> SurfacePoints:
    """World (x, y) points -> the front-most surface point under each (rays along -z): among the
    triangles whose projection contains the point, the nearest the viewer; off the surface, the
    nearest triangle's closest point. Only the triangles around the points are searched first (a
    face on a 2 M-vertex body), the whole mesh for a point none of them holds."""
    xy = np.asarray(xy, np.float64)
    pad = 0.5 * float(np.ptp(xy, axis=0).max()) if len(xy) > 1 else 0.0
    near = ((vertices[:, :2] >= xy.min(0) - pad) & (vertices[:, :2] <= xy.max(0) + pad)).all(1)
    around = np.flatnonzero(near[tris].any(1))
    if len(around) == 0:
        return _cast_onto(xy, vertices, tris)[0]
    points, held = _cast_onto(xy, vertices, tris[around])
    chosen, weights = around[points.triangles], points.weights
    if not held.all():
        rest, _ = _cast_onto(xy[~held], vertices, tris)
        chosen[~held], weights[~held] = rest.triangles, rest.weights
    return SurfacePoints(chosen, weights)


def _cast_onto(xy: np.ndarray, vertices: np.ndarray, tris: np.ndarray) -> tuple[SurfacePoints, np.ndarray]:
    """cast_to_surface over these triangles, and for each point whether one of them holds it."""
    from scipy.spatial import cKDTree

    corners = vertices[tris]  # (N, 3, 3)
    centres = corners[:, :, :2].mean(1)
    # a triangle seen edge-on has no area in the view: its barycentric weights are noise, and it would
    # "contain" every point near it; it can only be the nearest triangle
    edges = corners[:, 1:, :2] - corners[:, :1, :2]
    flat = np.abs(np.cross(edges[:, 0], edges[:, 1])) <= EDGE_ON * np.linalg.norm(
        np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1
    )
    radius = np.linalg.norm(corners[:, :, :2] - centres[:, None], axis=-1).max(1)
    # the search radius covers all but the largest triangles (a cap over a body's open end would make
    # every query return thousands); those few are tried for every point
    reach = float(np.quantile(radius, 0.999)) if len(radius) else 0.0
    large = np.flatnonzero(radius > reach)
    tree = cKDTree(centres)
    chosen, weights, held = np.zeros(len(xy), np.int64), np.zeros((len(xy), 3)), np.zeros(len(xy), bool)
    for i, p in enumerate(xy):
        cand = np.concatenate([np.asarray(tree.query_ball_point(p, reach), np.int64), large])
        if cand.size == 0:
            cand = np.asarray([tree.query(p)[1]])
        c = corners[cand]
        w = _barycentric_raw(np.repeat(p[None], len(cand), 0), c[:, 0, :2], c[:, 1, :2], c[:, 2, :2])
        inside = (w >= -1e-9).all(1) & ~flat[cand]
        held[i] = inside.any()
        if held[i]:
            z = np.where(inside, (w[:, :, None] * c).sum(1)[:, 2], -np.inf)
            k = int(np.argmax(z))
        else:
            k = int(np.argmin(np.linalg.norm(centres[cand] - p, axis=1)))
        chosen[i] = cand[k]
        weights[i] = barycentric_2d(p[None], *(c[k : k + 1, j, :2] for j in range(3)))[0]
    return SurfacePoints(chosen, weights), held


@dataclass(frozen=True)
class Correspondence:
    points: SurfacePoints
    view: FrontView
    landmarks_px: np.ndarray  # (468, 2) where MediaPipe found them on the render
    framed: str = "whole part"  # the view it was found in (retarget.framing)


# MediaPipe's inner-lip contour, upper and lower (the corners 78 and 308 belong to both)
LIP_NUDGE = 0.04  # of the mouth's width


def part_the_lips(landmarks: np.ndarray) -> np.ndarray:
    """On a closed mouth both inner-lip contours lie on the seam, and a ray there may hit either lip:
    move the upper contour up and the lower one down by a few percent of the mouth's width, so each
    lands on its own lip (on an open mouth they stay on the lips' inner edges)."""
    out = landmarks.copy()
    nudge = LIP_NUDGE * np.linalg.norm(landmarks[308] - landmarks[78])
    out[list(INNER_UPPER), 1] -= nudge  # image rows grow downwards
    out[list(INNER_LOWER), 1] += nudge
    return out


def _cast(
    view: FrontView,
    landmarks: np.ndarray,
    vertices: np.ndarray,
    tris: np.ndarray,
    skin: np.ndarray | None,
    rim: np.ndarray | None = None,
) -> SurfacePoints:
    """The landmarks cast onto the mesh (`skin` triangles only, and of those the connected piece most
    of them land on). With `rim` (capped's), the mesh has caps over its holes after its own triangles,
    and a point landing on a cap goes to the hole's rim beside it."""
    from .topology import components

    landmarks = part_the_lips(landmarks)
    xy = np.stack([view.left + landmarks[:, 0] * view.pixel, view.top - landmarks[:, 1] * view.pixel], 1)
    rim = np.zeros(0, np.int64) if rim is None else rim
    own = len(tris) - len(rim)
    allowed = np.flatnonzero(skin) if skin is not None else np.arange(own)
    v = np.asarray(vertices, np.float64)
    # the face is one piece of the mesh: points that a ray took to another piece of it (teeth or eyeballs
    # modelled in the head mesh, seen through parted lips or open lids) go to the piece most points are on
    allowed = np.concatenate([allowed, own + np.flatnonzero(np.isin(rim, allowed))])
    points = cast_to_surface(xy, v, tris[allowed])
    chosen, weights = allowed[points.triangles], points.weights.copy()
    on_own = np.where(chosen < own, chosen, rim[np.maximum(chosen - own, 0)] if len(rim) else chosen)
    mask = np.zeros(own, bool)
    mask[allowed[allowed < own]] = True
    label = components(tris[:own][mask], len(v))
    piece = label[tris[on_own, 0]]
    astray = np.flatnonzero(piece != np.bincount(piece).argmax())
    if len(astray):  # each to the face's triangle nearest where its ray stopped (a lip's or a lid's rim)
        from scipy.spatial import cKDTree

        face = np.flatnonzero(mask)
        face = face[label[tris[face, 0]] == np.bincount(piece).argmax()]
        hits = points.positions(v, tris[allowed])[astray]
        near = face[cKDTree(v[tris[face]].mean(1)).query(hits)[1]]
        chosen[astray] = near
        c = v[tris[near]][:, :, :2]
        weights[astray] = barycentric_2d(xy[astray], c[:, 0], c[:, 1], c[:, 2])
    for i in np.flatnonzero(chosen >= own):  # to the nearest edge of the hole's rim (in the view)
        fans = np.flatnonzero(tris[own:, 2] == tris[chosen[i], 2])  # the caps of this hole
        a, b = v[tris[own + fans, 0], :2], v[tris[own + fans, 1], :2]
        t = np.clip(((xy[i] - a) * (b - a)).sum(1) / np.maximum(((b - a) ** 2).sum(1), 1e-300), 0, 1)
        nearest = fans[np.argmin(np.linalg.norm(a + t[:, None] * (b - a) - xy[i], axis=1))]
        chosen[i] = rim[nearest]
        c = v[tris[chosen[i]]][None, :, :2]
        weights[i] = barycentric_2d(xy[i : i + 1], c[:, 0], c[:, 1], c[:, 2])[0]
    return SurfacePoints(chosen, weights)


def find_correspondence(
    vertices: np.ndarray,
    tris: np.ndarray,
    frame: np.ndarray | None = None,
    size: int = 512,
    source: str = "mesh",
    skin: np.ndarray | None = None,
) -> Correspondence:
    """Render, detect, cast: our 468 vertices as points on the mesh (face towards +z, y up). `skin`
    (a mask over the triangles) limits where points may land: a ray through parted lips must not
    stop on the teeth or the inside of the mouth behind them."""
    view = render_front(vertices, tris, frame, size)
    landmarks = detect_landmarks(view.rgb)
    if landmarks is None:
        raise InputError(f"{source}: no face found on the front render")
    return Correspondence(_cast(view, landmarks, vertices, tris, skin), view, landmarks)


def search_face(
    vertices: np.ndarray,
    tris: np.ndarray,
    views,
    size: int = 512,
    skin: np.ndarray | None = None,
    progress: Progress | None = None,
) -> Iterator[Correspondence]:
    """find_correspondence over several views of one render scene (retarget.framing's windows, with
    .name, .cx, .cy, .half): a Correspondence for each view the detector finds a face in, in order.
    The render has the mesh's holes closed (capped); the points land on the mesh itself. `progress`
    hears the scene built, then each view (a big mesh takes seconds for each)."""
    step = progress or (lambda done, total: None)
    total = len(views) + 3
    cv, ct, rim = capped(np.asarray(vertices, np.float64), tris, lambda: step(1, total))
    step(2, total)
    with FrontRenderer(cv, ct, size) as renderer:
        step(3, total)
        for i, window in enumerate(views):
            view = renderer.view(window.cx, window.cy, window.half)
            landmarks = detect_landmarks(view.rgb)
            step(4 + i, total)
            if landmarks is not None:
                points = _cast(view, landmarks, cv, ct, skin, rim)
                yield Correspondence(points, view, landmarks, window.name)


def snap_to_surface(
    points: np.ndarray, vertices: np.ndarray, tris: np.ndarray, skin: np.ndarray | None = None, source: str = "mesh"
) -> SurfacePoints:
    """The manual fallback for faces the detector cannot read: our face mask's 468 vertices, placed
    over the mesh by hand (face towards +z, y up), snapped along -z onto the surface."""
    points = np.asarray(points, np.float64)
    if points.shape != (NUM_LANDMARKS, 3) or not np.isfinite(points).all():
        raise InputError(f"{source}: a face mask is ({NUM_LANDMARKS}, 3) finite positions, got {points.shape}")
    allowed = np.flatnonzero(skin) if skin is not None else np.arange(len(tris))
    snapped = cast_to_surface(points[:, :2], np.asarray(vertices, np.float64), tris[allowed])
    return SurfacePoints(allowed[snapped.triangles], snapped.weights)
