"""Generator checkpoints: official container <-> our modules (one remap), strict loading, saving."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..formats.checkpoints import (
    CONTAINERS,
    container_state,
    file_sha256,
    load_state_strict,
    read_checkpoint,
    unwrapped,
)
from ..formats.errors import CheckpointError
from ..formats.fileio import atomic_path
from .config import StyleTalkConfig
from .network import StyleTalk

OFFICIAL_KEY = CONTAINERS["generator"]
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
        key = unwrapped(key)
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


@dataclass(frozen=True)
class LoadedGenerator:
    model: StyleTalk
    path: Path
    sha256: str
    official: bool  # True when the file had no `config` entry (official checkpoint)
    style_presets: dict[str, torch.Tensor] = field(default_factory=dict)  # name -> (C,) style code


def load_generator(path: str | os.PathLike, device: str | torch.device = "cpu") -> LoadedGenerator:
    """Load an official or project generator checkpoint strictly; returns the model in eval mode."""
    ckpt = read_checkpoint(path, "generator checkpoint")
    state = container_state(ckpt, "generator", path)
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
        with open(tmp, "wb") as f:
            torch.save(payload, f)
