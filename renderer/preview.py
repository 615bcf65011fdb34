"""Weights-free preview: the embedded face mesh animated by the curves, rendered offscreen (pyrender)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from styletalk_core.extras import offscreen_gl
from styletalk_core.face.face_model import FaceModel, load_face_model
from styletalk_core.formats.curves import Curves
from styletalk_core.formats.errors import InputError
from styletalk_core.settings import PreviewSettings


def check_preview_size(size: int) -> int:
    if not (PreviewSettings.min_size <= size <= PreviewSettings.max_size) or size % 2:
        raise InputError(
            f"--size must be an even number of pixels from {PreviewSettings.min_size} to {PreviewSettings.max_size}, "
            f"got {size}"
        )
    return size


def _to_gl(vertices: np.ndarray) -> np.ndarray:
    """Face-model pixels (y down, z away) -> OpenGL (y up, z towards the viewer): a rotation."""
    v = vertices.copy()
    v[..., 1] = 256.0 - v[..., 1]
    v[..., 2] = -v[..., 2]
    return v


def preview_frames(
    curves: Curves, size: int = PreviewSettings.size, batch: int = 16, model: FaceModel | None = None
) -> Iterator[np.ndarray]:
    """Yield (b, size, size, 3) uint8 frames of the face mesh, one per curves frame."""
    pyrender, trimesh = offscreen_gl()

    model = model or load_face_model()
    scene = pyrender.Scene(bg_color=[0.16, 0.17, 0.2, 1.0], ambient_light=[0.25, 0.25, 0.25])
    eye = np.eye(4)
    eye[:3, 3] = [128.0, 128.0, 400.0]
    scene.add(pyrender.OrthographicCamera(xmag=95.0, ymag=95.0, znear=1.0, zfar=1000.0), pose=eye)
    key = np.eye(4)
    key[:3, :3] = trimesh.transformations.euler_matrix(-0.35, 0.4, 0)[:3, :3]
    scene.add(pyrender.DirectionalLight(intensity=3.0), pose=key)
    material = pyrender.MetallicRoughnessMaterial(baseColorFactor=[0.85, 0.72, 0.65, 1.0], roughnessFactor=0.7)
    renderer = pyrender.OffscreenRenderer(size, size)
    node = None
    try:
        out = []
        for verts in model.vertices(curves.exp):
            tm = trimesh.Trimesh(_to_gl(verts), model.triangles, process=False)
            if node is not None:
                scene.remove_node(node)
            node = scene.add(pyrender.Mesh.from_trimesh(tm, material=material, smooth=True))
            color, _ = renderer.render(scene)
            out.append(color)
            if len(out) == batch:
                yield np.stack(out)
                out = []
        if out:
            yield np.stack(out)
    finally:
        renderer.delete()
