"""The embedded linear face model on the MediaPipe 468-point topology: mean + 64 expression bases."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..formats.face_file import face_arrays
from ..resources import FACE_MODEL_FILE
from .landmarks import INNER_LIP_PAIRS


def mouth_opening(vertices: np.ndarray) -> np.ndarray:
    """(..., 468, >=2) vertices in our convention (y down) -> (...) the mean vertical inner-lip gap.
    For points in a y-up frame (a character's front view) the opening is the negative of this."""
    upper, lower = [p[0] for p in INNER_LIP_PAIRS], [p[1] for p in INNER_LIP_PAIRS]
    return (vertices[..., lower, 1] - vertices[..., upper, 1]).mean(-1)


@dataclass(frozen=True)
class FaceModel:
    mean: np.ndarray  # (468, 3) neutral shape, pixel units of a 256x256 crop, y down
    basis: np.ndarray  # (64, 468, 3) displacement per unit of each expression coefficient
    triangles: np.ndarray  # (F, 3) vertex indices, counter-clockwise seen from the camera
    exp_mean: np.ndarray  # (64,) mean expression of the training clips (prior for a clip's level)
    inverse: np.ndarray  # (936, 64) ridge map: aligned 2-D landmark deviations -> coefficient deviations
    provenance: dict
    # per-clip level: (468, 2) mean of the clips' mean aligned shapes, and (936, 64) ridge map from a
    # clip's mean aligned shape (minus level_shape) to its mean expression (minus exp_mean)
    level_shape: np.ndarray | None = None
    level_map: np.ndarray | None = None

    def clip_level(self, aligned: np.ndarray) -> np.ndarray:
        """(64,) estimated mean expression of a clip from its (T, 468, >=2) aligned landmarks; the
        population mean `exp_mean` when the model has no level map."""
        if self.level_map is None or self.level_shape is None:
            return self.exp_mean
        shape = aligned.mean(0)[:, :2] - self.level_shape
        return self.exp_mean + shape.reshape(-1) @ self.level_map

    def vertices(self, exp: np.ndarray) -> np.ndarray:
        """(T, 64) coefficients -> (T, 468, 3) vertices."""
        exp = np.asarray(exp, dtype=np.float32)
        return self.mean + np.tensordot(exp, self.basis, axes=(-1, 0))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            mean=self.mean.astype(np.float32),
            basis=self.basis.astype(np.float32),
            triangles=self.triangles.astype(np.int32),
            exp_mean=self.exp_mean.astype(np.float32),
            inverse=self.inverse.astype(np.float32),
            provenance=np.array(json.dumps(self.provenance)),
            **(
                {}
                if self.level_map is None or self.level_shape is None
                else {
                    "level_shape": self.level_shape.astype(np.float32),
                    "level_map": self.level_map.astype(np.float32),
                }
            ),
        )


LEVEL_ARRAYS = ("level_shape", "level_map")  # optional in the file


@lru_cache(maxsize=2)
def load_face_model(path: Path = FACE_MODEL_FILE) -> FaceModel:
    z = face_arrays(path, ("mean", "basis", "triangles", "exp_mean", "inverse", "provenance"), LEVEL_ARRAYS)
    level = {k: z[k] for k in LEVEL_ARRAYS if k in z}
    return FaceModel(
        z["mean"], z["basis"], z["triangles"], z["exp_mean"], z["inverse"], json.loads(str(z["provenance"])), **level
    )


def triangles_from_edges(edges: list[tuple[int, int]]) -> np.ndarray:
    """Triangles = 3-cliques of the edge graph, minus spurious ones: where an edge borders three
    cliques, the clique made only of interior edges (each shared twice or more) is not a face."""
    edge_set = {tuple(sorted(e)) for e in edges}
    adj = defaultdict(set)
    for a, b in edge_set:
        adj[a].add(b)
        adj[b].add(a)
    tris = {tuple(sorted((a, b, c))) for a, b in edge_set for c in adj[a] & adj[b]}
    while True:
        count = Counter(e for t in tris for e in itertools.combinations(t, 2))
        crowded = [e for e, n in count.items() if n > 2]
        if not crowded:
            break
        owners = [t for t in tris if crowded[0] in itertools.combinations(t, 2)]
        # the spurious one has the fewest boundary (count 1) edges and the most crowded edges
        tris.discard(max(owners, key=lambda t: sum(count[e] for e in itertools.combinations(t, 2))))
    return np.array(sorted(tris), dtype=np.int32)


def orient_towards_camera(triangles: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Flip triangles so their normals point to the camera (-z in MediaPipe's y-down image frame)."""
    v = vertices[triangles]
    normal_z = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])[:, 2]
    out = triangles.copy()
    flip = normal_z > 0
    out[flip] = out[flip][:, [0, 2, 1]]
    return out
