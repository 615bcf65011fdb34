"""Characters in and out: real third-party files read whole; characters Blender 4.2 and 5.0 export
with their default glTF and FBX settings (sparse shape keys, two materials, a node scale, an armature,
eyes and teeth as separate objects) come back from `retarget` as the same character, plus our keys
and action, as Blender's importer and the Khronos validator see them; hostile files are one line."""

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.meshio import read_character

from ..blender_scene import probe
from ..conftest import SHARED
from ..gltf_clients import node_reader

CHARACTERS = sorted((SHARED / "characters").glob("*.glb"))


def _meshes(scene: dict) -> dict:
    """Mesh objects by their mesh's name (Blender's glTF importer moves an animated skinned mesh onto
    a new child object; the mesh and its node keep their names)."""
    return {o["mesh"]: o for o in scene["objects"].values() if o["type"] == "MESH" and o["mesh"] != "Icosphere"}


@pytest.mark.slow
@pytest.mark.parametrize("path", CHARACTERS, ids=[p.stem for p in CHARACTERS])
def test_reference_character_is_read_whole(blender, path):
    """Every mesh object with its vertices, keys, materials and armature, as Blender's importer has them,
    placed where the file puts them (world space)."""
    character = read_character(path)
    objects = probe(path)["objects"]
    meshes = {n for n, o in objects.items() if o["type"] == "MESH" and o["mesh"] != "Icosphere"}
    assert {p.name for p in character.parts} == meshes
    for part in character.parts:
        seen = objects[part.name]
        assert len(part.vertices) == seen["vertices"] and list(part.target_names) == seen["shape_keys"]
        assert list(part.materials) == seen["materials"] and part.armature == seen["armature"]
        assert np.isfinite(part.vertices).all() and part.triangles.max() < len(part.vertices)
    assert set(character.objects) == set(objects)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["glb", "fbx"])
def test_retarget_gives_back_the_same_character_talking(blender, made, kind):
    work, curves = made
    source, out = work / f"character.{kind}", work / f"talking.{kind}"
    assert main(["retarget", "--mesh", str(source), "--curves", str(curves), "-o", str(out)]) == 0
    before, after = probe(source), probe(out)
    old, new = _meshes(before), _meshes(after)
    assert set(new) == set(old)  # every mesh, by name
    for name, was in old.items():
        now = new[name]
        for field in ("vertices", "materials", "uv_layers"):
            assert now[field] == was[field], (kind, name, field)
        assert bool(now["armature"]) == bool(was["armature"]), (kind, name)
        if name in ("Head", "Teeth"):  # the face skin, and teeth that go with its jaw: their own keys kept, ours
            assert now["shape_keys"][: len(was["shape_keys"])] == was["shape_keys"] and now["animated"]  # added
            assert {k.rsplit("_", 1)[0] for k in now["shape_keys"][len(was["shape_keys"]) :]} == {
                f"exp{i:02d}" for i in range(64)
            }
        else:
            assert now["shape_keys"] == was["shape_keys"] and not now["animated"], (kind, name)
    arms = [(n, o["bones"]) for n, o in before["objects"].items() if o["type"] == "ARMATURE"]
    assert arms and arms == [(n, o["bones"]) for n, o in after["objects"].items() if o["type"] == "ARMATURE"]
    assert after["actions"] >= 1
    if kind == "glb":
        for report in node_reader("validate", source, out):
            assert report["errors"] == 0, report


def _glb(path):
    from styletalk_core.meshio.precheck import load_gltf

    doc, buffers = load_gltf(path, "glb")
    return doc, buffers[0]
