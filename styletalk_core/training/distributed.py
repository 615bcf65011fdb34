"""Several processes (torchrun): joining and leaving the process group, the device of each rank."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch


def rank_device(device: torch.device) -> torch.device:
    """Under torchrun each process drives the GPU of its local rank."""
    if device.type == "cuda" and "LOCAL_RANK" in os.environ:
        return torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    return device


def is_main_process() -> bool:
    """Rank 0 (or a single process): the one that logs, validates and saves."""
    return int(os.environ.get("RANK", "0")) == 0


@dataclass(frozen=True)
class Place:
    """Where this process trains: its device, its rank and how many processes train together."""

    device: torch.device
    rank: int = 0
    world: int = 1


@contextlib.contextmanager
def process_group(device: torch.device) -> Iterator[Place]:
    """This process's place; joins the process group when launched by torchrun (WORLD_SIZE > 1) and
    leaves it on exit."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        yield Place(device)
        return
    torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        yield Place(device, torch.distributed.get_rank(), world)
    finally:
        torch.distributed.destroy_process_group()
