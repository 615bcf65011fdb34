"""Training loop: reconstruction + triplet losses, validation by held-out speaker, checkpoints, resume."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..device import pick_device
from ..face.face_model import FaceModel, load_face_model
from ..face.landmarks import LIP_VERTICES
from ..formats.checkpoints import read_checkpoint
from ..formats.errors import InputError
from ..formats.fileio import atomic_path, check_output_path
from ..formats.layout import LOWER_INDICES
from ..formats.progress import Progress
from ..model.checkpoint import load_generator, save_generator
from ..model.config import StyleTalkConfig
from ..model.generate import generate_expression, reference_level, style_codes
from ..model.network import StyleTalk
from .config import TrainConfig, small_config
from .dataset import Batch, Clip, SequenceSampler, find_clips, shift_clip_labels, split_by_speaker
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
from .distributed import process_group, rank_device
from .lipsync import lipsync_scores
from .losses import closure_loss, lip_loss, reconstruction_loss, triplet_accuracy, triplet_loss, upper_lip_motion
from .prior import fit_prior, opening_direction


@dataclass
class Metrics:
    mouth_l1: float  # mean |pred - gt| over the 13 mouth dims
    mouth_l1_mean_baseline: float  # the same for the training-set mean expression
    full_l1: float
    triplet_acc: float
    mouth_l1_level_baseline: float = float("nan")  # the style reference's mean expression held still
    lip_r: float = float("nan")  # mouth opening vs the real one (lipsync.best_lag_r); checkpoints are chosen on it
    closure: float = float("nan")  # share of B/M/P runs where the lips close
    amplitude: float = float("nan")  # std of the mouth opening, generated / real


@torch.no_grad()
def validate(model: StyleTalk, clips: list[Clip], mean_exp: np.ndarray) -> Metrics:
    """Generate each paired clip with its own style (first 256 frames as the style reference); the
    same clips' style codes say how well styles stay apart (triplet accuracy)."""
    model.eval()
    lower = list(LOWER_INDICES)
    face = load_face_model()
    errs, base, level, full, sync = [], [], [], [], []
    for c in clips:
        if c.phonemes is None:
            continue
        pred = generate_expression(model, c.phonemes, style_codes(model, [c.exp]))
        sync.append(lipsync_scores(pred, c.exp, c.phonemes, face))
        errs.append(np.abs(pred[:, lower] - c.exp[:, lower]).mean())
        base.append(np.abs(mean_exp[lower] - c.exp[:, lower]).mean())
        level.append(np.abs(reference_level(c.exp, model.config.style_max_len)[lower] - c.exp[:, lower]).mean())
        full.append(np.abs(pred - c.exp).mean())
    acc = float("nan")
    if clips:
        labels = {s: i for i, s in enumerate(sorted({c.style for c in clips}))}
        codes = model.split_code(style_codes(model, [c.exp for c in clips]))[0]
        acc = triplet_accuracy(codes.cpu(), torch.tensor([labels[c.style] for c in clips]))

    def mean(values: list[float | None]) -> float:
        values = [v for v in values if v is not None]
        return float(np.mean(values)) if values else float("nan")

    lip = [mean([s.lip_r for s in sync]), mean([s.closure for s in sync]), mean([s.amplitude for s in sync])]
    return Metrics(mean(errs), mean(base), mean(full), acc, mean(level), *lip)


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


@dataclass
class RunState:
    """What a run carries from step to step and what a resumed run restores."""

    model: StyleTalk
    optimizer: torch.optim.Optimizer
    step: int = 0
    best: float = float("inf")
    saved: dict | None = None  # the resumed checkpoint's training entries
    fitted: dict = field(default_factory=dict)  # what was fitted before training (label shifts, prior gain)


def fresh_model(model_cfg: StyleTalkConfig, train_clips: list[Clip], face: FaceModel) -> tuple[StyleTalk, dict]:
    """A new network and the training clips' label shifts; with `phoneme_prior`, the prior is fitted
    (`prior.fit_prior`) on the training clips and put in the network."""
    model = StyleTalk(model_cfg)
    if model.phoneme_prior is None:
        return model, {}
    prior = fit_prior(train_clips, face, model_cfg.win_size, model_cfg.lower_indices)
    with torch.no_grad():
        model.phoneme_prior.table.weight.copy_(torch.from_numpy(prior.weights.reshape(-1, prior.weights.shape[-1])))
        model.phoneme_prior.bias.copy_(torch.from_numpy(prior.bias))
        model.phoneme_prior.opening.copy_(torch.from_numpy(prior.opening))
        model.phoneme_prior.motion_scale.fill_(prior.scale)
    return model, {"label_shifts": prior.shifts, "prior_gain": prior.gain}


def _optimizer(model: StyleTalk, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Adam over everything but the phoneme prior, which stays as fitted (and, unless `refine_lower`,
    the lower-face decoder, which then adds nothing to it)."""
    if model.phoneme_prior is not None:
        model.phoneme_prior.requires_grad_(False)
        if not cfg.refine_lower:
            model.decoder.lower_decoder.requires_grad_(False)
            model.decoder.lower_tail_fc.requires_grad_(False)
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)


def start_run(
    model_cfg: StyleTalkConfig, cfg: TrainConfig, resume: Path | None, device: torch.device, train_clips: list[Clip]
) -> RunState:
    if resume is None:
        model, fitted = fresh_model(model_cfg, train_clips, load_face_model())
        model = model.to(device)
        return RunState(model, _optimizer(model, cfg), saved=None, fitted=fitted)
    model = load_generator(resume, device).model.train()
    opt = _optimizer(model, cfg)
    saved = read_checkpoint(resume, "training checkpoint")
    if "optimizer" in saved:
        opt.load_state_dict(saved["optimizer"])
    fitted = {k: saved[k] for k in ("label_shifts", "prior_gain") if k in saved}
    return RunState(model, opt, int(saved.get("step", 0)), float(saved.get("best_score", float("inf"))), saved, fitted)


def training_step(
    step_fn,
    discs: Discriminators,
    run: RunState,
    sampler: SequenceSampler,
    cfg: TrainConfig,
    rng: np.random.Generator,
    device,
    lip_basis: torch.Tensor,
    opening: torch.Tensor,
) -> dict[str, float]:
    """One generator update (+ the temporal discriminator's); returns the logged loss terms."""
    run.model.train()
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
    lip, lip_velocity = lip_loss(pred, target, lip_basis)
    trip = triplet_loss(tcodes, torch.from_numpy(ids).to(device), cfg.triplet_margin)
    adversarial = discs.generator_losses(pred, windows, torch.from_numpy(b.style_ids).to(device))
    loss = cfg.lambda_rec * rec + cfg.lambda_triplet * trip + sum(adversarial.values())
    closure = closure_loss(pred, torch.from_numpy(b.closing).to(device), torch.from_numpy(b.closed).to(device), opening)
    upper_lip = upper_lip_motion(pred, run.model.decoder.upper_indices, lip_basis)
    loss = loss + cfg.lambda_lip * lip + cfg.lambda_lip_velocity * lip_velocity + cfg.lambda_closure * closure
    loss = loss + cfg.lambda_upper_lip * upper_lip
    run.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    run.optimizer.step()
    adversarial.update(discs.update_temporal(target, pred))
    run.step += 1
    entry = {
        "step": run.step,
        "loss": loss.item(),
        "rec": rec.item(),
        "triplet": trip.item(),
        "lip": lip.item(),
        "closure": closure.item(),
        "upper_lip": upper_lip.item(),
    }
    return entry | {k: round(v.item(), 5) for k, v in adversarial.items()}


def finite_or_none(values: dict) -> dict:
    """JSON has no NaN: a measure that could not be taken (no labelled clip) is written as null."""
    return {k: (v if not isinstance(v, float) or np.isfinite(v) else None) for k, v in values.items()}


def validate_and_save(
    run: RunState,
    discs: Discriminators,
    val_clips: list[Clip],
    mean_exp: np.ndarray,
    cfg: TrainConfig,
    out: Path,
    log: Callable[[str], None],
) -> Metrics:
    """Validate, write the latest state to NAME.last.pth and, when validation improved, to `out`."""
    metrics = validate(run.model, val_clips, mean_exp)
    # on lip-sync: coefficient L1 rewards a hedging, half-open mouth; no validation: the latest
    score = -metrics.lip_r if np.isfinite(metrics.lip_r) else -float(run.step)
    improved = score < run.best
    run.best = min(run.best, score)
    validation = finite_or_none(asdict(metrics))
    log(json.dumps({"step": run.step, "validation": validation, "best": improved}))
    payload = dict(
        optimizer=run.optimizer.state_dict(),
        discriminators={k.replace(".module.", "."): v for k, v in discs.state_dict().items()},
        step=run.step,
        train_config=asdict(cfg),
        mean_exp=torch.from_numpy(mean_exp.astype(np.float32)),
        validation=validation,
        best_score=run.best,
        **run.fitted,
    )
    save_generator(last_checkpoint(out), run.model.eval(), **payload)
    if improved:  # the same bytes: copy rather than serialise twice
        with atomic_path(out) as tmp:
            shutil.copyfile(last_checkpoint(out), tmp)
    return metrics


def prepare_discriminators(
    cfg: TrainConfig, sampler: SequenceSampler, run: RunState, device, log: Callable[[str], None]
) -> Discriminators:
    """Restored from the resumed run, or pre-trained (with the same seed on every rank, so the
    frozen discriminators are identical)."""
    discs = Discriminators(cfg, len(sampler.styles), device)
    if run.saved is not None and "discriminators" in run.saved:
        discs.load_state_dict(run.saved["discriminators"])
        discs.freeze_pretrained()
    else:
        pretrain_rng = np.random.default_rng(cfg.seed)
        discs.pretrain(lambda: sampler.sample(cfg.batch_size, pretrain_rng), device, log)
    return discs


def train(
    train_clips: list[Clip],
    val_clips: list[Clip],
    out: Path,
    model_cfg: StyleTalkConfig,
    cfg: TrainConfig,
    resume: Path | None = None,
    device: torch.device | str = "cpu",
    log: Callable[[str], None] = print,
    progress: Progress | None = None,
) -> Metrics:
    device = torch.device(device)
    with process_group(device) as (rank, world):
        if rank != 0:  # one process logs, validates and saves
            log, progress = (lambda _: None), None
        torch.manual_seed(cfg.seed)
        run = start_run(model_cfg, cfg, resume, device, train_clips)
        train_clips = shift_clip_labels(train_clips, run.fitted.get("label_shifts", {}))
        face = load_face_model()
        opening = opening_direction(face, tuple(range(face.basis.shape[0])))
        sampler = SequenceSampler(
            train_clips, cfg.seq_len, cfg.style_frames, model_cfg.win_size, cfg.level_shift, opening.astype(np.float64)
        )
        mean_exp = np.concatenate([c.exp for c in sampler.paired]).mean(0)
        lip_basis = torch.from_numpy(face.basis[:, list(LIP_VERTICES), :2].reshape(face.basis.shape[0], -1)).to(device)
        opening = torch.from_numpy(opening.astype(np.float32)).to(device)
        rng = np.random.default_rng([cfg.seed, rank] + ([run.step] if resume is not None else []))
        discs = prepare_discriminators(cfg, sampler, run, device, log)
        step_fn = GeneratorStep(run.model)
        if world > 1:
            from torch.nn.parallel import DistributedDataParallel

            step_fn = DistributedDataParallel(step_fn)
            if discs.temporal is not None:
                discs.temporal = DistributedDataParallel(discs.temporal)
        metrics, t0 = None, time.perf_counter()
        while run.step < cfg.steps:
            entry = training_step(step_fn, discs, run, sampler, cfg, rng, device, lip_basis, opening)
            if progress is not None:
                progress(run.step, cfg.steps)
            if run.step % cfg.log_every == 0 or run.step == cfg.steps:
                log(json.dumps(entry | {"seconds": round(time.perf_counter() - t0, 1)}))
            if rank == 0 and (run.step % cfg.val_every == 0 or run.step == cfg.steps):
                metrics = validate_and_save(run, discs, val_clips, mean_exp, cfg, out, log)
        return metrics if metrics is not None else validate(run.model, val_clips, mean_exp)


def train_on_folders(
    data: list[Path],
    val_speakers: list[str],
    out: Path,
    cfg: TrainConfig,
    resume: Path | None = None,
    device: str | None = None,
    log: Callable[[str], None] = print,
    progress: Progress | None = None,
) -> Metrics:
    """`styletalk train`: find the clips, hold out `val_speakers`, train the default model's size."""
    check_output_path(out)
    clips = find_clips(data, warn=log)
    if not clips:
        raise InputError(f"no .mat clips found under {', '.join(map(str, data))}")
    unknown = sorted(set(val_speakers) - {c.speaker for c in clips})
    if unknown:
        known = ", ".join(sorted({c.speaker for c in clips})[:12])
        raise InputError(f"--val-speakers {' '.join(unknown)}: no clip of theirs under --data (speakers: {known})")
    train_clips, val_clips = split_by_speaker(clips, set(val_speakers))
    if not train_clips:
        raise InputError(f"--val-speakers {' '.join(val_speakers)} hold out every clip: nothing is left to train on")
    log(f"{len(train_clips)} training clips, {len(val_clips)} validation clips ({', '.join(val_speakers)})")
    return train(
        train_clips,
        val_clips,
        out,
        small_config(),
        cfg,
        resume=resume,
        device=rank_device(pick_device(device)),
        log=log,
        progress=progress,
    )
