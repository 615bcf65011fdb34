"""The user-facing settings of each command: the one home of their defaults (the library's function
signatures and the CLI's options both read them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GenerateSettings:
    style_strength: float = 1.0  # 0 neutral, 1 as the clip, > 1 exaggerated
    batch_frames: int = 1024  # frames per forward pass: bounds memory for any length
    sync_offset_ms: float = 0.0  # the user's own shift of the mouth against the sound, positive = later
    lip_closure: bool = True  # lips brought to the style's closed lips on every p, b and m (face/closure.py)
    checkpoint: str | None = None  # the generator checkpoint; None: the bundled default model
    device: str | None = None  # None: the best available (device.pick_device)


# The default model's mouth leads the sound by 3 frames (100 ms, MODEL_LEAD_MS; benchmarks/av_sync.py:
# its training footage carries that offset). Curves are moved MODEL_SYNC_MS later, so that the mouth leads by one frame
# (33 ms), as animators lead the sound and within broadcast tolerance (EBU R37: picture up to 40 ms
# early), where lip closures on p/b/m land best (benchmarks/av_sync.py).
MODEL_LEAD_MS = 3000 / 30
MODEL_SYNC_MS = MODEL_LEAD_MS - 1000 / 30


PRECISIONS = ("fp32", "fp16", "bf16")
RENDER_ENGINES = ("auto", "torch", "openvino")
# OpenVINO's first set-up is about 10 s (about 3 s once its conversion is cached: README, render_speed.py)
# and it saves ~0.4 s a frame on a 2-core AVX2 CPU: even from ~15 frames (the cached set-up);
# auto waits for twice that, so a short clip never pays the set-up for nothing
AUTO_MIN_FRAMES = 30


@dataclass(frozen=True)
class BatchSettings:
    checkpoint: str | None = None  # the generator checkpoint; None: the bundled default model
    workers: int = 1  # worker processes (local) or tasks at once (ray)
    engine: str = "local"  # batch.folder.BATCH_ENGINES
    address: str | None = None  # a Ray cluster's address (engine ray); None: a local one
    sync_offset_ms: float = 0.0  # for takes whose line gives none
    lip_closure: bool = True  # for every take


@dataclass(frozen=True)
class RenderSettings:
    batch: int = 4  # frames per forward pass (32+ on a GPU)
    precision: str = "fp32"  # fp32 exact; fp16 (CUDA) or bf16 (CUDA, CPUs with native bf16)
    compile: bool = False
    engine: str = "auto"  # auto: OpenVINO on a CPU for longer clips when installed, else PyTorch


@dataclass(frozen=True)
class PreviewSettings:
    size: int = 512  # frame size in pixels
    min_size: int = 64
    max_size: int = 4096


@dataclass(frozen=True)
class DemoSettings:
    output: Path = Path("out")
    style: str = "preset:happy"
