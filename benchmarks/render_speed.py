"""Renderer speed: the official-style loop vs ours, same random-weight checkpoint, side by side.

official-style: the official formulations (official_ops), fp32, batch 4, every frame kept in memory,
then one encode at the end (timed after one warm-up batch, like every path).
ours: streamed batches into one H.264 encode on a worker thread, with the library's inference set-up
(styletalk_core.device: channels_last; on CUDA fp16 autocast and a larger batch; with --compile also
torch.compile, its one-off compile shown as the warm-up, which the inductor cache in /tmp shortens on
later runs); on a CPU in fp32, also the OpenVINO engine when installed (its trace, conversion and
compile are the warm-up). The frames of each path are compared with the official-style ones (max grey-level diff).

Usage: .venv/bin/python benchmarks/render_speed.py [--frames N] [--device cuda] [--batch 32]
       [--precision fp16|bf16|fp32] [--compile] [--profile]
Default frames: 8 on CPU (about 1 s/frame here), 600 on CUDA.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from styletalk_renderer.checkpoint import load_renderer
from styletalk_renderer.engine import inference_generator, openvino_available
from styletalk_renderer.model import ADAIN, FaceGenerator, FineADAINResBlock2d, LayerNorm2d, RendererConfig, UpBlock
from styletalk_renderer.video import STILL_POSE, render_frames, write_video

from styletalk_core.device import autocast_dtype

CKPT = Path(__file__).resolve().parents[1].parent / "shared/reference/parity/renderer_random_ckpt.pth"


def inputs(frames: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    exp = (0.5 * rng.normal(size=(frames, 64))).astype(np.float32)
    seq = np.concatenate([exp, np.repeat(STILL_POSE[None], frames, 0)], axis=1)
    return image, seq


def _official_resblock(self, x, z):
    # the official block also computes conv1/norm1 and throws the result away
    _ = torch.nn.functional.leaky_relu(self.norm1(self.conv1(x), z), 0.1)
    return x + self.norm2(self.conv2(x), z)


def _official_adain(self, x, z):
    h = self.mlp_shared(z)
    gamma, beta = self.mlp_gamma(h)[..., None, None], self.mlp_beta(h)[..., None, None]
    return F.instance_norm(x, eps=1e-5) * (1 + gamma) + beta


def _official_layer_norm(self, x):
    return F.layer_norm(x, x.shape[1:], eps=1e-5) * self.weight + self.bias


def _official_up(self, x):
    return self.model(F.interpolate(x, scale_factor=2, mode="nearest"))


OFFICIAL = {
    FineADAINResBlock2d: _official_resblock,
    ADAIN: _official_adain,
    LayerNorm2d: _official_layer_norm,
    UpBlock: _official_up,
}


@contextlib.contextmanager
def official_ops():
    """The official formulations (the resblock's wasted work, instance/layer norm then a separate
    affine, nearest upsampling then a 3x3 convolution) for the duration of the block; ours after."""
    ours = {cls: cls.forward for cls in OFFICIAL}
    for cls, forward in OFFICIAL.items():
        cls.forward = forward
    try:
        yield
    finally:
        for cls, forward in ours.items():
            cls.forward = forward


def official_style(model, image, seq, out: Path) -> tuple[float, np.ndarray]:
    with official_ops():
        list(render_frames(model, image, seq[:4], batch=4))  # warm-up: oneDNN's kernels are made on first use
        t0 = time.perf_counter()
        frames = np.concatenate(list(render_frames(model, image, seq, batch=4)))  # all in memory
        write_video([frames], out)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return time.perf_counter() - t0, frames


def ours(model, image, seq, out: Path, batch: int, dtype) -> tuple[float, np.ndarray]:
    kept = []

    def keep(batches):
        for b in batches:
            kept.append(b)
            yield b

    t0 = time.perf_counter()
    write_video(keep(render_frames(model, image, seq, batch=batch, dtype=dtype)), out)
    return time.perf_counter() - t0, np.concatenate(kept)


def openvino_profile(model, frames: int = 3) -> None:
    """Where an OpenVINO frame's time goes, by operation and kernel (its own performance counters)."""
    import openvino as ov
    from styletalk_renderer.engine import _convert
    from torch.utils.flop_counter import FlopCounterMode

    model = copy.deepcopy(model).float().eval()
    config = {"INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": torch.get_num_threads(), "PERF_COUNT": True}
    request = ov.Core().compile_model(_convert(model), "CPU", config).create_infer_request()
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (1, 3, 256, 256)).astype(np.float32)
    windows = rng.normal(size=(1, 73, 27)).astype(np.float32)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.from_numpy(image), torch.from_numpy(windows))
    flops = counter.get_flop_counts()["Global"]
    conv_macs = sum(v for k, v in flops.items() if "convolution" in str(k)) / 2
    request.infer([image, windows])  # warm-up
    totals: dict[tuple[str, str], float] = {}
    for _ in range(frames):
        request.infer([image, windows])
        for p in request.get_profiling_info():
            key = (p.node_type, p.exec_type)
            totals[key] = totals.get(key, 0.0) + p.real_time.total_seconds() * 1e3 / frames
    whole = sum(totals.values())
    conv_ms = sum(ms for (node, _), ms in totals.items() if node.startswith("Convolution"))
    print(
        f"OpenVINO, one frame: {whole:.0f} ms of operations; convolutions {conv_macs / 1e9:.1f} G multiply-adds "
        f"in {conv_ms:.0f} ms = {conv_macs / conv_ms / 1e6:.0f} G/s"
    )
    for (node, kernel), ms in sorted(totals.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {node:<26}{kernel:<22}{ms:>8.1f} ms{100 * ms / whole:>7.1f}%")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--frames", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--precision", choices=("fp32", "fp16", "bf16"))
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--profile", action="store_true", help="also OpenVINO's time per operation (CPU)")
    args = ap.parse_args()
    cuda = args.device.startswith("cuda")
    frames = args.frames or (600 if cuda else 8)
    batch = args.batch or (32 if cuda else 4)
    precision = args.precision or ("fp16" if cuda else "fp32")
    dtype = autocast_dtype(precision, torch.device(args.device))
    if CKPT.exists():
        model = load_renderer(CKPT, args.device)
    else:
        model = FaceGenerator(RendererConfig()).to(args.device).eval()
    image, seq = inputs(frames)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t_off, reference = official_style(model, image, seq, Path(tmp) / "official.mp4")
        rows.append(("official-style (fp32, batch 4, then encode)", t_off, 0.0, 0))
        paths = [("ours", "torch", False)] + ([("ours, torch.compile", "torch", True)] if args.compile else [])
        if not cuda and dtype is None and openvino_available():
            paths.append(("ours, OpenVINO", "openvino", False))
        for name, engine, compiled in paths:
            t0 = time.perf_counter()
            fast = inference_generator(copy.deepcopy(model), engine, compiled)
            name += " (conversion cached)" if getattr(fast, "from_cache", False) else ""
            ours(fast, image, seq[: min(frames, batch)], Path(tmp) / "warm.mp4", batch, dtype)  # warm-up/compile
            t_warm = time.perf_counter() - t0
            t, got = ours(fast, image, seq, Path(tmp) / "ours.mp4", batch, dtype)
            grey = int(np.abs(got.astype(np.int16) - reference.astype(np.int16)).max())
            rows.append((f"{name} ({precision}, batch {batch}, streamed)", t, t_warm, grey))
    print(f"device {args.device}, {frames} frames at 256x256, {torch.get_num_threads()} threads")
    print(f"{'path':<60}{'seconds':>9}{'frames/s':>10}{'x official':>11}{'warm-up s':>11}{'max grey diff':>15}")
    for name, t, warm, grey in rows:
        print(f"{name:<60}{t:>9.2f}{frames / t:>10.2f}{t_off / t:>11.2f}{warm:>11.1f}{grey:>15}")
    print("goals: >= 5x and >= 300 fps on an H100; >= 2x on a 2-core AVX2 CPU, within 1 grey level")
    if args.profile and not cuda and openvino_available():
        openvino_profile(model)


if __name__ == "__main__":
    main()
