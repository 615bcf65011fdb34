"""The files a character points at: inside its own folder and regular, or one line and nothing read.
The leak case end to end: a glTF whose buffer names a secret beside its folder is refused by
`retarget` before Blender's importer runs, and an FBX whose texture lies outside is refused inside
Blender's importer by the same rule."""

import json
import os
import subprocess

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.formats.errors import InputError
from styletalk_core.meshio import read_character
from styletalk_core.meshio.precheck import check_character_file
from styletalk_core.meshio.references import resolve

from .. import hostile
from ..blender_scene import blender_python


def _tree(tmp_path):
    """tmp/secret/credentials.txt beside tmp/asset/, the character's folder."""
    (tmp_path / "secret").mkdir()
    secret = tmp_path / "secret" / "credentials.txt"
    secret.write_bytes(b"password=hunter2" * 16)
    (tmp_path / "asset").mkdir()
    return tmp_path / "asset", secret


def test_resolve_keeps_to_the_folder_and_to_regular_files(tmp_path):
    folder, secret = _tree(tmp_path)
    (folder / "tex").mkdir()
    (folder / "tex" / "a.png").write_bytes(b"png")
    src = folder / "c.gltf"
    assert resolve("tex/a.png", folder, src, "image") == (folder / "tex" / "a.png").resolve()
    assert resolve("tex\\a.png", folder, src, "image") == (folder / "tex" / "a.png").resolve()
    assert resolve("tex/../tex/a.png", folder, src, "image") is not None
    assert resolve("missing.png", folder, src, "image") is None
    assert resolve("/nowhere/on/this/machine.png", folder, src, "image") is None  # another machine's path
    assert resolve(str(folder / "tex" / "a.png"), folder, src, "image") is not None  # absolute, inside
    os.symlink(secret, folder / "link.txt")
    os.symlink(folder / "loop", folder / "loop")
    os.mkfifo(folder / "fifo.png")
    refused = {
        "../secret/credentials.txt": "outside",
        "..\\secret\\credentials.txt": "outside",
        str(secret): "outside",
        "/proc/self/mem": "outside",
        "link.txt": "links outside",
        "loop": "broken or looping",
        "fifo.png": "not a regular file",
        "tex": "not a regular file",
        "a\0b": "NUL",
        "x" * 5000: "too long",
        7: "not a file name",
        "": "not a file name",
    }
    for reference, says in refused.items():
        with pytest.raises(InputError, match=says) as caught:
            resolve(reference, folder, src, "image")
        assert str(caught.value).startswith(f"{src}: its image") and "\n" not in str(caught.value)


def _triangle_gltf(path, buffer_uri, image_uri=None):
    glb = hostile.triangle_glb()
    doc = json.loads(glb[20 : 20 + int.from_bytes(glb[12:16], "little")])
    doc["buffers"][0]["uri"] = buffer_uri
    if image_uri is not None:
        doc["images"] = [{"uri": image_uri}]
    path.write_text(json.dumps(doc))
    return path


def test_gltf_references_are_checked_before_anything_is_read(tmp_path):
    folder, secret = _tree(tmp_path)
    binary = hostile.triangle_glb()[-68:]  # the one triangle's BIN chunk data
    (folder / "mesh.bin").write_bytes(binary)
    os.mkfifo(folder / "fifo.png")
    assert check_character_file(_triangle_gltf(folder / "ok.gltf", "mesh.bin")) == "gltf"
    assert check_character_file(_triangle_gltf(folder / "ok_encoded.gltf", "mesh%2Ebin")) == "gltf"
    refused = {
        "parent": ("../secret/credentials.txt", None, "outside the character's folder"),
        "encoded parent": ("%2E%2E/secret/credentials.txt", None, "outside the character's folder"),
        "absolute": (str(secret), None, "URL or an absolute path"),
        "file URL": (f"file://{secret}", None, "URL or an absolute path"),
        "proc": ("/proc/self/mem", None, "URL or an absolute path"),
        "integer": (5, None, "not a file name"),
        "image fifo": ("mesh.bin", "fifo.png", "image 0 'fifo.png' is not a regular file"),
        "image outside": ("mesh.bin", "../secret/credentials.txt", "image 0"),
        "short file": ("mesh.bin", None, "holds"),
    }
    for name, (uri, image, says) in refused.items():
        path = _triangle_gltf(folder / "bad.gltf", uri, image)
        if name == "short file":
            (folder / "short.bin").write_bytes(binary[:10])
            path = _triangle_gltf(folder / "bad.gltf", "short.bin")
        with pytest.raises(InputError, match=says):
            check_character_file(path)


def test_obj_material_libraries_and_their_maps_keep_to_the_folder(blender, tmp_path):
    folder, secret = _tree(tmp_path)
    (folder / "tex.png").write_bytes(b"png")
    os.mkfifo(folder / "fifo.png")
    mesh = "mtllib {}\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
    (folder / "ok.mtl").write_text("newmtl m\nmap_Kd -s 1 1 1 tex.png\nmap_Bump C:\\Users\\me\\old.png\n")
    (folder / "ok.obj").write_text(mesh.format("ok.mtl"))
    assert check_character_file(folder / "ok.obj") == "obj"
    cases = {
        "up.obj": (mesh.format("../secret/credentials.txt"), "material library"),
        "abs_map.obj": (mesh.format("abs.mtl"), r"texture \(in abs.mtl\)"),
        "fifo_map.obj": (mesh.format("fifo.mtl"), "not a regular file"),
    }
    (folder / "abs.mtl").write_text(f"newmtl m\nmap_Kd {secret}\n")
    (folder / "fifo.mtl").write_text("newmtl m\nmap_Ka -o 0 0 fifo.png\n")
    for name, (text, says) in cases.items():
        (folder / name).write_text(text)
        with pytest.raises(InputError, match=says):
            check_character_file(folder / name)


def test_retarget_refuses_a_gltf_buffer_outside_its_folder_and_leaks_nothing(blender, tmp_path, capsys):
    folder, secret = _tree(tmp_path)
    path = _triangle_gltf(folder / "character.gltf", "../secret/credentials.txt")
    curves = tmp_path / "curves.npz"
    np.savez(curves, exp=np.zeros((8, 64), np.float32), fps=np.float32(30))
    out = tmp_path / "out.glb"
    assert main(["retarget", "--mesh", str(path), "--curves", str(curves), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "outside the character's folder" in err[0], err
    assert not out.exists()


MAKE_FBX = """
import sys, bpy
out, texture = sys.argv[1], sys.argv[2]
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.mesh.primitive_plane_add()
mat = bpy.data.materials.new("m")
mat.use_nodes = True
node = mat.node_tree.nodes.new("ShaderNodeTexImage")
node.image = bpy.data.images.new("t", 4, 4)
node.image.filepath_raw = texture
node.image.file_format = "PNG"
node.image.save()
mat.node_tree.links.new(node.outputs[0], mat.node_tree.nodes["Principled BSDF"].inputs[0])
bpy.context.object.data.materials.append(mat)
bpy.ops.export_scene.fbx(filepath=out, path_mode="RELATIVE")
"""


@pytest.mark.slow
def test_an_fbx_texture_outside_its_folder_is_refused_inside_blenders_importer(blender, tmp_path):
    """The precheck cannot list an FBX's references: the Blender process applies the rule to each
    texture its importer is about to load, so a texture outside (here a real PNG, so that nothing
    else would stop it) is one line and the file is not read."""
    python = blender_python("5.0")
    folder, _ = _tree(tmp_path)
    outside = tmp_path / "secret" / "skin.png"
    fbx = folder / "plane.fbx"
    proc = subprocess.run([python, "-c", MAKE_FBX, str(fbx), str(outside)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and fbx.exists(), proc.stderr[-2000:]
    with pytest.raises(InputError, match="texture .*skin.png.* lies outside the character's folder") as caught:
        read_character(fbx)
    assert str(caught.value).count(str(fbx)) == 1 and "\n" not in str(caught.value)
    inside = folder / "skin.png"  # the same texture beside it: read as usual
    proc = subprocess.run([python, "-c", MAKE_FBX, str(fbx), str(inside)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [p.name for p in read_character(fbx).parts] == ["Plane"]
