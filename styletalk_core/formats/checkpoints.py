"""Checkpoint files, generic part: safe reading (weights_only), the official containers, strict loading."""

from __future__ import annotations

import hashlib
import os
import pickle

import torch

from .errors import CheckpointError
from .fileio import require_file

# the official containers: each network's state dict sits under its own top-level key
CONTAINERS = {"generator": "model_state_dict", "renderer": "net_G_ema"}
_DESCRIPTIONS = {"generator": "a StyleTalk generator checkpoint", "renderer": "a renderer checkpoint"}


def describe_keys(keys: list[str], limit: int = 3) -> str:
    shown = ", ".join(keys[:limit])
    return f"{shown} (+{len(keys) - limit} more)" if len(keys) > limit else shown


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


def container_state(ckpt: dict, kind: str, path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The state dict in `ckpt`'s official container for `kind` ("generator" or "renderer"), with one
    clear line when the file holds the other network or no container at all."""
    key = CONTAINERS[kind]
    if key not in ckpt:
        for other, other_key in CONTAINERS.items():
            if other != kind and other_key in ckpt:
                raise CheckpointError(
                    f"{path}: this is {_DESCRIPTIONS[other]} ({other_key}), not {_DESCRIPTIONS[kind]}"
                )
        keys = describe_keys(sorted(map(str, ckpt)))
        raise CheckpointError(f"{path}: not {_DESCRIPTIONS[kind]}: no '{key}' entry (top-level keys: {keys})")
    state = ckpt[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: '{key}' must map names to tensors")
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise CheckpointError(f"{path}: weights contain NaN or inf ({describe_keys(bad)})")
    return state


def unwrapped(key: str) -> str:
    """A state-dict key without the `module.` that a DataParallel / DDP wrapper put in front."""
    return key.removeprefix("module.")


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
        problems.append(f"{len(missing)} missing keys: {describe_keys(missing)}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys: {describe_keys(unexpected)}")
    if misshaped:
        problems.append(f"{len(misshaped)} mis-shaped: {describe_keys(misshaped)}")
    if problems:
        raise CheckpointError(f"{source}: does not match the model: " + "; ".join(problems))
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
