"""The StyleTalk network's configuration: the official preset and the fields our own checkpoints add."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ..formats.labels import NUM_PHONEMES, WINDOW_RADIUS
from ..formats.layout import EXP_DIM, LOWER_INDICES, UPPER_INDICES


@dataclass(frozen=True)
class StyleTalkConfig:
    d_model: int = 256
    nhead: int = 8
    dim_feedforward: int = 1024
    content_layers: int = 3
    style_layers: int = 3
    decoder_layers: int = 3
    dropout: float = 0.1
    num_phonemes: int = NUM_PHONEMES
    ph_embed_dim: int = 128
    win_size: int = WINDOW_RADIUS  # window = 2 * win_size + 1 phoneme frames
    exp_dim: int = EXP_DIM
    style_max_len: int = 256
    dynamic_k: int = 8
    dynamic_ratio: int = 4
    dynamic_temperature: float = 30.0  # not stored in official checkpoints
    tail_hidden: int = 128
    upper_indices: tuple[int, ...] = UPPER_INDICES
    lower_indices: tuple[int, ...] = LOWER_INDICES
    # Not in the official model (False there): the style code also carries the style clip's mean
    # expression and the decoders predict the motion around it. A small-data option: few training
    # speakers are not enough to learn that the per-clip level (mostly identity) follows the clip.
    style_level: bool = False
    # Not in the official model (False there): a linear phoneme-window map to the lower-face dims
    # (fitted by ridge before training, `training/prior.py`) is added to the lower decoder's output,
    # which learns what the map misses. Few thousand paired frames teach a transformer little timing.
    phoneme_prior: bool = False

    @classmethod
    def official(cls) -> StyleTalkConfig:
        """The configuration of the official StyleTalk checkpoint."""
        return cls()

    @property
    def window(self) -> int:
        return 2 * self.win_size + 1

    @property
    def style_code_dim(self) -> int:
        return self.d_model + (self.exp_dim if self.style_level else 0) + (1 if self.phoneme_prior else 0)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["upper_indices"] = list(self.upper_indices)
        d["lower_indices"] = list(self.lower_indices)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> StyleTalkConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        d = dict(d)
        for key in ("upper_indices", "lower_indices"):
            if key in d:
                d[key] = tuple(int(i) for i in d[key])
        return cls(**d)
