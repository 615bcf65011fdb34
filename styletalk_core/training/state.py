"""What a training run carries from step to step, how it starts (fresh, or resumed from its checkpoint)
and how its checkpoints are written: NAME.last.pth every validation, NAME.pth when validation improved."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..face.face_model import FaceModel, load_face_model
from ..formats.checkpoints import read_checkpoint
from ..formats.fileio import atomic_path
from ..model.checkpoint import load_generator, save_generator
from ..model.config import StyleTalkConfig
from ..model.network import StyleTalk
from .config import TrainConfig
from .dataset import Clip
from .prior import fit_prior


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


def save_run(run: RunState, out: Path, improved: bool, **entries) -> None:
    """The network with the run's state and `entries` to NAME.last.pth; when `improved`, to `out` too."""
    payload = dict(optimizer=run.optimizer.state_dict(), step=run.step, best_score=run.best, **entries, **run.fitted)
    save_generator(last_checkpoint(out), run.model.eval(), **payload)
    if improved:  # the same bytes: copy rather than serialise twice
        with atomic_path(out) as tmp:
            shutil.copyfile(last_checkpoint(out), tmp)
