"""Generator checkpoints: official container <-> our modules (one remap), strict loading, saving."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .errors import CheckpointError
from .fileio import atomic_path, require_file
from .model import StyleTalk, StyleTalkConfig

OFFICIAL_KEY = "model_state_dict"
_OFFICIAL_PREFIXES = ("content_encoder.", "style_encoder.", "decoder.")

# official name -> ours; the 1x1 conv weights of the dynamic layer are also reshaped to matrices
_RENAMES = (
    (re.compile(r"\.linear1\.dynamic_conv\.attention\.net\.(\d)\.weight$"), r".linear1.attention.\1.weight"),
    (re.compile(r"\.linear1\.dynamic_conv\.(weight|bias)$"), r".linear1.\1"),
)
_INVERSE = (  # only the decoders' linear1 is dynamic; encoder layers keep plain linear1 names
    (
        re.compile(r"(_decoder\.layers\.\d+)\.linear1\.attention\.(\d)\.weight$"),
        r"\1.linear1.dynamic_conv.attention.net.\2.weight",
    ),
    (re.compile(r"(_decoder\.layers\.\d+)\.linear1\.(weight|bias)$"), r"\1.linear1.dynamic_conv.\2"),
)


def checkpoint_filter_fn(checkpoint: dict) -> dict[str, torch.Tensor]:
    """Remap an official (or our own) generator checkpoint to this package's state dict."""
    state = checkpoint.get(OFFICIAL_KEY, checkpoint)
    out = {}
    for key, value in state.items():
        key = key.removeprefix("module.")
        if "dynamic_conv" not in key:
            out[key] = value
            continue
        for pattern, repl in _RENAMES:
            new_key, n = pattern.subn(repl, key)
            if n:
                if value.dim() > 2 and value.shape[-2:] == (1, 1):
                    value = value.reshape(value.shape[:-2])
                out[new_key] = value
                break
        else:
            out[key] = value
    return out


def to_official_state_dict(model: StyleTalk) -> dict[str, torch.Tensor]:
    """Our state dict in the official key names and layouts (loadable by the official code)."""
    out = {}
    for key, value in model.state_dict().items():
        value = value.detach().cpu().contiguous()
        for pattern, repl in _INVERSE:
            new_key, n = pattern.subn(repl, key)
            if n:
                if not new_key.endswith("bias"):
                    value = value.reshape(*value.shape, 1, 1)
                key = new_key
                break
        out[key] = value
    return out


def _describe(keys: list[str], limit: int = 3) -> str:
    shown = ", ".join(keys[:limit])
    return f"{shown} (+{len(keys) - limit} more)" if len(keys) > limit else shown


def load_state_strict(model: torch.nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """load_state_dict(strict=True) with one readable error naming missing/unexpected/mis-shaped keys."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    misshaped = [
        f"{k} {tuple(state[k].shape)} != {tuple(expected[k].shape)}"
        for k in expected
        if k in state and tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing keys: {_describe(missing)}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys: {_describe(unexpected)}")
    if misshaped:
        problems.append(f"{len(misshaped)} mis-shaped: {_describe(misshaped)}")
    if problems:
        raise CheckpointError(f"{source}: does not match the model: " + "; ".join(problems))
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)


def read_checkpoint(path: str | os.PathLike, what: str) -> dict:
    """torch.load with weights_only=True, turning every failure into one CheckpointError line."""
    p = require_file(path, what, CheckpointError)
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{p}: refused to load: not a plain tensor checkpoint (weights_only): {first}") from None
    except Exception as exc:  # zip/pickle corruption surfaces as many different types
        raise CheckpointError(f"{p}: cannot read {what}: {type(exc).__name__}: {exc}") from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{p}: {what} must be a dict of tensors, got {type(ckpt).__name__}")
    return ckpt


@dataclass(frozen=True)
class LoadedGenerator:
    model: StyleTalk
    path: Path
    sha256: str
    official: bool  # True when the file had no `config` entry (official checkpoint)
    style_presets: dict[str, torch.Tensor] = field(default_factory=dict)  # name -> (C,) style code


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_generator(path: str | os.PathLike, device: str | torch.device = "cpu") -> LoadedGenerator:
    """Load an official or project generator checkpoint strictly; returns the model in eval mode."""
    ckpt = read_checkpoint(path, "generator checkpoint")
    if OFFICIAL_KEY not in ckpt:
        if "net_G_ema" in ckpt:
            raise CheckpointError(f"{path}: this is a renderer checkpoint (net_G_ema), not a StyleTalk generator")
        raise CheckpointError(
            f"{path}: not a StyleTalk generator checkpoint: no '{OFFICIAL_KEY}' entry "
            f"(top-level keys: {_describe(sorted(map(str, ckpt)))})"
        )
    state = ckpt[OFFICIAL_KEY]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: '{OFFICIAL_KEY}' must map names to tensors")
    if not any(k.startswith(_OFFICIAL_PREFIXES) for k in state):
        raise CheckpointError(f"{path}: no content_encoder./style_encoder./decoder. keys: not a StyleTalk generator")
    try:
        cfg = StyleTalkConfig.from_dict(ckpt["config"]) if "config" in ckpt else StyleTalkConfig.official()
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: invalid config entry: {exc}") from None
    presets = ckpt.get("style_presets", {})
    if not isinstance(presets, dict) or not all(
        isinstance(v, torch.Tensor) and v.shape == (cfg.style_code_dim,) for v in presets.values()
    ):
        raise CheckpointError(f"{path}: 'style_presets' must map names to ({cfg.style_code_dim},) style codes")
    model = StyleTalk(cfg)
    load_state_strict(model, checkpoint_filter_fn(state), str(path))
    presets = {str(k): v.float().to(device) for k, v in presets.items()}
    return LoadedGenerator(model.to(device).eval(), Path(path), file_sha256(path), "config" not in ckpt, presets)


def save_generator(path: str | os.PathLike, model: StyleTalk, **extra) -> None:
    """Save in the official container (official key names) plus our `config` and any extras."""
    payload = {OFFICIAL_KEY: to_official_state_dict(model), "config": model.config.to_dict(), **extra}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
