"""Turn a `styletalk train` checkpoint into the bundled default model + its model card.

Strips the optimizer, adds style presets (the mean style code of every clip of one emotion in
the MEAD clips of ../shared/reference/dreamtalk_samples, and of each named style group), and
writes styletalk_core/weights/default.pth and MODEL_CARD.md.
Usage: .venv/bin/python scripts/release_default_model.py TRAINED.pth --data DIR [DIR ...]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import torch

from styletalk_core.formats.checkpoints import read_checkpoint
from styletalk_core.model.checkpoint import load_generator, save_generator
from styletalk_core.model.generate import style_codes
from styletalk_core.resources import DEFAULT_CHECKPOINT
from styletalk_core.training.dataset import find_clips
from styletalk_core.training.evaluate import evaluate

STYLE_LEVEL = {
    True: "the style code ends with the style clip's mean expression and the decoders predict the motion "
    "around it (not in the official model: official code loading this file would miss that offset)",
    False: "off, as in the official model",
}


def losses(train_config: dict) -> str:
    """The loss terms a training run used, from its recorded TrainConfig."""
    terms = [f"{train_config.get('lambda_rec', 88.0):g} x (L1 + (1 - SSIM)) reconstruction"]
    names = {
        "lambda_triplet": f"batch-hard triplet (margin {train_config.get('triplet_margin', 5.0):g}) on style codes",
        "lambda_sync": "lip-sync discriminator (pre-trained, frozen)",
        "lambda_temporal": "temporal PatchGAN (hinge)",
        "lambda_style": "style discriminator (pre-trained, frozen)",
    }
    terms += [f"{train_config[k]:g} x {v}" for k, v in names.items() if train_config.get(k, 0) > 0]
    unused = [v.split(" (")[0] for k, v in names.items() if train_config.get(k, 0) == 0]
    shift = train_config.get("level_shift", 0.0)
    text = " + ".join(terms) + (f"; not used: {', '.join(unused)}" if unused else "")
    return text + (f"; level-shift augmentation p = {shift:g}" if shift else "")


def reading(table: dict) -> str:
    """What the landmark table says, in words, from its numbers."""
    model, shuffled = table["model"]["M-LMD"], table["shuffled phonemes"]["M-LMD"]
    level, mean = table["style-clip mean"]["M-LMD"], table["mean expression"]["M-LMD"]
    gain = (shuffled - model) / shuffled
    sync = (
        f"Shuffling the phonemes raises the lip error by {100 * gain:.0f}%: some lip-sync transfers to unseen speakers."
        if gain > 0.02
        else f"Shuffling the phonemes changes the lip error by only {100 * gain:.0f}%: the model has not learned "
        "lip-sync that transfers to unseen speakers (the paired training data is a handful of speakers)."
    )
    return (
        f"Lip error {model / mean:.2f}x the mean expression's and {model / level:.2f}x that of the style "
        f"reference's mean held still. {sync}\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("trained", type=Path)
    ap.add_argument("--data", nargs="+", type=Path, required=True)
    ap.add_argument("--command", default="", help="the training command, recorded in the model card")
    ap.add_argument("--val-speakers", nargs="+", default=[], help="held-out speakers for the landmark table")
    ap.add_argument("--note", default="", help="why this checkpoint was released (a paragraph for the card)")
    args = ap.parse_args()
    gen = load_generator(args.trained)
    raw = read_checkpoint(args.trained, "training checkpoint")
    clips = find_clips(args.data)
    presets = emotion_presets(gen, clips)
    save_generator(
        DEFAULT_CHECKPOINT,
        gen.model,
        style_presets=presets,
        step=raw.get("step"),
        train_config=raw.get("train_config"),
        validation=raw.get("validation"),
        mean_exp=raw.get("mean_exp"),
    )
    card = model_card(gen, raw, presets, args.command)
    held_out = [c for c in clips if c.speaker in set(args.val_speakers) and c.phonemes is not None]
    if held_out:
        card += held_out_table(held_out, raw, args.val_speakers)
    if args.note:
        card += f"\n## Which checkpoint\n\n{args.note}\n"
    (DEFAULT_CHECKPOINT.parent / "MODEL_CARD.md").write_text(card)
    print(card)


def emotion_presets(gen, clips) -> dict[str, torch.Tensor]:
    """Mean style code of the clips of each emotion (MEAD-style "speaker_emotion" style labels)."""
    codes = style_codes(gen.model, [c.exp for c in clips])
    groups: dict[str, list[torch.Tensor]] = defaultdict(list)
    for clip, code in zip(clips, codes, strict=False):
        if clip.style != clip.speaker:
            groups[clip.style.split("_", 1)[1]].append(code)
    return {name: torch.stack(v).mean(0) for name, v in sorted(groups.items())}


def model_card(gen, raw: dict, presets: dict, command: str) -> str:
    size = DEFAULT_CHECKPOINT.stat().st_size
    params = sum(p.numel() for p in gen.model.parameters())
    val = raw.get("validation", {})
    return f"""# Default StyleTalk model (bundled)

- File: `default.pth` ({size / 1e6:.1f} MB), official container `{{"model_state_dict", "config", ...}}`.
- Architecture: the official StyleTalk network, narrower (`styletalk_core.training.config.small_config`):
  `{json.dumps(gen.model.config.to_dict())}`; {params / 1e6:.2f} M parameters.
- Data: the MIT-licensed official StyleTalk samples (source videos with phoneme labels and 3DMM
  expression; style clips without labels) and the DreamTalk MEAD style clips, from
  `../shared/reference`. Paired (phoneme + expression) training data is only the source videos
  minus the validation speakers, a few thousand frames: this model is a working default, far
  from the official weights.
- Losses: {losses(raw.get("train_config") or {})}.
- `style_level` = {gen.model.config.style_level}: {STYLE_LEVEL[gen.model.config.style_level]}.
- Training: {json.dumps(raw.get("train_config"))}, {raw.get("step")} steps on CPU.
  Command: `{command}`
- Validation (held-out speakers; mean |error| of 3DMM expression coefficients; mouth = 13 dims):
  mouth L1 {val.get("mouth_l1", float("nan")):.4f} vs mean-expression baseline
  {val.get("mouth_l1_mean_baseline", float("nan")):.4f}
  (ratio {val.get("mouth_l1", float("nan")) / val.get("mouth_l1_mean_baseline", float("nan")):.2f}) and vs
  the style reference's mean held still {val.get("mouth_l1_level_baseline", float("nan")):.4f};
  full-face L1 {val.get("full_l1", float("nan")):.4f};
  style triplet accuracy {val.get("triplet_acc", float("nan")):.2f}.
- Style presets (`--style preset:NAME`): {", ".join(presets)} (mean style code of the MEAD clips of
  that emotion).
"""


def held_out_table(held_out, raw: dict, speakers: list[str]) -> str:
    table = evaluate(load_generator(DEFAULT_CHECKPOINT), held_out, raw["mean_exp"].numpy())
    return (
        "\n## Landmark distance on held-out speakers (`styletalk evaluate`)\n\n"
        f"Speakers: {', '.join(speakers)} ({len(held_out)} labelled clips); "
        "px at 256², embedded face model.\n\n"
        "| method | M-LMD | F-LMD | lip motion / real |\n|---|---|---|---|\n"
        + "".join(f"| {k} | {v['M-LMD']:.3f} | {v['F-LMD']:.3f} | {v['motion']:.2f} |\n" for k, v in table.items())
        + "\n"
        + reading(table)
    )


if __name__ == "__main__":
    main()
