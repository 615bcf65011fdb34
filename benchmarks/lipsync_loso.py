"""Leave-one-speaker-out lip-sync of the default model's recipe (the default model card's numbers).

For every speaker with labelled clips under --data: train the default model's recipe without that
speaker (`styletalk train --val-speakers SPEAKER`, resumable: a finished fold is kept, an unfinished one
resumes from FOLDS/SPEAKER.last.pth), then score the held-out speaker at the last step (the step count
is fixed in advance, so no held-out clip picks the checkpoint) against the linear phoneme-ridge baseline
fitted on the same training speakers and the style reference's mean held still. The per-step validation
curve of each fold is printed too: the mean over folds is what chooses the released step count.

Usage: .venv/bin/python benchmarks/lipsync_loso.py --data DIR [DIR ...] --folds FOLDS [--steps 600]
       [--json results.json]
(goals: lip r >= 0.65 mean and >= 0.5 per speaker, above the ridge on every one; closure >= 90%;
amplitude 0.8-1.25; M-LMD no worse than the style reference's mean held still; B/M/P and F/V more
closed than AA/AE/AY)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from styletalk_core.face.face_model import load_face_model  # noqa: E402
from styletalk_core.formats.fileio import atomic_path  # noqa: E402
from styletalk_core.model.checkpoint import load_generator  # noqa: E402
from styletalk_core.training.config import TrainConfig  # noqa: E402
from styletalk_core.training.dataset import find_clips  # noqa: E402
from styletalk_core.training.evaluate import evaluate, phoneme_baseline  # noqa: E402
from styletalk_core.training.state import last_checkpoint  # noqa: E402
from styletalk_core.training.train import RunSetup, train_on_folders  # noqa: E402

ROWS = ("model", "phoneme ridge", "style-clip mean")


def run_fold(data: list[Path], speaker: str, folds: Path, cfg: TrainConfig) -> list[dict]:
    """Train (or finish) one fold; returns its validation entries, kept in FOLDS/SPEAKER.curve.json."""
    out, curve_file = folds / f"{speaker}.pth", folds / f"{speaker}.curve.json"
    last = last_checkpoint(out)
    curve = json.loads(curve_file.read_text()) if curve_file.is_file() else []
    done = last.is_file() and torch.load(last, weights_only=True, map_location="cpu").get("step", 0) >= cfg.steps
    if done:
        return curve

    def log(line: str) -> None:
        if line.startswith("{") and '"validation"' in line:
            entry = json.loads(line)
            curve[:] = [c for c in curve if c["step"] != entry["step"]] + [entry]
            with atomic_path(curve_file) as tmp:
                tmp.write_text(json.dumps(curve))

    train_on_folders(data, [speaker], cfg, RunSetup(out, last if last.is_file() else None, log=log))
    return curve


def fold_scores(clips: list, speaker: str, folds: Path) -> dict:
    held = [c for c in clips if c.speaker == speaker and c.phonemes is not None]
    raw = torch.load(last_checkpoint(folds / f"{speaker}.pth"), weights_only=True, map_location="cpu")
    baseline = phoneme_baseline([c for c in clips if c.speaker != speaker], load_face_model())
    table = evaluate(load_generator(last_checkpoint(folds / f"{speaker}.pth")), held, raw["mean_exp"].numpy(),
                     baseline=baseline)  # fmt: skip
    return {name: table[name].row() for name in ROWS} | {"real": table["model"].row()}


def setting(text: str) -> tuple[str, object]:
    """NAME=VALUE -> a TrainConfig field and its value (bool, int or float by the field's default)."""
    name, _, value = text.partition("=")
    kind = type(getattr(TrainConfig, name))
    return name, value == "True" if kind is bool else kind(value)


def closed_order(row: dict, prefix: str = "viseme") -> bool | None:
    """B/M/P and F/V both more closed than AA/AE/AY (None when a class is missing)."""
    vals = [row.get(f"{prefix} {k}") for k in ("B/M/P", "F/V", "AA/AE/AY")]
    return None if None in vals else bool(max(vals[0], vals[1]) < vals[2])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", nargs="+", type=Path, required=True)
    ap.add_argument("--folds", type=Path, required=True, help="folder for the fold checkpoints")
    ap.add_argument("--steps", type=int, default=TrainConfig.steps)
    ap.add_argument("--val-every", type=int, default=100)
    ap.add_argument("--json", type=Path, help="write the per-speaker numbers here")
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                    help="other training settings, e.g. refine_lower=True lambda_lip=1")  # fmt: skip
    args = ap.parse_args()
    args.folds.mkdir(parents=True, exist_ok=True)
    clips = find_clips(args.data)
    speakers = sorted({c.speaker for c in clips if c.phonemes is not None})
    cfg = TrainConfig(steps=args.steps, val_every=args.val_every, **dict(map(setting, args.set)))
    curves, results = {}, {}
    for speaker in speakers:
        curves[speaker] = run_fold(args.data, speaker, args.folds, cfg)
        results[speaker] = fold_scores(clips, speaker, args.folds)

    print(f"leave-one-speaker-out, {len(speakers)} speakers, {args.steps} steps per fold")
    print(f"{'speaker':<14}{'method':<17}{'lip r':>7}{'closure':>9}{'ampl.':>7}{'M-LMD':>7}  closed B/M/P,F/V < AA")
    for speaker, rows in results.items():
        for name in ROWS:
            r = rows[name]
            closure = "-" if r["closure"] is None else f"{r['closure']:.0%}"
            order = closed_order(r)
            print(f"{speaker:<14}{name:<17}{r['lip r']:>7.3f}{closure:>9}{r['amplitude']:>7.2f}{r['M-LMD']:>7.3f}  "
                  f"{'-' if order is None else order}")  # fmt: skip
        print(f"{speaker:<14}{'real':<17}{'':>7}{rows['real']['real closure'] or 0:>9.0%}{'':>14}  "
              f"{closed_order(rows['real'], 'real viseme')}")  # fmt: skip
    print("mean over speakers")
    for name in ROWS:
        rs = [results[s][name] for s in speakers]
        closures = [r["closure"] for r in rs if r["closure"] is not None]
        lip_r, amplitude, lmd = ([r[k] for r in rs] for k in ("lip r", "amplitude", "M-LMD"))
        print(f"  {name:<17} lip r {np.mean(lip_r):.3f} (min {min(lip_r):.3f})"
              f"  closure {np.mean(closures) if closures else float('nan'):.0%}"
              f"  amplitude {np.mean(amplitude):.2f}  M-LMD {np.mean(lmd):.3f}")  # fmt: skip
    beats = sum(results[s]["model"]["lip r"] > results[s]["phoneme ridge"]["lip r"] for s in speakers)
    print(f"model above the ridge on {beats} of {len(speakers)} speakers")
    steps = sorted({e["step"] for c in curves.values() for e in c})
    if steps:
        print("validation lip r by step (mean over folds): " + ", ".join(
            f"{st}: {np.mean([e['validation']['lip_r'] for c in curves.values() for e in c if e['step'] == st]):.3f}"
            for st in steps))  # fmt: skip
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps({"steps": args.steps, "speakers": results, "curves": curves}, indent=1))


if __name__ == "__main__":
    main()
