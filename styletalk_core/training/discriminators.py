"""The paper's discriminators: lip-sync (mouth vertices vs phoneme windows), temporal PatchGAN,
style PatchGAN; their losses; and the set of them one training run uses (`Discriminators`). Mouth
vertices come from the embedded face model."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..face.face_model import FaceModel, load_face_model
from ..face.landmarks import LIP_VERTICES
from ..formats.labels import NUM_PHONEMES, WINDOW_RADIUS
from .config import TrainConfig
from .dataset import Batch, SequenceSampler

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


class Discriminators(torch.nn.Module):
    """The three discriminators with the optimizers and losses of one training run."""

    def __init__(self, cfg: TrainConfig, num_styles: int, device):
        super().__init__()
        face = load_face_model()
        self.cfg = cfg
        self.sync = LipSyncDiscriminator(face).to(device) if cfg.lambda_sync else None
        self.style = StyleDiscriminator(num_styles).to(device) if cfg.lambda_style else None
        self.temporal = TemporalDiscriminator().to(device) if cfg.lambda_temporal else None
        self.temporal_opt = (
            torch.optim.Adam(self.temporal.parameters(), lr=cfg.d_lr, betas=(0.5, 0.999)) if self.temporal else None
        )

    def pretrain(self, sample: Callable[[], Batch], device, log: Callable[[str], None]) -> None:
        """Fit the lip-sync and style discriminators on real sequences, then freeze them."""
        frozen = [d for d in (self.sync, self.style) if d is not None]
        if not frozen:
            return
        opt = torch.optim.Adam([p for d in frozen for p in d.parameters()], lr=self.cfg.d_lr * 10)
        for step in range(self.cfg.pretrain_steps):
            b = sample()
            exp, win = torch.from_numpy(b.target).to(device), torch.from_numpy(b.windows).to(device)
            losses = {}
            if self.sync is not None:
                losses["sync_d"] = sync_discriminator_loss(self.sync, exp, win)
            if self.style is not None:
                losses["style_d"] = style_loss(self.style, exp, torch.from_numpy(b.style_ids).to(device))
            opt.zero_grad(set_to_none=True)
            sum(losses.values()).backward()
            opt.step()
            if step + 1 == self.cfg.pretrain_steps:
                log(json.dumps({"pretrain_step": step + 1, **{k: v.item() for k, v in losses.items()}}))
        self.freeze_pretrained()

    def freeze_pretrained(self) -> None:
        """The lip-sync and style discriminators stay fixed once pre-trained (or restored)."""
        for d in (self.sync, self.style):
            if d is not None:
                d.eval().requires_grad_(False)

    def generator_losses(self, fake: torch.Tensor, windows: torch.Tensor, style_ids: torch.Tensor) -> dict:
        out = {}
        if self.sync is not None:
            out["sync"] = self.cfg.lambda_sync * sync_generator_loss(self.sync, fake, windows)
        if self.style is not None:
            out["style"] = self.cfg.lambda_style * style_loss(self.style, fake, style_ids)
        if self.temporal is not None:
            out["temporal"] = self.cfg.lambda_temporal * hinge_g_loss(self.temporal(fake))
        return out

    def update_temporal(self, real: torch.Tensor, fake: torch.Tensor) -> dict:
        if self.temporal is None:
            return {}
        loss = hinge_d_loss(self.temporal(real), self.temporal(fake.detach()))
        self.temporal_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.temporal_opt.step()
        return {"temporal_d": loss}


def prepare_discriminators(
    cfg: TrainConfig, sampler: SequenceSampler, saved: dict | None, device, log: Callable[[str], None]
) -> Discriminators:
    """Restored from a resumed run's checkpoint entries (`saved`), or pre-trained (with the same seed on
    every rank, so the frozen discriminators are identical)."""
    discs = Discriminators(cfg, len(sampler.styles), device)
    if saved is not None and "discriminators" in saved:
        discs.load_state_dict(saved["discriminators"])
        discs.freeze_pretrained()
    else:
        pretrain_rng = np.random.default_rng(cfg.seed)
        discs.pretrain(lambda: sampler.sample(cfg.batch_size, pretrain_rng), device, log)
    return discs
