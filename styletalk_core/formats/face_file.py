"""The face model's file (face_model.npz: our mean face, its 64 expression offsets, triangles, the
coefficient statistics and provenance) and the ARKit basis file (arkit_basis.npz: 52 named offsets
at our vertices), read in one place by the toolkit (face/face_model.py, retarget/arkit.py) and by
the Blender add-on, which ships both beside it."""

from __future__ import annotations

import os

import numpy as np

from .errors import InputError


def face_arrays(
    path: str | os.PathLike, names: tuple[str, ...] = ("mean", "basis", "triangles"), optional: tuple[str, ...] = ()
) -> dict:
    """The face model file's arrays `names`, and those of `optional` it holds."""
    with np.load(path, allow_pickle=False) as z:
        missing = [n for n in names if n not in z.files]
        if missing:
            raise InputError(f"{path}: not a face model file (no {', '.join(missing)})")
        return {n: z[n] for n in (*names, *optional) if n in z.files}


def key_basis(path: str | os.PathLike) -> tuple[tuple[str, ...], np.ndarray]:
    """A basis file's key names and their (K, 468, 3) offsets at our vertices."""
    with np.load(path, allow_pickle=False) as z:
        if "names" not in z.files or "basis" not in z.files:
            raise InputError(f"{path}: not a key basis file (names and basis)")
        return tuple(str(n) for n in z["names"]), z["basis"]
