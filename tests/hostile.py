"""Malformed inputs of every kind, made on the fly: shared by tests/test_hostile_input.py and the
fuzz script benchmarks/fuzz_cli.py."""

from __future__ import annotations

import json
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


def reencoded(source: Path, path: Path, rate: int, frames: int = 40, lossless: bool = False,
              faststart: bool = False) -> Path:  # fmt: skip
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
