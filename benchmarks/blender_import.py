"""Shape-key keyframe import speed in real bpy: 10 minutes of 30 fps curves (18,000 x 64 keys).

Usage: .venv/bin/python benchmarks/blender_import.py   (goal: <= 1 s)
Compares the bulk path (keyframe_points.add + foreach_set) with keyframe_insert on a slice.
"""

import sys
import tempfile
import time
from pathlib import Path

import bpy
import numpy as np
from styletalk_addon.build import assemble

sys.path.insert(0, str(assemble(Path(tempfile.mkdtemp(prefix="styletalk_addon_"))).parent))
import styletalk.scene as st_scene  # noqa: E402  (the assembled add-on's bpy layer)

bpy.ops.wm.read_factory_settings(use_empty=True)
obj = st_scene.create_face_object(bpy.context)
exp = np.random.default_rng(0).normal(size=(18000, 64)).astype(np.float32)
t0 = time.perf_counter()
st_scene.write_shape_key_animation(obj, exp, np.arange(18000, dtype=np.float64) + 1, "Bench")
bulk = time.perf_counter() - t0
n_slow = 300
blocks = obj.data.shape_keys.key_blocks
t0 = time.perf_counter()
for f in range(n_slow):
    blocks["exp00"].value = float(exp[f, 0])
    blocks["exp00"].keyframe_insert("value", frame=f + 1)
slow = (time.perf_counter() - t0) / n_slow * exp.size
print(f"{'path':<36}{'seconds':>10}{'keys/s':>14}")
print(f"{'bulk foreach_set (18000 x 64)':<36}{bulk:>10.3f}{exp.size / bulk:>14,.0f}")
print(f"{'keyframe_insert (extrapolated)':<36}{slow:>10.1f}{exp.size / slow:>14,.0f}")
print(f"ratio: {slow / bulk:.0f}x   goal: bulk <= 1 s")
