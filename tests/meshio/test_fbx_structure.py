"""A binary FBX's structure is walked before Blender reads it (hostile input, class 6): records that
end outside their place, properties past their list, arrays whose stated length disagrees with their
bytes or that claim more than their compressed bytes can hold are one line; real files pass, in the
32-bit (7.4, Blender's) and 64-bit (7.5 and later) layouts."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.meshio.fbx_structure import check_fbx_structure

MAGIC = b"Kaydara FBX Binary  \x00\x1a\x00"


def _record(name: bytes, props: bytes, count: int, nested: list[bytes], wide: bool, at: int) -> bytes:
    head = 25 if wide else 13
    body_at = at + head + len(name) + len(props)
    children = b""
    for make in nested:
        children += make(body_at + len(children))
    if nested:
        children += bytes(head)  # the null record closing the nested list
    end = body_at + len(children)
    fmt = "<QQQB" if wide else "<IIIB"
    return struct.pack(fmt, end, count, len(props), len(name)) + name + props + children


def _fbx(version: int, array: bytes | None = None) -> bytes:
    wide = version >= 7500
    vertices = array if array is not None else b"d" + struct.pack("<III", 3, 0, 24) + np.arange(3.0).tobytes()
    props = b"I" + struct.pack("<i", 7) + b"S" + struct.pack("<I", 4) + b"Mesh" + vertices
    leaf = lambda at: _record(b"Vertices", props, 3, [], wide, at)  # noqa: E731
    top = _record(b"Objects", b"", 0, [leaf], wide, 27)
    return MAGIC + struct.pack("<I", version) + top + bytes(25 if wide else 13) + bytes(16)


@pytest.mark.parametrize("version", [7400, 7500])
def test_a_file_that_holds_together_passes_in_either_layout(blender, version):
    check_fbx_structure(Path("ok.fbx"), _fbx(version))
    packed = zlib.compress(np.arange(1000.0).tobytes())
    check_fbx_structure(Path("ok.fbx"), _fbx(version, b"d" + struct.pack("<III", 1000, 1, len(packed)) + packed))


@pytest.mark.parametrize(
    "change,reason",
    [
        (lambda d: d[:27] + struct.pack("<I", 10**6) + d[31:], "outside its place"),
        (lambda d: d.replace(b"d\x03\x00\x00\x00", b"d\x04\x00\x00\x00"), "holds 24 bytes, not 32"),
        (lambda d: d.replace(b"S\x04\x00\x00\x00", b"S\x40\x00\x00\x00"), "runs past its list"),
        (lambda d: d.replace(b"I\x07", b"\x8a\x07"), "unknown property type"),
        (lambda d: d[:-40], "outside its place"),  # cut short
        (lambda d: d[:35], "cut short"),
    ],
)
def test_a_structure_that_does_not_add_up_is_one_line(blender, change, reason):
    with pytest.raises(InputError, match=reason):
        check_fbx_structure(Path("bad.fbx"), change(_fbx(7400)))


def test_an_array_claiming_more_than_its_compressed_bytes_hold_is_refused(blender):
    packed = zlib.compress(bytes(64))
    claim = b"d" + struct.pack("<III", 10**8, 1, len(packed)) + packed
    with pytest.raises(InputError, match="a compressed array claims 100000000 values"):
        check_fbx_structure(Path("bomb.fbx"), _fbx(7400, claim))


@pytest.mark.slow
def test_blenders_own_fbx_passes_and_a_byte_deleted_inside_a_record_header_is_refused(blender, tmp_path):
    """Blender's FBX exporter's file passes; the fuzz script's cube with one byte deleted, which took
    Blender past 3 GB, is refused before Blender reads it."""
    import subprocess
    import sys

    pytest.importorskip("bpy", reason="bpy (Blender as a module) is not installed")
    from styletalk_core.meshio.precheck import check_character_file

    code = (
        "import bpy, sys, os; bpy.ops.wm.read_factory_settings(use_empty=True); bpy.ops.mesh.primitive_cube_add(); "
        "bpy.ops.export_scene.fbx(filepath=sys.argv[1]); os._exit(0)"
    )
    cube = tmp_path / "cube.fbx"
    subprocess.run([sys.executable, "-c", code, str(cube)], capture_output=True, check=True, timeout=120)
    assert check_character_file(cube) == "fbx"
    data = cube.read_bytes()
    cut = tmp_path / "cut.fbx"
    cut.write_bytes(data[:40] + data[41:])  # inside the first record's header
    with pytest.raises(InputError, match="cut.fbx: the FBX file's structure does not hold together"):
        check_character_file(cut)
