"""The paper's discriminators: lip-sync (mouth vertices vs phoneme windows), temporal PatchGAN,
style PatchGAN; and their losses. Mouth vertices come from the embedded face model."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..face.face_model import FaceModel
from ..face.landmarks import LIP_VERTICES
from ..formats.labels import NUM_PHONEMES, WINDOW_RADIUS

MOUTH_SCALE = 30.0  # lip vertices (pixels of a 256 crop, centred) / MOUTH_SCALE: about unit size


class MouthVertices(nn.Module):
    """(B, T, 64) coefficients -> (B, T, 40, 3) lip vertices of the embedded face model
    (differentiable), centred and scaled to about unit size."""

    def __init__(self, face: FaceModel):
        super().__init__()
        idx = list(LIP_VERTICES)
        mean = torch.from_numpy(np.asarray(face.mean[idx], np.float32))
        self.register_buffer("mean", mean - mean.mean(0), persistent=False)
        self.register_buffer("basis", torch.from_numpy(np.asarray(face.basis[:, idx], np.float32)), persistent=False)

    def forward(self, exp: torch.Tensor) -> torch.Tensor:
        return (self.mean + torch.einsum("btk,kvc->btvc", exp, self.basis)) / MOUTH_SCALE


class LipSyncDiscriminator(nn.Module):
    """Cosine similarity between a PointNet-style mouth embedding (over a short frame window) and a
    phoneme-window embedding, per frame: (B, T) in [-1, 1]."""

    def __init__(
        self, face: FaceModel, dim: int = 128, num_phonemes: int = NUM_PHONEMES, window: int = 2 * WINDOW_RADIUS + 1
    ):
        super().__init__()
        self.mouth = MouthVertices(face)
        self.point_mlp = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, dim), nn.ReLU())
        self.temporal = nn.Conv1d(dim, dim, 5, padding=2)
        self.ph_embed = nn.Embedding(num_phonemes, 32)
        self.ph_mlp = nn.Sequential(nn.Linear(32 * window, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, exp: torch.Tensor, windows: torch.Tensor) -> torch.Tensor:
        points = self.point_mlp(self.mouth(exp)).amax(dim=2)  # (B, T, dim): max over lip vertices
        mouth = self.temporal(points.transpose(1, 2)).transpose(1, 2)
        phon = self.ph_mlp(self.ph_embed(windows).flatten(2))
        return F.cosine_similarity(mouth, phon, dim=-1)


def sync_probability(cos: torch.Tensor) -> torch.Tensor:
    return ((cos + 1) / 2).clamp(1e-6, 1 - 1e-6)


def sync_discriminator_loss(d: LipSyncDiscriminator, exp, windows, rng: torch.Generator | None = None) -> torch.Tensor:
    """Pre-training: real pairs -> in sync; the same motion with each sample's own windows rolled in
    time by >= 5 frames (wrapping around) -> out of sync."""
    shift = int(torch.randint(5, max(6, exp.shape[1] - 5), (1,), generator=rng))
    wrong = torch.roll(windows, shifts=shift, dims=1)
    pos, neg = sync_probability(d(exp, windows)), sync_probability(d(exp, wrong))
    return F.binary_cross_entropy(pos, torch.ones_like(pos)) + F.binary_cross_entropy(neg, torch.zeros_like(neg))


def sync_generator_loss(d: LipSyncDiscriminator, exp_fake, windows) -> torch.Tensor:
    p = sync_probability(d(exp_fake, windows))
    return F.binary_cross_entropy(p, torch.ones_like(p))


def _patch_net(in_dim: int, out_dim: int, hidden: int = 128) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv1d(in_dim, hidden, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv1d(hidden, hidden * 2, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv1d(hidden * 2, out_dim, 3, 1, 1),
    )


class TemporalDiscriminator(nn.Module):
    """PatchGAN over time: (B, T, 64) -> (B, T/4) realness logits."""

    def __init__(self, exp_dim: int = 64):
        super().__init__()
        self.net = _patch_net(exp_dim, 1)

    def forward(self, exp: torch.Tensor) -> torch.Tensor:
        return self.net(exp.transpose(1, 2))[:, 0]


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def hinge_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


class StyleDiscriminator(nn.Module):
    """PatchGAN classifier over styles: (B, T, 64) -> (B, n_styles, T/4) logits."""

    def __init__(self, num_styles: int, exp_dim: int = 64):
        super().__init__()
        self.net = _patch_net(exp_dim, num_styles)

    def forward(self, exp: torch.Tensor) -> torch.Tensor:
        return self.net(exp.transpose(1, 2))


def style_loss(d: StyleDiscriminator, exp: torch.Tensor, style_ids: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of every patch against the sequence's style (pre-training on real sequences,
    and the generator's loss on generated ones with D frozen)."""
    logits = d(exp)
    return F.cross_entropy(logits, style_ids[:, None].expand(-1, logits.shape[-1]))
