"""glTF files whose few bytes make Blender allocate gigabytes are one line before Blender reads them
(hostile input, class 6): an accessor with no bytes of its own claiming more than the file holds, one
mesh shown by thousands of nodes, animations pointing outside the file."""

import numpy as np
import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.meshio.gltf_check import MAX_SCENE_VERTICES
from styletalk_core.meshio.precheck import check_character_file

from .. import hostile


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _glb(n_vertices: int, nodes: int = 1, target: dict | None = None) -> bytes:
    """A mesh of `n_vertices` (a strip of triangles) shown by `nodes` nodes; `target`: a morph target
    accessor added to it."""
    pos = np.zeros((n_vertices, 3), np.float32)
    pos[:, 0] = np.arange(n_vertices)
    pos[1::2, 1] = 1
    idx = np.arange(3, dtype=np.uint32)
    binary = pos.tobytes() + idx.tobytes()
    accessors = [
        {
            "bufferView": 0,
            "componentType": 5126,
            "count": n_vertices,
            "type": "VEC3",
            "min": pos.min(0).tolist(),
            "max": pos.max(0).tolist(),
        },
        {"bufferView": 1, "componentType": 5125, "count": 3, "type": "SCALAR"},
    ]
    prim = {"attributes": {"POSITION": 0}, "indices": 1}
    if target is not None:
        accessors.append(target)
        prim["targets"] = [{"POSITION": 2}]
    doc = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": pos.nbytes},
            {"buffer": 0, "byteOffset": pos.nbytes, "byteLength": 12},
        ],
        "accessors": accessors,
        "meshes": [{"primitives": [prim]}],
        "nodes": [{"mesh": 0}] * nodes,
        "scenes": [{"nodes": list(range(nodes))}],
    }
    return hostile.glb_bytes(doc, binary)


def test_an_accessor_without_bytes_may_not_claim_more_than_the_file_holds(blender, tmp_path):
    zeros = {"componentType": 5126, "type": "VEC3"}  # no bufferView: all zeros (a sparse target's base)
    assert check_character_file(_write(tmp_path, "ok.glb", _glb(3, target={**zeros, "count": 3}))) == "glb"
    path = _write(tmp_path, "zeros.glb", _glb(3, target={**zeros, "count": 300_000_000}))
    assert path.stat().st_size < 2000
    with pytest.raises(InputError, match="no bytes of its own but claims 300000000 values, more than any"):
        check_character_file(path)


def test_one_mesh_shown_by_thousands_of_nodes_is_refused_a_crowd_is_not(blender, tmp_path):
    assert check_character_file(_write(tmp_path, "crowd.glb", _glb(20_000, nodes=500))) == "glb"  # 10 M shown
    with pytest.raises(InputError, match=f"60000000 vertices in all .* the limit is {MAX_SCENE_VERTICES}"):
        check_character_file(_write(tmp_path, "many.glb", _glb(20_000, nodes=3000)))


@pytest.mark.parametrize(
    "animation,says",
    [
        ({"samplers": [{"input": 9, "output": 0}], "channels": []}, "sampler 0 input refers to 9"),
        (
            {"samplers": [{"input": 2, "output": 0}], "channels": [{"sampler": 4, "target": {"node": 0}}]},
            "channel 0 refers to 4",
        ),
        (
            {"samplers": [{"input": 2, "output": 0}], "channels": [{"sampler": 0, "target": {"node": 7}}]},
            "channel 0 target refers to 7",
        ),
        ({"channels": []}, "animation 0 has no samplers"),
    ],
)
def test_animations_are_checked_like_meshes(blender, tmp_path, animation, says):
    path = _write(tmp_path, "anim.glb", hostile.triangle_glb(animations=[animation]))
    with pytest.raises(InputError, match=says):
        check_character_file(path)


@pytest.mark.slow
def test_a_draco_file_blender_wrote_passes_and_reads(blender, tmp_path):
    """The precheck's Draco rule (the compressed data's view within its buffer, its accessors in the
    table) lets through what Blender's own exporter writes with Draco compression."""
    import subprocess
    import sys

    from styletalk_core.meshio import read_character

    pytest.importorskip("bpy", reason="bpy (Blender as a module) is not installed")
    path = tmp_path / "draco.glb"
    code = (
        "import bpy, os, sys; bpy.ops.wm.read_factory_settings(use_empty=True); "
        "bpy.ops.mesh.primitive_uv_sphere_add(); "
        "bpy.ops.export_scene.gltf(filepath=sys.argv[1], export_draco_mesh_compression_enable=True); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, check=True, timeout=300)
    assert b"KHR_draco_mesh_compression" in path.read_bytes()[:4000]
    assert check_character_file(path) == "glb"
    assert [(p.name, len(p.vertices)) for p in read_character(path).parts] == [("Sphere", 1984)]
