"""Weights-free preview: the embedded face mesh animated by the curves, rendered offscreen (pyrender)."""

from __future__ import annotations

import sys
import types
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


class _MeshBuffer:
    """One mesh node whose vertex buffer is rewritten in place each frame (positions and smooth
    normals, as trimesh computes them), instead of a new trimesh, pyrender mesh, scene node and GL
    buffers per frame. The data and its layout are pyrender's own, so frames are identical."""

    def __init__(self, pyrender, trimesh, scene, material, triangles: np.ndarray):
        self._trimesh, self._tris = trimesh, triangles
        self._primitive, self._node = None, None
        self._scene, self._pyrender, self._material = scene, pyrender, material

    def _normals(self, vertices: np.ndarray) -> np.ndarray:
        corners = vertices[self._tris]
        normals, valid = self._trimesh.triangles.normals(corners)
        face_normals = np.zeros((len(corners), 3))
        face_normals[valid] = normals  # degenerate triangles: zero, as trimesh.Trimesh has them
        return self._trimesh.geometry.weighted_vertex_normals(
            vertex_count=len(vertices),
            faces=self._tris,
            face_normals=face_normals,
            face_angles=self._trimesh.triangles.angles(corners),
        )

    def show(self, vertices: np.ndarray) -> None:
        """Put `vertices` on screen: the first frame builds the node, later ones rewrite its buffer
        (the GL context is current: it is the thread's, left current by the previous render)."""
        if self._primitive is None or not self._primitive._in_context():
            tm = self._trimesh.Trimesh(vertices, self._tris, process=False)
            mesh = self._pyrender.Mesh.from_trimesh(tm, material=self._material, smooth=True)
            self._primitive, self._node = mesh.primitives[0], self._scene.add(mesh)
            return
        from OpenGL import GL

        p = self._primitive
        p.positions, p.normals = vertices.astype(np.float32), self._normals(vertices).astype(np.float32)
        extra = [a for a in (p.tangents, p.texcoord_0, p.texcoord_1, p.color_0) if a is not None]
        data = np.ascontiguousarray(np.hstack([p.positions, p.normals, *extra]).astype(np.float32).ravel())
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, p._buffers[0])
        GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, data.nbytes, data)


def _read_colour(self, scene, flags):
    """pyrender's read-back of its multisampled framebuffer, colour only: it also blits, reads and
    converts the depth buffer on every frame, which a preview never uses (the same colour bytes)."""
    from OpenGL import GL

    width, height = self._main_fb_dims
    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._main_fb_ms)
    GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self._main_fb)
    GL.glBlitFramebuffer(0, 0, width, height, 0, 0, width, height, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._main_fb)
    colour = GL.glReadPixels(0, 0, width, height, GL.GL_RGB, GL.GL_UNSIGNED_BYTE)
    return np.flip(np.frombuffer(colour, dtype=np.uint8).reshape(height, width, 3), axis=0), None


def colour_only(renderer) -> bool:
    """Make an OffscreenRenderer read back colour only, where its pyrender is the one this was written
    for (the read-back is pyrender's own method, its framebuffers its own attributes); True if done."""
    inner = getattr(renderer, "_renderer", None)
    if sys.platform == "darwin" or not all(hasattr(inner, a) for a in ("_main_fb_dims", "_main_fb_ms", "_main_fb")):
        return False
    inner._read_main_framebuffer = types.MethodType(_read_colour, inner)
    return True


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
    colour_only(renderer)
    mesh = _MeshBuffer(pyrender, trimesh, scene, material, np.asarray(model.triangles))
    try:
        out = []
        for verts in model.vertices(curves.exp):
            mesh.show(_to_gl(verts))
            color, _ = renderer.render(scene)
            out.append(color)
            if len(out) == batch:
                yield np.stack(out)
                out = []
        if out:
            yield np.stack(out)
    finally:
        renderer.delete()
