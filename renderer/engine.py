"""Which engine runs the face generator: PyTorch, or on a CPU OpenVINO (optional, `[cpu]` extra).

OpenVINO compiles the same network, with the same weights, for this CPU: it fuses the norms,
activations and additions into the convolutions that PyTorch runs as separate passes. On a 2-core
AVX2 CPU that is about 1.7x PyTorch's eager speed, within 1e-4 of its output (the parity tolerance):
benchmarks/render_speed.py. Its set-up (trace, convert, compile) takes a few seconds, so `auto`
picks it only for clips long enough to pay for that.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from styletalk_core.extras import optional
from styletalk_core.formats.errors import InputError, MissingDependencyError
from styletalk_core.native import native_logs_silenced, raise_if_stopped
from styletalk_core.settings import AUTO_MIN_FRAMES, RENDER_ENGINES
from styletalk_core.threads import cpu_threads

from . import model as model_module
from .model import FaceGenerator

log = logging.getLogger("styletalk.renderer")


def openvino_available() -> bool:
    try:
        optional("openvino", "cpu")
    except MissingDependencyError:
        return False
    return True


def choose_engine(
    name: str, device: torch.device, dtype: torch.dtype | None, frames: int, compile: bool = False
) -> str:
    """'torch' or 'openvino'. auto: OpenVINO on a CPU, in fp32, without --compile, for clips of at least
    AUTO_MIN_FRAMES frames, when it is installed; PyTorch otherwise."""
    if name not in RENDER_ENGINES:
        raise InputError(f"unknown engine {name!r}; choose one of {', '.join(RENDER_ENGINES)}")
    if name == "openvino":
        if device.type != "cpu":
            raise InputError(f"--engine openvino runs on the CPU; device {device} needs --engine torch")
        if dtype is not None or compile:
            raise InputError("--engine openvino renders in fp32 without --compile; those are PyTorch's options")
        optional("openvino", "cpu")  # one line naming the extra when it is missing
        return name
    if name == "auto":
        usable = device.type == "cpu" and dtype is None and not compile and frames >= AUTO_MIN_FRAMES
        return "openvino" if usable and openvino_available() else "torch"
    return name


class _FakeImage(torch.nn.Module):
    def __init__(self, model: FaceGenerator):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor, windows: torch.Tensor) -> torch.Tensor:
        return self.model(image, windows)["fake_image"]


def cache_dir() -> Path:
    """Where converted renderers are kept: STYLETALK_CACHE_DIR, else $XDG_CACHE_HOME/styletalk, else
    ~/.cache/styletalk."""
    if os.environ.get("STYLETALK_CACHE_DIR"):
        return Path(os.environ["STYLETALK_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "styletalk"


def model_key(model: FaceGenerator, ov_version: str) -> str:
    """A hash of what the converted network depends on: the weights, the network's code, OpenVINO."""
    digest = hashlib.sha256(f"{ov_version}\n{inspect.getsource(model_module)}".encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().float().contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()[:24]


def _convert(model: FaceGenerator):
    """The network's rendered frame traced at one frame and converted to OpenVINO's graph. A stop
    asked for meanwhile is raised, even where OpenVINO's converter swallowed it."""
    ov = optional("openvino", "cpu")
    image = torch.zeros(1, model.config.image_nc, 256, 256)
    windows = torch.zeros(1, model.config.coeff_nc, 27)
    try:
        with torch.no_grad(), warnings.catch_warnings(), native_logs_silenced():
            warnings.simplefilter("ignore")  # the tracer's notes on Python-side shape arithmetic
            traced = torch.jit.trace(_FakeImage(model), (image, windows), check_trace=False)
            converted = ov.convert_model(traced, example_input=(image, windows))
    except Exception:
        raise_if_stopped()  # OpenVINO wraps an interrupt in its own conversion error
        raise
    raise_if_stopped()
    return converted


CACHE_FILES = ("model.xml", "model.bin")


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in CACHE_FILES}


class CacheDamaged(Exception):
    """A cache entry that cannot be used; the message says why."""


def _read_cached(folder: Path, core, compile_model):
    """The compiled model from a cache entry, or CacheDamaged saying what is wrong with it."""
    try:
        recorded = json.loads((folder / "checksums.json").read_text())
        if recorded != _digests(folder):
            raise CacheDamaged("its files do not match their checksums")
        return compile_model(core.read_model(folder / "model.xml"))
    except (OSError, ValueError) as exc:
        raise CacheDamaged(f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}") from None
    except RuntimeError as exc:  # OpenVINO's read and compile errors
        raise CacheDamaged((str(exc).splitlines() or [type(exc).__name__])[0]) from None


def _write_cache(converted, folder: Path) -> None:
    """The conversion and its checksums into `folder` (a temporary folder renamed into place); a
    failure is one warning, and the render goes on with the conversion in memory."""
    ov = optional("openvino", "cpu")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".tmp-") as tmp:
            ov.save_model(converted, Path(tmp) / "model.xml", compress_to_fp16=False)
            (Path(tmp) / "checksums.json").write_text(json.dumps(_digests(Path(tmp))))
            with contextlib.suppress(OSError):  # another process put the same conversion there first
                os.rename(tmp, folder)
    except (OSError, RuntimeError) as exc:
        log.warning("renderer cache %s not written (%s); rendering with this conversion", folder, exc)


def _compiled(model: FaceGenerator, core, cache: Path | None, compile_model) -> tuple[object, bool]:
    """(compiled model, whether it came from the cache). A conversion is kept in `cache`; a damaged
    entry (a file missing, changed or unreadable) is named in one warning and rebuilt."""
    ov = optional("openvino", "cpu")
    folder = None if cache is None else cache / "openvino" / model_key(model, ov.__version__)
    if folder is not None and folder.exists():
        try:
            return _read_cached(folder, core, compile_model), True
        except CacheDamaged as exc:
            log.warning("renderer cache %s is damaged (%s); converting again", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
    converted = _convert(model)
    if folder is not None:
        _write_cache(converted, folder)
    return compile_model(converted), False


class OpenVinoGenerator:
    """The generator's rendered frame, compiled by OpenVINO for this CPU. Called like FaceGenerator
    (image (B, 3, 256, 256), windows (B, 73, 27)) and returns {"fake_image": ...}; it runs one frame
    per request (as fast as larger batches here, and the quickest to trace). The conversion is kept
    in `cache` (True: `cache_dir()`; False: not kept), so later renders with the same weights skip it."""

    device = torch.device("cpu")

    def __init__(self, model: FaceGenerator, threads: int | None = None, cache: Path | bool = True):
        ov = optional("openvino", "cpu")
        t0 = time.perf_counter()
        core = ov.Core()
        folder = cache_dir() if cache is True else (cache or None)
        self.threads = threads or cpu_threads()
        config = {"INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": self.threads, "NUM_STREAMS": 1}

        def compile_model(graph):
            with native_logs_silenced():
                compiled = core.compile_model(graph, "CPU", config)
            raise_if_stopped()
            return compiled

        compiled, self.from_cache = _compiled(model.float().eval(), core, folder, compile_model)
        self._request = compiled.create_infer_request()
        self.setup_seconds = time.perf_counter() - t0
        how = "loaded from the cache and compiled" if self.from_cache else "converted and compiled"
        log.info("renderer %s by OpenVINO in %.1f s (%d threads)", how, self.setup_seconds, self.threads)

    def __call__(self, image: torch.Tensor, windows: torch.Tensor) -> dict[str, torch.Tensor]:
        image = image.float().contiguous().numpy()
        windows = windows.float().contiguous().numpy()
        out = np.empty((len(windows), image.shape[1], *image.shape[2:]), np.float32)
        for i in range(len(windows)):  # the request's output buffer is reused: copy each frame out
            raise_if_stopped()  # a render thread stops within a frame of a cancel
            out[i] = self._request.infer([image[i : i + 1], windows[i : i + 1]])[0][0]
        return {"fake_image": torch.from_numpy(out)}


def generator_device(model) -> torch.device:
    """Where a generator's inputs go: a module's parameters' device, or an engine's own."""
    if isinstance(model, torch.nn.Module):
        return next(model.parameters()).device
    return model.device


def inference_generator(
    model: FaceGenerator, engine: str, compile: bool = False, fallback: bool = False
) -> FaceGenerator | OpenVinoGenerator:
    """The loaded generator set up for rendering with the chosen engine ('torch' or 'openvino').
    fallback (the `auto` choice): when OpenVINO cannot convert or compile the network here, say so in
    one warning and render with PyTorch."""
    if engine == "openvino":
        try:
            return OpenVinoGenerator(model)
        except RuntimeError as exc:  # OpenVINO's conversion and compile errors
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            if not fallback:
                raise InputError(f"OpenVINO could not compile the renderer: {first}") from None
            log.warning("OpenVINO could not compile the renderer (%s); rendering with PyTorch", first)
    from styletalk_core.device import prepare_for_inference

    return prepare_for_inference(model, generator_device(model), compile)
