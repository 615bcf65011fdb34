"""Training loop: reconstruction + triplet losses, validation by held-out speaker, checkpoints, resume."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .checkpoint import load_generator, read_checkpoint, save_generator
from .dataset import Batch, Clip, SequenceSampler
from .discriminators import (
    LipSyncDiscriminator,
    StyleDiscriminator,
    TemporalDiscriminator,
    hinge_d_loss,
    hinge_g_loss,
    style_loss,
    sync_discriminator_loss,
    sync_generator_loss,
)
from .face_model import load_face_model
from .fileio import atomic_path
from .inference import generate_expression
from .losses import reconstruction_loss, triplet_accuracy, triplet_loss
from .model import LOWER_INDICES, StyleTalk, StyleTalkConfig
from .style_clip import crop_and_pad, reference_level


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
    # the paper's adversarial terms; 0 switches a discriminator off
    lambda_sync: float = 1.0
    lambda_temporal: float = 1.0
    lambda_style: float = 1.0
    pretrain_steps: int = 200  # lip-sync and style discriminators: pre-trained on real data, then frozen
    d_lr: float = 1e-4
    seed: int = 0
    log_every: int = 50
    val_every: int = 500


def small_config() -> StyleTalkConfig:
    """The bundled default model: the official architecture, narrower (fits ~20 MB, trains on CPU),
    predicting the motion around the style clip's mean expression (`style_level`)."""
    return StyleTalkConfig(d_model=128, nhead=8, dim_feedforward=512, dynamic_k=8, tail_hidden=128, style_level=True)


@dataclass
class Metrics:
    mouth_l1: float  # mean |pred - gt| over the 13 mouth dims
    mouth_l1_mean_baseline: float  # the same for the training-set mean expression
    full_l1: float
    triplet_acc: float
    mouth_l1_level_baseline: float = float("nan")  # the style reference's mean expression held still
    extra: dict = field(default_factory=dict)


@torch.no_grad()
def clip_style_codes(model: StyleTalk, clips: list[Clip]) -> torch.Tensor:
    device = next(model.parameters()).device
    pairs = [crop_and_pad(c.exp, model.config.style_max_len) for c in clips]
    clip = torch.from_numpy(np.stack([p[0] for p in pairs])).to(device)
    mask = torch.from_numpy(np.stack([p[1] for p in pairs])).to(device)
    return model.encode_style(clip, mask)


@torch.no_grad()
def validate(model: StyleTalk, clips: list[Clip], mean_exp: np.ndarray, style_clips: list[Clip]) -> Metrics:
    """Generate each paired clip with its own style (first 256 frames as the style reference)."""
    model.eval()
    lower = list(LOWER_INDICES)
    errs, base, level, full = [], [], [], []
    for c in clips:
        if c.phonemes is None:
            continue
        pred = generate_expression(model, c.phonemes, clip_style_codes(model, [c]))
        errs.append(np.abs(pred[:, lower] - c.exp[:, lower]).mean())
        base.append(np.abs(mean_exp[lower] - c.exp[:, lower]).mean())
        level.append(np.abs(reference_level(c.exp, model.config.style_max_len)[lower] - c.exp[:, lower]).mean())
        full.append(np.abs(pred - c.exp).mean())
    acc = float("nan")
    if style_clips:
        labels = {s: i for i, s in enumerate(sorted({c.style for c in style_clips}))}
        codes = model.split_code(clip_style_codes(model, style_clips))[0]
        acc = triplet_accuracy(codes.cpu(), torch.tensor([labels[c.style] for c in style_clips]))

    def mean(values: list[float]) -> float:
        return float(np.mean(values)) if values else float("nan")

    return Metrics(mean(errs), mean(base), mean(full), acc, mean(level))


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


class GeneratorStep(torch.nn.Module):
    """Everything the generator's losses need in one forward, so DistributedDataParallel can wrap it:
    predictions for the batch and style codes for the triplet segments."""

    def __init__(self, model: StyleTalk):
        super().__init__()
        self.model = model

    def forward(self, windows, style, style_mask, segments, segment_mask) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.model.encode_style(style, style_mask)
        learned = self.model.split_code(self.model.encode_style(segments, segment_mask))[0]
        return self.model.decode(windows, code), learned


def last_checkpoint(out: Path) -> Path:
    """Where training keeps its latest state (`out` gets the best validation so far): NAME.last.pth."""
    out = Path(out)
    return out.with_name(f"{out.stem}.last{out.suffix}")


def distributed_rank(device: torch.device) -> tuple[int, int]:
    """(rank, world size); joins the process group when launched by torchrun (WORLD_SIZE > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return torch.distributed.get_rank(), world


def train(
    train_clips: list[Clip],
    val_clips: list[Clip],
    out: Path,
    model_cfg: StyleTalkConfig,
    cfg: TrainConfig,
    resume: Path | None = None,
    device: torch.device | str = "cpu",
    log: Callable[[str], None] = print,
    progress: Callable[[int, int], None] | None = None,
) -> Metrics:
    device = torch.device(device)
    rank, world = distributed_rank(device)
    if rank != 0:  # one process logs, validates and saves
        log, progress = (lambda _: None), None
    torch.manual_seed(cfg.seed)
    pretrain_rng = np.random.default_rng(cfg.seed)  # the same on every rank: identical frozen discriminators
    rng = np.random.default_rng([cfg.seed, rank])
    sampler = SequenceSampler(train_clips, cfg.seq_len, cfg.style_frames, model_cfg.win_size, cfg.level_shift)
    mean_exp = np.concatenate([c.exp for c in sampler.paired]).mean(0)
    model = StyleTalk(model_cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    step, best = 0, float("inf")
    state: dict = {}
    if resume is not None:
        model = load_generator(resume, device).model.train()
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        state = read_checkpoint(resume, "training checkpoint")
        if "optimizer" in state:
            opt.load_state_dict(state["optimizer"])
        step = int(state.get("step", 0))
        best = float(state.get("best_score", float("inf")))
        rng = np.random.default_rng([cfg.seed, rank, step])
    discs = Discriminators(cfg, len(sampler.styles), device)
    if resume is not None and "discriminators" in state:
        discs.load_state_dict(state["discriminators"])
        discs.freeze_pretrained()
    else:
        discs.pretrain(lambda: sampler.sample(cfg.batch_size, pretrain_rng), device, log)
    step_fn = GeneratorStep(model)
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        step_fn = DistributedDataParallel(step_fn)
        if discs.temporal is not None:
            discs.temporal = DistributedDataParallel(discs.temporal)
    metrics = None
    t0 = time.perf_counter()
    while step < cfg.steps:
        model.train()
        b = sampler.sample(cfg.batch_size, rng)
        segs, masks, ids = sampler.sample_styles(cfg.triplet_styles, cfg.triplet_per_style, rng)
        windows, target = torch.from_numpy(b.windows).to(device), torch.from_numpy(b.target).to(device)
        pred, tcodes = step_fn(
            windows,
            torch.from_numpy(b.style).to(device),
            torch.from_numpy(b.style_mask).to(device),
            torch.from_numpy(segs).to(device),
            torch.from_numpy(masks).to(device),
        )
        rec = reconstruction_loss(pred, target)
        trip = triplet_loss(tcodes, torch.from_numpy(ids).to(device), cfg.triplet_margin)
        adversarial = discs.generator_losses(pred, windows, torch.from_numpy(b.style_ids).to(device))
        loss = cfg.lambda_rec * rec + cfg.lambda_triplet * trip + sum(adversarial.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        adversarial.update(discs.update_temporal(target, pred))
        step += 1
        if progress is not None:
            progress(step, cfg.steps)
        if step % cfg.log_every == 0 or step == cfg.steps:
            entry = {"step": step, "loss": loss.item(), "rec": rec.item(), "triplet": trip.item()}
            entry.update({k: round(v.item(), 5) for k, v in adversarial.items()})
            entry["seconds"] = round(time.perf_counter() - t0, 1)
            log(json.dumps(entry))
        if rank == 0 and (step % cfg.val_every == 0 or step == cfg.steps):
            metrics = validate(model, val_clips, mean_exp, val_clips)
            score = metrics.mouth_l1 if np.isfinite(metrics.mouth_l1) else -float(step)  # no validation: latest
            improved = score < best
            best = min(best, score)
            log(json.dumps({"step": step, "validation": asdict(metrics), "best": improved}))
            payload = dict(
                optimizer=opt.state_dict(),
                discriminators={k.replace(".module.", "."): v for k, v in discs.state_dict().items()},
                step=step,
                train_config=asdict(cfg),
                mean_exp=torch.from_numpy(mean_exp.astype(np.float32)),
                validation=asdict(metrics),
                best_score=best,
            )
            save_generator(last_checkpoint(out), model.eval(), **payload)
            if improved:  # the same bytes: copy rather than serialise twice
                with atomic_path(out) as tmp:
                    shutil.copyfile(last_checkpoint(out), tmp)
    return metrics if metrics is not None else validate(model, val_clips, mean_exp, val_clips)
