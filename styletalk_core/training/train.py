"""The training loop, top to bottom: find the clips and hold out speakers (`train_on_folders`), set a
run up (`train`: fresh or resumed, discriminators pre-trained or restored), then step, log, validate
and save until the last step. One step (`Trainer.step`) is reconstruction + triplet + lip losses plus
the discriminators' terms; validation scores lip-sync and keeps the best checkpoint."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch

from ..device import pick_device
from ..face.face_model import load_face_model
from ..face.landmarks import LIP_VERTICES
from ..formats.errors import InputError
from ..formats.fileio import check_output_path
from ..formats.progress import Progress
from ..model.config import StyleTalkConfig
from ..model.network import StyleTalk
from .config import TrainConfig, small_config
from .dataset import Clip, SequenceSampler, find_clips, shift_clip_labels, split_by_speaker
from .discriminators import Discriminators, prepare_discriminators
from .distributed import Place, process_group, rank_device
from .losses import closure_loss, lip_loss, reconstruction_loss, triplet_loss, upper_lip_motion
from .prior import opening_direction
from .state import RunState, save_run, start_run
from .validation import Metrics, finite_or_none, validate


@dataclass(frozen=True)
class RunSetup:
    """Where a run writes (`out`, and NAME.last.pth beside it), what it resumes, where it runs (a device
    name, None for the best available) and who hears it."""

    out: Path
    resume: Path | None = None
    device: str | torch.device | None = None
    log: Callable[[str], None] = print
    progress: Progress | None = None


def train_on_folders(data: list[Path], val_speakers: list[str], cfg: TrainConfig, setup: RunSetup) -> Metrics:
    """`styletalk train`: find the clips, hold out `val_speakers`, train the default model's size."""
    check_output_path(setup.out)
    log = setup.log
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
    setup = replace(setup, device=rank_device(pick_device(setup.device)))
    return train(train_clips, val_clips, small_config(), cfg, setup)


def train(
    train_clips: list[Clip], val_clips: list[Clip], model_cfg: StyleTalkConfig, cfg: TrainConfig, setup: RunSetup
) -> Metrics:
    """Train a fresh or resumed (setup.resume) model of `model_cfg` on `train_clips`, validating on
    `val_clips`; setup.device None is the CPU."""
    out, log, progress = setup.out, setup.log, setup.progress
    device = torch.device(setup.device or "cpu")
    with process_group(device) as place:
        if place.rank != 0:  # one process logs, validates and saves
            log, progress = (lambda _: None), None
        torch.manual_seed(cfg.seed)
        run = start_run(model_cfg, cfg, setup.resume, device, train_clips)
        train_clips = shift_clip_labels(train_clips, run.fitted.get("label_shifts", {}))
        trainer = Trainer.start(run, train_clips, model_cfg, cfg, place, log)
        metrics, t0 = None, time.perf_counter()
        while run.step < cfg.steps:
            entry = trainer.step(run)
            if progress is not None:
                progress(run.step, cfg.steps)
            if run.step % cfg.log_every == 0 or run.step == cfg.steps:
                log(json.dumps(entry | {"seconds": round(time.perf_counter() - t0, 1)}))
            if place.rank == 0 and (run.step % cfg.val_every == 0 or run.step == cfg.steps):
                metrics = validate_and_save(run, trainer, val_clips, out, log)
        return metrics if metrics is not None else validate(run.model, val_clips, trainer.mean_exp)


def validate_and_save(
    run: RunState, trainer: Trainer, val_clips: list[Clip], out: Path, log: Callable[[str], None]
) -> Metrics:
    """Validate, then save the latest state (and, when validation improved, the best). Checkpoints are
    chosen on lip-sync: coefficient L1 rewards a hedging, half-open mouth. Without validation clips the
    latest is the best."""
    metrics = validate(run.model, val_clips, trainer.mean_exp)
    score = -metrics.lip_r if np.isfinite(metrics.lip_r) else -float(run.step)
    improved = score < run.best
    run.best = min(run.best, score)
    validation = finite_or_none(asdict(metrics))
    log(json.dumps({"step": run.step, "validation": validation, "best": improved}))
    discriminators = {k.replace(".module.", "."): v for k, v in trainer.discs.state_dict().items()}
    mean_exp = torch.from_numpy(trainer.mean_exp.astype(np.float32))
    entries = dict(discriminators=discriminators, train_config=asdict(trainer.cfg), mean_exp=mean_exp)
    save_run(run, out, improved, validation=validation, **entries)
    return metrics


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


@dataclass
class Trainer:
    """What one run holds fixed from step to step: its settings, the data, the discriminators, the
    generator's forward (wrapped for several processes) and the face model's lip directions."""

    cfg: TrainConfig
    device: torch.device
    sampler: SequenceSampler
    rng: np.random.Generator
    discs: Discriminators
    forward: torch.nn.Module  # GeneratorStep, or DistributedDataParallel around it
    lip_basis: torch.Tensor  # (K, lip vertices x 2): each coefficient's motion of the lips in the image plane
    opening: torch.Tensor  # (K,): the coefficients that open the mouth
    mean_exp: np.ndarray  # (64,): the training clips' mean expression, validation's baseline

    @classmethod
    def start(
        cls,
        run: RunState,
        clips: list[Clip],
        model_cfg: StyleTalkConfig,
        cfg: TrainConfig,
        place: Place,
        log: Callable[[str], None],
    ) -> Trainer:
        """The sampler over `clips`, the discriminators (restored or pre-trained) and the lip directions;
        a resumed run draws its batches from a generator seeded with its step as well."""
        device, rank = place.device, place.rank
        face = load_face_model()
        opening = opening_direction(face, tuple(range(face.basis.shape[0])))
        sampler = SequenceSampler(
            clips, cfg.seq_len, cfg.style_frames, model_cfg.win_size, cfg.level_shift, opening.astype(np.float64)
        )
        mean_exp = np.concatenate([c.exp for c in sampler.paired]).mean(0)
        lips = face.basis[:, list(LIP_VERTICES), :2].reshape(face.basis.shape[0], -1)
        rng = np.random.default_rng([cfg.seed, rank] + ([run.step] if run.saved is not None else []))
        discs = prepare_discriminators(cfg, sampler, run.saved, device, log)
        forward = GeneratorStep(run.model)
        if place.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            forward = DistributedDataParallel(forward)
            if discs.temporal is not None:
                discs.temporal = DistributedDataParallel(discs.temporal)
        lip_basis = torch.from_numpy(lips).to(device)
        opening = torch.from_numpy(opening.astype(np.float32)).to(device)
        return cls(cfg, device, sampler, rng, discs, forward, lip_basis, opening, mean_exp)

    def tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array).to(self.device)

    def step(self, run: RunState) -> dict[str, float]:
        """One generator update (and the temporal discriminator's); returns the logged loss terms."""
        cfg, t = self.cfg, self.tensor
        run.model.train()
        b = self.sampler.sample(cfg.batch_size, self.rng)
        segments, masks, ids = self.sampler.sample_styles(cfg.triplet_styles, cfg.triplet_per_style, self.rng)
        windows, target = t(b.windows), t(b.target)
        pred, codes = self.forward(windows, t(b.style), t(b.style_mask), t(segments), t(masks))

        rec = reconstruction_loss(pred, target)
        lip, lip_velocity = lip_loss(pred, target, self.lip_basis)
        trip = triplet_loss(codes, t(ids), cfg.triplet_margin)
        adversarial = self.discs.generator_losses(pred, windows, t(b.style_ids))
        closure = closure_loss(pred, t(b.closing), t(b.closed), self.opening)
        upper_lip = upper_lip_motion(pred, run.model.decoder.upper_indices, self.lip_basis)
        loss = cfg.lambda_rec * rec + cfg.lambda_triplet * trip + sum(adversarial.values())
        loss = loss + cfg.lambda_lip * lip + cfg.lambda_lip_velocity * lip_velocity + cfg.lambda_closure * closure
        loss = loss + cfg.lambda_upper_lip * upper_lip

        run.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        run.optimizer.step()
        adversarial.update(self.discs.update_temporal(target, pred))
        run.step += 1
        terms = {"loss": loss, "rec": rec, "triplet": trip, "lip": lip, "closure": closure, "upper_lip": upper_lip}
        return (
            {"step": run.step}
            | {k: v.item() for k, v in terms.items()}
            | {k: round(v.item(), 5) for k, v in adversarial.items()}
        )
