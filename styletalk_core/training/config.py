"""Training settings (one home for every default the trainer and its CLI use) and the default model's size."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..formats.errors import InputError
from ..model.config import StyleTalkConfig


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 2000
    batch_size: int = 8
    seq_len: int = 32
    style_frames: tuple[int, int] = (32, 128)  # random style-clip length range during training
    lr: float = 1e-4
    lambda_rec: float = 88.0
    lambda_triplet: float = 1.0
    triplet_margin: float = 5.0
    triplet_styles: int = 8
    triplet_per_style: int = 2
    level_shift: float = 0.5  # see dataset.SequenceSampler
    # With a phoneme prior: whether the lower-face decoder learns a refinement of it. Off by default:
    # with three training speakers the refinement lowered held-out lip r (benchmarks/lipsync_loso.py).
    refine_lower: bool = False
    # lip geometry through the embedded face model (px at 256^2): lip vertex positions and their
    # frame-to-frame velocities (against hedging half-open), and lips meeting on B/M/P
    lambda_lip: float = 0.0
    lambda_lip_velocity: float = 0.0
    lambda_closure: float = 0.0  # losses.closure_loss
    # the upper-face dims of this face model move the lips too: their frame-to-frame share of the lip
    # motion is penalised (losses.upper_lip_motion); without it held-out lip r fell by up to 0.08
    lambda_upper_lip: float = 40.0
    # the paper's adversarial terms; 0 switches a discriminator off
    lambda_sync: float = 1.0
    lambda_temporal: float = 1.0
    lambda_style: float = 1.0
    pretrain_steps: int = 200  # lip-sync and style discriminators: pre-trained on real data, then frozen
    d_lr: float = 1e-4
    seed: int = 0
    log_every: int = 50
    val_every: int = 250

    @classmethod
    def from_args(cls, args) -> TrainConfig:
        """The settings a parsed `styletalk train` command line gives: each option whose destination is
        a field's name (the rest keep their defaults)."""
        return cls(**{f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)})

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise InputError(f"training setting {f.name} must be a finite number, got {value}")
        positive = (
            "steps",
            "batch_size",
            "seq_len",
            "lr",
            "val_every",
            "log_every",
            "triplet_styles",
            "triplet_per_style",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise InputError(f"training setting {name} must be > 0, got {getattr(self, name)}")
        for name in (
            "lambda_rec",
            "lambda_triplet",
            "lambda_sync",
            "lambda_temporal",
            "lambda_style",
            "lambda_lip",
            "lambda_lip_velocity",
            "lambda_closure",
            "lambda_upper_lip",
            "pretrain_steps",
            "d_lr",
        ):
            if getattr(self, name) < 0:
                raise InputError(f"training setting {name} must be >= 0, got {getattr(self, name)}")
        if not 0 <= self.level_shift <= 1:
            raise InputError(f"level_shift is a probability in [0, 1], got {self.level_shift}")


def small_config() -> StyleTalkConfig:
    """The bundled default model: the official architecture, narrower (fits ~20 MB, trains on CPU),
    predicting the motion around the style clip's mean expression (`style_level`), its lower face a
    refinement of the linear phoneme prior (`phoneme_prior`)."""
    return StyleTalkConfig(
        d_model=128, nhead=8, dim_feedforward=512, dynamic_k=8, tail_hidden=128, style_level=True, phoneme_prior=True
    )
