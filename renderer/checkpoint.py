"""Renderer checkpoints: the official `{"net_G_ema": ...}` container, remapped and loaded strictly."""

from __future__ import annotations

import os

import torch

from styletalk_core.formats.checkpoints import (
    CONTAINERS,
    container_state,
    load_state_strict,
    read_checkpoint,
    unwrapped,
)

from .model import FaceGenerator, RendererConfig

OFFICIAL_KEY = CONTAINERS["renderer"]


def checkpoint_filter_fn(checkpoint: dict) -> dict[str, torch.Tensor]:
    """Official renderer state dict -> ours: unwrap `net_G_ema`, drop `module.`, fix the official
    `warpping_net` spelling, cast fp16 weights to fp32."""
    state = checkpoint.get(OFFICIAL_KEY, checkpoint)
    out = {}
    for key, value in state.items():
        key = unwrapped(key)
        if key.startswith("warpping_net."):
            key = "warping_net." + key.removeprefix("warpping_net.")
        out[key] = value.float()
    return out


def load_renderer(path: str | os.PathLike, device: str | torch.device = "cpu") -> FaceGenerator:
    state = container_state(read_checkpoint(path, "renderer checkpoint"), "renderer", path)
    model = FaceGenerator(RendererConfig.official())
    load_state_strict(model, checkpoint_filter_fn(state), str(path))
    return model.to(device).eval()
