"""Renderer checkpoints: the official `{"net_G_ema": ...}` container, remapped and loaded strictly."""

from __future__ import annotations

import os

import torch

from styletalk_core.checkpoint import load_state_strict, read_checkpoint
from styletalk_core.errors import CheckpointError

from .model import FaceGenerator, RendererConfig

OFFICIAL_KEY = "net_G_ema"


def checkpoint_filter_fn(checkpoint: dict) -> dict[str, torch.Tensor]:
    """Official renderer state dict -> ours: unwrap `net_G_ema`, drop `module.`, fix the official
    `warpping_net` spelling, cast fp16 weights to fp32."""
    state = checkpoint.get(OFFICIAL_KEY, checkpoint)
    out = {}
    for key, value in state.items():
        key = key.removeprefix("module.")
        if key.startswith("warpping_net."):
            key = "warping_net." + key.removeprefix("warpping_net.")
        out[key] = value.float()
    return out


def load_renderer(path: str | os.PathLike, device: str | torch.device = "cpu") -> FaceGenerator:
    ckpt = read_checkpoint(path, "renderer checkpoint")
    if OFFICIAL_KEY not in ckpt:
        if "model_state_dict" in ckpt:
            raise CheckpointError(f"{path}: this is a StyleTalk generator checkpoint, not a renderer (net_G_ema)")
        raise CheckpointError(f"{path}: not a renderer checkpoint: no '{OFFICIAL_KEY}' entry")
    state = ckpt[OFFICIAL_KEY]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: '{OFFICIAL_KEY}' must map names to tensors")
    model = FaceGenerator(RendererConfig.official())
    load_state_strict(model, checkpoint_filter_fn(state), str(path))
    return model.to(device).eval()
