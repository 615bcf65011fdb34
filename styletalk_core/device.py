"""Where and how networks run: device choice, native bf16 support, and GPU set-up for inference."""

from __future__ import annotations

import logging

import torch

from .formats.errors import InputError
from .settings import PRECISIONS

log = logging.getLogger("styletalk.device")
DEVICE_TYPES = ("cpu", "cuda")


def pick_device(name: str | None = None) -> torch.device:
    """`name` if given (validated: cpu, cuda or cuda:N), else CUDA when available, else CPU."""
    if name is None or name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise InputError(f"unknown device {name!r}; use cpu, cuda or cuda:N") from None
    if device.type not in DEVICE_TYPES:
        raise InputError(f"device {name!r} is not supported; use cpu, cuda or cuda:N")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError(f"device {name!r} requested but CUDA is not available on this machine")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise InputError(f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return device


def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bf16 in hardware (AVX512-BF16 or AMX); elsewhere oneDNN emulates
    it, which is far slower than fp32."""
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


DTYPES = dict(zip(PRECISIONS, (None, torch.float16, torch.bfloat16), strict=True))


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for `precision` on `device` (None = fp32). fp16 needs CUDA; bf16 on a CPU
    without native bf16 falls back to fp32 with a warning."""
    if precision not in DTYPES:
        raise InputError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    dtype = DTYPES[precision]
    if dtype is torch.float16 and device.type != "cuda":
        raise InputError("--precision fp16 needs a CUDA device; on CPU use fp32 or bf16")
    if dtype is torch.bfloat16 and device.type == "cpu" and not cpu_has_native_bf16():
        log.warning("this CPU has no native bf16 (it would be emulated, far slower): rendering in fp32")
        return None
    return dtype


def prepare_for_inference(model: torch.nn.Module, device: torch.device, compile: bool = False) -> torch.nn.Module:
    """The set-up every fast inference path uses: cuDNN autotuning on CUDA, channels-last (on a 2-core
    AVX2 CPU the renderer's oneDNN convolutions are 10% faster so: benchmarks/render_speed.py), and
    optionally torch.compile."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    model = model.to(memory_format=torch.channels_last)
    if compile:
        model = torch.compile(model)
    return model
