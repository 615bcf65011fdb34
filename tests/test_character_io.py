"""Characters in and out: real third-party files read whole; characters Blender 4.2 and 5.0 export
with their default glTF and FBX settings (sparse shape keys, two materials, a node scale, an armature,
eyes and teeth as separate objects) come back from `retarget` as the same character, plus our keys
and action, as Blender's importer and the Khronos validator see them; hostile files are one line."""

import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.meshio import read_character

from .blender_scene import probe
from .conftest import REPO, SHARED, shared_path
from .gltf_clients import node_reader
from .test_blender_addon import blender_python

CHARACTERS = sorted((SHARED / "characters").glob("*.glb"))


def _meshes(scene: dict) -> dict:
    """Mesh objects by their mesh's name (Blender's glTF importer moves an animated skinned mesh onto
    a new child object; the mesh and its node keep their names)."""
    return {o["mesh"]: o for o in scene["objects"].values() if o["type"] == "MESH" and o["mesh"] != "Icosphere"}


@pytest.mark.parametrize("path", CHARACTERS, ids=[p.stem for p in CHARACTERS])
def test_reference_character_is_read_whole(path):
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
def made(request, tmp_path_factory):
    """character.glb and character.fbx exported by Blender `version` with its default settings."""
    python = blender_python(request.param)
    ict = shared_path("ict_facekit", "ict_facekit.npz")
    work = tmp_path_factory.mktemp(f"made_{request.param}")
    proc = subprocess.run([python, str(REPO / "tests" / "blender" / "make_character.py"), str(ict), str(work)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0 and (work / "character.fbx").exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    curves = work / "curves.npz"
    rng = np.random.default_rng(0)
    np.savez(curves, exp=rng.normal(0, 1.0, (24, 64)).astype(np.float32), fps=np.float32(30))
    return work, curves


@pytest.mark.parametrize("kind", ["glb", "fbx"])
def test_retarget_gives_back_the_same_character_talking(made, kind):
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
        if name == "Head":  # the face skin: its own keys kept, ours added and animated
            assert now["shape_keys"][: len(was["shape_keys"])] == was["shape_keys"] and now["animated"]
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


def _glb(doc, binary: bytes = b"") -> bytes:
    body = (doc if isinstance(doc, bytes) else json.dumps(doc).encode()) + b" " * 3
    body = body[: len(body) - len(body) % 4]
    data = binary + b"\0" * (-len(binary) % 4)
    chunks = struct.pack("<I4s", len(body), b"JSON") + body + (struct.pack("<I4s", len(data), b"BIN\0") + data)
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def _triangle(positions=None, **change) -> bytes:
    """A one-triangle glTF binary, with `change` applied to its accessors/nodes/targets."""
    pos = np.asarray(positions if positions is not None else [[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    idx = np.array(change.pop("indices", [0, 1, 2]), np.uint16)
    binary = pos.tobytes() + idx.tobytes() + b"\0\0" + pos[:2].tobytes()
    doc = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": change.pop("byte_length", len(binary))}],
        "bufferViews": [{"buffer": 0, "byteOffset": start, "byteLength": length}
                        for start, length in ((0, 36), (36, 6), (44, 24))],  # fmt: skip
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": change.pop("count", 3), "type": "VEC3",
                       "min": [0, 0, 0], "max": [1, 1, 0]},
                      {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"},
                      {"bufferView": 2, "componentType": 5126, "count": 2, "type": "VEC3"}],  # fmt: skip
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1,
                                    "targets": [{"POSITION": 2}] if change.pop("short_target", False) else []}]}],
        "nodes": change.pop("nodes", [{"mesh": 0}]),
        "scenes": [{"nodes": [0]}],
    }  # fmt: skip
    doc.update(change)
    return _glb(doc, binary)


def _hostile_files(tmp: Path, made_fbx: bytes | None) -> dict[str, tuple[Path, str]]:
    """name -> (file, what its one line must say)."""
    cases = {
        "truncated.glb": (_triangle()[:60], "cut short"),
        "garbage.glb": (bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8)), "it is binary data"),
        "list.glb": (_glb([1, 2, 3]), "not glTF"),
        "deep.glb": (_glb(b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
        "negative_count.glb": (_triangle(count=-5), "count -5"),
        "huge_count.glb": (_triangle(count=10**9), "runs past the end"),
        "bad_index.glb": (_triangle(indices=[0, 1, 7]), "vertex index 7"),
        "short_target.glb": (_triangle(short_target=True), "morph target 0 has 2"),
        "short_buffer.glb": (_triangle(byte_length=10**6), "says 1000000 bytes"),
        "cycle.glb": (_triangle(nodes=[{"mesh": 0, "children": [1]}, {"children": [0]}]), "node tree"),
        "meshopt.glb": (_triangle(extensionsRequired=["EXT_meshopt_compression"]), "EXT_meshopt_compression"),
        "nan.glb": (_triangle(positions=[[0, 0, 0], [np.nan, 0, 0], [0, 1, 0]]), "NaN"),
        "ascii.fbx": (b"; FBX 7.4.0 project file\nFBXHeaderExtension:  {\n}\n", "ASCII FBX"),
        "old.fbx": (b"Kaydara FBX Binary  \x00\x1a\x00" + struct.pack("<I", 6100) + b"\0" * 64, "FBX version 6100"),
        "binary.obj": (b"v 0 0 0\n\0\0\0\x01\x02", "binary data"),
        "glb_named.obj": (_triangle(), "it is a glTF binary"),
        "empty.glb": (b"", "empty"),
    }
    if made_fbx is not None:
        cases["truncated.fbx"] = (made_fbx[:3000], "importer cannot read it")
        cases["fbx_named.glb"] = (made_fbx, "it is an FBX file")
    out = {}
    for name, (data, says) in cases.items():
        (tmp / name).write_bytes(data)
        out[name] = (tmp / name, says)
    return out


def test_hostile_character_files_get_one_line_and_nothing_written(made, tmp_path, capsys):
    work, curves = made
    for name, (path, says) in _hostile_files(tmp_path, (work / "character.fbx").read_bytes()).items():
        out = tmp_path / f"out_{path.stem}.glb"
        assert main(["retarget", "--mesh", str(path), "--curves", str(curves), "-o", str(out)]) == 2, name
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(path) in err[0] and says in err[0], (name, err)
        assert not out.exists(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left behind
