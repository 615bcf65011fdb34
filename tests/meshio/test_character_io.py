"""Characters in and out: real third-party files read whole; characters Blender 4.2 and 5.0 export
with their default glTF and FBX settings (sparse shape keys, two materials, a node scale, an armature,
eyes and teeth as separate objects) come back from `retarget` as the same character, plus our keys
and action, as Blender's importer and the Khronos validator see them; hostile files are one line."""

import subprocess

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.meshio import read_character

from .. import hostile
from ..blender_scene import blender_python, probe
from ..conftest import REPO, SHARED, shared_path
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


@pytest.fixture(scope="module", params=["5.0", "4.2"])
def made(blender, shared, request, tmp_path_factory):
    """character.glb and character.fbx exported by Blender `version` with its default settings."""
    python = blender_python(request.param)
    ict = shared_path("ict_facekit", "ict_facekit.npz")
    work = tmp_path_factory.mktemp(f"made_{request.param}")
    proc = subprocess.run(
        [python, str(REPO / "tests" / "blender" / "make_character.py"), str(ict), str(work)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0 and (work / "character.fbx").exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    curves = work / "curves.npz"
    rng = np.random.default_rng(0)
    np.savez(curves, exp=rng.normal(0, 1.0, (24, 64)).astype(np.float32), fps=np.float32(30))
    return work, curves


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


@pytest.mark.slow
def test_hostile_character_files_get_one_line_and_nothing_written(blender, made, tmp_path, capsys):
    work, curves = made
    for name, (path, says) in hostile.character_files(tmp_path, (work / "character.fbx").read_bytes()).items():
        out = tmp_path / f"out_{path.stem}.glb"
        assert main(["retarget", "--mesh", str(path), "--curves", str(curves), "-o", str(out)]) == 2, name
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(path) in err[0] and says in err[0], (name, err)
        assert not out.exists(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def _glb(path):
    from styletalk_core.meshio.precheck import load_gltf

    doc, buffers = load_gltf(path, "glb")
    return doc, buffers[0]


@pytest.mark.slow
def test_glb_gets_our_keys_straight_into_the_users_file(blender, made, tmp_path, monkeypatch):
    """.glb in, .glb out: the user's JSON and binary kept byte for byte with our targets and animation
    appended, and Blender's importer sees the same keys as when Blender's own exporter writes them."""
    import styletalk_core.meshio as meshio
    from styletalk_core.meshio.glb_append import NotDirect
    from styletalk_core.retarget.character import retarget_file

    work, curves = made
    source, direct, exported = work / "character.glb", tmp_path / "direct.glb", tmp_path / "blender.glb"
    assert retarget_file(source, curves, direct).written == "direct"

    def refuse(*args):
        raise NotDirect("for the comparison")

    monkeypatch.setattr(meshio, "append_to_glb", refuse)
    assert retarget_file(source, curves, exported).written == "blender"
    (doc, binary), (new, out) = _glb(source), _glb(direct)
    assert out[: len(binary)] == binary
    for key in set(doc) - {"meshes", "accessors", "bufferViews", "buffers", "animations"}:
        assert new[key] == doc[key], key
    for key in ("accessors", "bufferViews", "animations"):
        assert new.get(key, [])[: len(doc.get(key, []))] == doc.get(key, []), key
    for was, now in zip(doc["meshes"], new["meshes"], strict=True):
        if now["name"] not in ("Head", "Teeth"):  # the skin and the teeth that go with its jaw
            assert now == was
    assert len(new["animations"]) == len(doc.get("animations", [])) + 1  # one animation: both parts' channels
    assert {new["nodes"][c["target"]["node"]]["name"] for c in new["animations"][-1]["channels"]} == {"Head", "Teeth"}
    for name in ("Head", "Teeth"):
        a, b = (
            next(p for p in read_character(f).parts if p.name.split(".")[0] == name)  # Blender may add .001
            for f in (direct, exported)
        )
        assert a.target_names == b.target_names and len(a.target_names) >= 64
        scale = np.abs(b.targets).max()
        assert scale > 0 and np.abs(a.targets - b.targets).max() < 1e-5 * scale


@pytest.mark.slow
def test_a_glb_whose_part_does_not_match_is_not_written_directly(blender, made, tmp_path):
    from styletalk_core.formats.character import Additions
    from styletalk_core.meshio.glb_append import NotDirect, append_to_glb

    work, _ = made
    head = read_character(work / "character.glb").part("Head")
    idx = np.arange(0, len(head.vertices), 7)
    add = Additions("Head", ("a",), idx, np.ones((1, len(idx), 3), np.float32))
    append_to_glb(work / "character.glb", [(head, add)], tmp_path / "ok.glb")
    head.vertices = head.vertices[np.random.default_rng(0).permutation(len(head.vertices))]  # another numbering
    with pytest.raises(NotDirect, match="not the part's"):
        append_to_glb(work / "character.glb", [(head, add)], tmp_path / "no.glb")
    with pytest.raises(NotDirect, match="mesh nodes named"):
        nobody = Additions("Nobody", ("a",), idx, add.offsets)
        append_to_glb(work / "character.glb", [(head, nobody)], tmp_path / "no.glb")
    assert not (tmp_path / "no.glb").exists()
