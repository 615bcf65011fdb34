"""`styletalk train`: a generator trained on official-format clips (.mat + *_seq.json)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..training.config import TrainConfig
from .common import add_command, progress_bar


def add(sub, common) -> None:
    t = add_command(
        sub,
        "train",
        run,
        "train a generator on official-format clips (.mat + *_seq.json)",
        "Train StyleTalk on clips found under DATA: reconstruction (L1+SSIM), style triplet, lip-sync, temporal "
        "and style discriminators.",
        [common["device"]],
    )
    t.add_argument("--data", required=True, nargs="+", type=Path, help="folders searched for *.mat and *_seq.json")
    t.add_argument("--val-speakers", nargs="+", default=[], help="speakers held out for validation")
    t.add_argument("--steps", type=int, default=TrainConfig.steps, help="generator updates")
    t.add_argument("--batch", dest="batch_size", type=int, default=TrainConfig.batch_size, help="sequences per step")
    t.add_argument("--seq-len", type=int, default=TrainConfig.seq_len, help="frames per training sequence")
    t.add_argument("--lr", type=float, default=TrainConfig.lr, help="Adam learning rate")
    t.add_argument("--seed", type=int, default=TrainConfig.seed, help="random seed")
    t.add_argument("--val-every", type=int, default=TrainConfig.val_every, help="validate and save every N steps")
    t.add_argument(
        "--pretrain-steps",
        type=int,
        default=TrainConfig.pretrain_steps,
        help="lip-sync/style discriminator pre-training steps",
    )
    add_loss_weights(t)
    t.add_argument(
        "--level-shift",
        type=float,
        default=TrainConfig.level_shift,
        help="probability of moving a sample and its style clip to another clip's mean expression (0: off)",
    )
    t.add_argument("--resume", type=Path, help="continue from a checkpoint written by this command")
    t.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        help="checkpoint to write (.pth): the best validation; NAME.last.pth: the latest",
    )


def add_loss_weights(t: argparse.ArgumentParser) -> None:
    """`styletalk train`'s loss weights and the phoneme prior's refinement switch."""
    for name in ("sync", "temporal", "style"):
        t.add_argument(
            f"--lambda-{name}",
            type=float,
            default=getattr(TrainConfig, f"lambda_{name}"),
            help=f"weight of the {name} discriminator (0: off)",
        )
    lip_terms = {
        "lip": "lip vertex positions",
        "lip-velocity": "lip vertex velocities",
        "closure": "B/M/P lips",
        "upper-lip": "lip motion from the upper-face dims",
    }
    for name, what in lip_terms.items():
        t.add_argument(
            f"--lambda-{name}",
            type=float,
            default=getattr(TrainConfig, f"lambda_{name.replace('-', '_')}"),
            help=f"weight of the loss on {what}, through the face model (0: off)",
        )
    t.add_argument(
        "--refine-lower",
        action="store_true",
        help="with the default model's phoneme prior, let the lower-face decoder learn a refinement of it",
    )


def run(args: argparse.Namespace) -> None:
    from dataclasses import asdict

    from tqdm import tqdm

    from ..training.distributed import is_main_process
    from ..training.train import RunSetup, train_on_folders

    progress = progress_bar("train", unit="step", min_total=1)
    setup = RunSetup(args.output, args.resume, args.device, tqdm.write, progress)
    metrics = train_on_folders(args.data, args.val_speakers, TrainConfig.from_args(args), setup)
    if is_main_process():
        print(json.dumps(asdict(metrics)))
