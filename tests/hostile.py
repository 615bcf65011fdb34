"""Malformed inputs of every kind, made on the fly: shared by tests/test_hostile_input.py and the
fuzz script benchmarks/fuzz_cli.py."""

from __future__ import annotations

import json
import struct
import wave
from pathlib import Path

import numpy as np
import scipy.io
import torch


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    """int16 samples as a PCM wav, or float samples as an IEEE-float wav (which can hold NaN)."""
    if samples.dtype.kind == "f":
        data = samples.astype("<f4").tobytes()
        fmt = 3  # WAVE_FORMAT_IEEE_FLOAT
        header = b"RIFF" + (36 + len(data)).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
        header += fmt.to_bytes(2, "little") + (1).to_bytes(2, "little") + rate.to_bytes(4, "little")
        header += (rate * 4).to_bytes(4, "little") + (4).to_bytes(2, "little") + (32).to_bytes(2, "little")
        path.write_bytes(header + b"data" + len(data).to_bytes(4, "little") + data)
        return path
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype(np.int16).tobytes())
    return path


def nan_wav(path: Path) -> Path:
    x = (0.1 * np.sin(np.arange(16000) / 10)).astype(np.float32)
    x[4000:4100] = np.nan
    return write_wav(path, x)


def corrupt_video(path: Path, source: Path, frames: int = 40) -> Path:
    """A valid mp4 (index at the front) whose middle fifth is overwritten with random bytes."""
    tmp = reencoded(source, path.with_suffix(".clean.mp4"), 25, frames, faststart=True)
    data = tmp.read_bytes()
    tmp.unlink()
    n = len(data)
    noise = np.random.default_rng(0).integers(0, 256, n // 5, dtype=np.uint8).tobytes()
    path.write_bytes(data[: 2 * n // 5] + noise + data[2 * n // 5 + len(noise) :])
    return path


def reencoded(
    source: Path, path: Path, rate: int, frames: int = 40, lossless: bool = False, faststart: bool = False
) -> Path:
    """The first `frames` frames of video `source` as a 256x256 H.264 mp4 at `rate` fps (lossless: the
    same pictures whatever the rate; faststart: the index at the front)."""
    import av

    with (
        av.open(str(source)) as inp,
        av.open(str(path), "w", options={"movflags": "faststart"} if faststart else {}) as out,
    ):
        stream = out.add_stream("libx264", rate=rate, options={"qp": "0"} if lossless else {})
        stream.width = stream.height = 256
        stream.pix_fmt = "yuv444p" if lossless else "yuv420p"
        for i, frame in enumerate(inp.decode(video=0)):
            if i >= frames:
                break
            rgb = frame.to_ndarray(format="rgb24", width=256, height=256)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def session_processes(sid: int) -> list[str]:
    """Command lines of the live (not zombie) processes in session `sid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120])
        except OSError:
            continue
    return found


def style_mat(path: Path, values: np.ndarray) -> Path:
    coeff = np.zeros((len(values), 257), values.dtype)
    coeff[:, 80:144] = values
    scipy.io.savemat(path, {"coeff": coeff})
    return path


def nan_checkpoint(path: Path, good: Path) -> Path:
    ckpt = torch.load(good, weights_only=True)
    state = ckpt["model_state_dict"]
    key = next(k for k, v in state.items() if v.is_floating_point())
    state[key] = torch.full_like(state[key], float("nan"))
    torch.save(ckpt, path)
    return path


def labels(path: Path, value) -> Path:
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


def deep_list(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


def glb_bytes(doc, binary: bytes = b"") -> bytes:
    body = (doc if isinstance(doc, bytes) else json.dumps(doc).encode()) + b" " * 3
    body = body[: len(body) - len(body) % 4]
    data = binary + b"\0" * (-len(binary) % 4)
    chunks = struct.pack("<I4s", len(body), b"JSON") + body + (struct.pack("<I4s", len(data), b"BIN\0") + data)
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def triangle_glb(positions=None, **change) -> bytes:
    """A one-triangle glTF binary, with `change` applied to its accessors/nodes/targets."""
    pos = np.asarray(positions if positions is not None else [[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    idx = np.array(change.pop("indices", [0, 1, 2]), np.uint16)
    binary = pos.tobytes() + idx.tobytes() + b"\0\0" + pos[:2].tobytes()
    doc = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": change.pop("byte_length", len(binary))}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": start, "byteLength": length} for start, length in ((0, 36), (36, 6), (44, 24))
        ],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": change.pop("count", 3),
                "type": "VEC3",
                "min": [0, 0, 0],
                "max": [1, 1, 0],
            },
            {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"},
            {"bufferView": 2, "componentType": 5126, "count": 2, "type": "VEC3"},
        ],
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {"POSITION": 0},
                        "indices": 1,
                        "targets": [{"POSITION": 2}] if change.pop("short_target", False) else [],
                    }
                ]
            }
        ],
        "nodes": change.pop("nodes", [{"mesh": 0}]),
        "scenes": [{"nodes": [0]}],
    }
    doc["bufferViews"][0].update(change.pop("view", {}))
    doc["accessors"][0].update(change.pop("accessor", {}))
    doc.update(change)
    return glb_bytes(doc, binary)


def character_files(tmp: Path, made_fbx: bytes | None) -> dict[str, tuple[Path, str]]:
    """name -> (file, what its one line must say)."""
    cases = {
        "truncated.glb": (triangle_glb()[:60], "cut short"),
        "garbage.glb": (bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8)), "it is binary data"),
        "list.glb": (glb_bytes([1, 2, 3]), "not glTF"),
        "deep.glb": (glb_bytes(b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
        "negative_count.glb": (triangle_glb(count=-5), "count -5"),
        "huge_count.glb": (triangle_glb(count=10**9), "runs past the end"),
        "bad_index.glb": (triangle_glb(indices=[0, 1, 7]), "vertex index 7"),
        "short_target.glb": (triangle_glb(short_target=True), "morph target 0 has 2"),
        "short_buffer.glb": (triangle_glb(byte_length=10**6), "says 1000000 bytes"),
        "cycle.glb": (triangle_glb(nodes=[{"mesh": 0, "children": [1]}, {"children": [0]}]), "node tree"),
        "meshopt.glb": (triangle_glb(extensionsRequired=["EXT_meshopt_compression"]), "EXT_meshopt_compression"),
        "nan.glb": (triangle_glb(positions=[[0, 0, 0], [np.nan, 0, 0], [0, 1, 0]]), "NaN"),
        "odd_stride.glb": (triangle_glb(view={"byteStride": 13}), "byteStride 13"),
        "short_stride.glb": (triangle_glb(view={"byteStride": 4}), "shorter than its 12-byte elements"),
        "odd_offset.glb": (triangle_glb(accessor={"byteOffset": 1}), "byteOffset 1"),
        "sparse_index.glb": (
            triangle_glb(
                accessor={
                    "sparse": {
                        "count": 1,
                        "indices": {"bufferView": 1, "componentType": 5123, "byteOffset": 4},
                        "values": {"bufferView": 2},
                    },
                    "count": 2,
                }
            ),
            "sparse indices are not increasing indices below its count 2",
        ),
        "skin_joint.glb": (triangle_glb(nodes=[{"mesh": 0, "skin": 0}], skins=[{"joints": [5]}]), "joint refers to 5"),
        "skin_matrices.glb": (
            triangle_glb(nodes=[{"mesh": 0, "skin": 0}], skins=[{"joints": [0], "inverseBindMatrices": 1}]),
            "inverseBindMatrices are not a float 4x4 matrix",
        ),
        "scene_node.glb": (triangle_glb(scenes=[{"nodes": [4]}]), "scene 0's node refers to 4"),
        "default_scene.glb": (triangle_glb(scene=3), "the default scene refers to 3"),
        "draco_view.glb": (
            triangle_glb(
                meshes=[
                    {
                        "primitives": [
                            {
                                "attributes": {"POSITION": 0},
                                "extensions": {"KHR_draco_mesh_compression": {"bufferView": 9, "attributes": {}}},
                            }
                        ]
                    }
                ],
                extensionsUsed=["KHR_draco_mesh_compression"],
            ),
            "Draco data refers to 9",
        ),
        "node_matrix.glb": (triangle_glb(nodes=[{"mesh": 0, "matrix": [1, 0, "x"]}]), "matrix is not 16 finite"),
        "scaled_to_zero.glb": (triangle_glb(nodes=[{"mesh": 0, "scale": [0, 0, 0]}]), "a node scaled by 0"),
        "on_a_line.glb": (triangle_glb(positions=[[0, 0, 0], [1, 0, 0], [2, 0, 0]]), "at one point or on one line"),
        "ascii.fbx": (b"; FBX 7.4.0 project file\nFBXHeaderExtension:  {\n}\n", "ASCII FBX"),
        "old.fbx": (b"Kaydara FBX Binary  \x00\x1a\x00" + struct.pack("<I", 6100) + b"\0" * 64, "FBX version 6100"),
        "binary.obj": (b"v 0 0 0\n\0\0\0\x01\x02", "binary data"),
        "glb_named.obj": (triangle_glb(), "it is a glTF binary"),
        "empty.glb": (b"", "empty"),
    }
    if made_fbx is not None:
        cases["truncated.fbx"] = (made_fbx[:3000], "structure does not hold together")  # before Blender reads it
        cases["fbx_named.glb"] = (made_fbx, "it is an FBX file")
    out = {}
    for name, (data, says) in cases.items():
        (tmp / name).write_bytes(data)
        out[name] = (tmp / name, says)
    return out


# modules a child process imports after it starts (stdlib, numpy, torch, bpy, multiprocessing's own)
PLANTED = ("bisect", "random", "tempfile", "json", "argparse", "numpy", "torch", "bpy", "queue", "multiprocessing")


def plant_modules(folder: Path) -> Path:
    """A working folder holding modules named like ones the toolkit's children import; each one that
    runs writes its name to the returned file (and breaks the process that imported it)."""
    folder.mkdir(parents=True, exist_ok=True)
    ran = folder / "RAN.txt"
    for name in PLANTED:
        (folder / f"{name}.py").write_text(f"open({str(ran)!r}, 'a').write({name!r} + '\\n')\n")
    return ran
