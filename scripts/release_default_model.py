"""Turn a `styletalk train` checkpoint into the bundled default model + its model card.

Strips the optimizer, adds style presets (the mean style code of every clip of one emotion in
the MEAD clips of ../shared/reference/dreamtalk_samples), measures style (`training/style_measures`),
and writes styletalk_core/weights/default.pth and MODEL_CARD.md, with the leave-one-speaker-out
lip-sync numbers of the same recipe (`benchmarks/lipsync_loso.py --json`).
Usage: .venv/bin/python scripts/release_default_model.py TRAINED.pth --data DIR [DIR ...] --loso loso.json
       --command "the training command"
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.checkpoints import read_checkpoint
from styletalk_core.formats.labels import load_phoneme_labels
from styletalk_core.formats.layout import LOWER_INDICES
from styletalk_core.model.checkpoint import load_generator, save_generator
from styletalk_core.model.generate import style_codes
from styletalk_core.resources import DEFAULT_CHECKPOINT, EXAMPLES
from styletalk_core.training.dataset import find_clips
from styletalk_core.training.lipsync import VISEMES
from styletalk_core.training.prior import PriorSettings, label_leads, opening_direction
from styletalk_core.training.style_measures import level_carried, preset_difference, style_accuracy

ROWS = ("model", "phoneme ridge", "style-clip mean")
LOWER = {
    True: "learns a refinement of it (`--refine-lower`)",
    False: "stays at zero, untrained: refining the prior lowered held-out lip r (measured at release)",
}


def losses(tc: dict) -> str:
    """The loss terms a training run used, from its recorded TrainConfig."""
    terms = [f"{tc.get('lambda_rec', 88.0):g} x (L1 + (1 - SSIM)) reconstruction"]
    names = {
        "lambda_triplet": f"batch-hard triplet (margin {tc.get('triplet_margin', 5.0):g}) on style codes",
        "lambda_sync": "lip-sync discriminator (pre-trained, frozen)",
        "lambda_temporal": "temporal PatchGAN (hinge)",
        "lambda_style": "style discriminator (pre-trained, frozen)",
        "lambda_lip": "lip vertex L1",
        "lambda_lip_velocity": "lip vertex velocity L1",
        "lambda_closure": "B/M/P closure",
        "lambda_upper_lip": "lip motion caused by the upper-face dims",
    }
    terms += [f"{tc[k]:g} x {v}" for k, v in names.items() if tc.get(k, 0) > 0]
    unused = [v.split(" (")[0] for k, v in names.items() if tc.get(k, 0) == 0]
    shift = tc.get("level_shift", 0.0)
    text = " + ".join(terms) + (f"; not used: {', '.join(unused)}" if unused else "")
    return text + (f"; level-shift augmentation p = {shift:g}" if shift else "")


def emotion_presets(gen, clips) -> dict[str, torch.Tensor]:
    """Mean style code of the clips of each emotion (MEAD-style "speaker_emotion" style labels)."""
    codes = style_codes(gen.model, [c.exp for c in clips])
    groups: dict[str, list[torch.Tensor]] = defaultdict(list)
    for clip, code in zip(clips, codes, strict=False):
        if clip.style != clip.speaker:
            groups[clip.style.split("_", 1)[1]].append(code)
    return {name: torch.stack(v).mean(0) for name, v in sorted(groups.items())}


def _closure(row: dict) -> str:
    return "-" if row.get("closure") is None else f"{row['closure']:.0%}"


def loso_section(loso: dict) -> str:
    """The leave-one-speaker-out tables and what they say against the default model's lip-sync goals."""
    res = loso["speakers"]
    lines = [
        f"\n## Leave-one-speaker-out lip-sync ({len(res)} paired speakers, {loso['steps']} steps per fold)\n",
        "Each fold trains this recipe without one speaker and scores that speaker's clips at the last step "
        "(each clip's own first 256 frames as the style reference; lip r: mouth opening vs the real one at "
        "the best lag within 2 frames; closure: B/M/P runs where the lips close within 2 frames; amplitude: "
        "opening std, generated / real; M-LMD: lip landmark distance, px at 256²). Phoneme ridge: the "
        "linear baseline (+-7 frames of phonemes, fitted on the same training speakers).\n",
        "| held-out speaker | method | lip r | closure | amplitude | M-LMD |",
        "|---|---|---|---|---|---|",
    ]
    for sp, rows in res.items():
        for name in ROWS:
            r = rows[name]
            lines.append(
                f"| {sp} | {name} | {r['lip r']:.3f} | {_closure(r)} | {r['amplitude']:.2f} | {r['M-LMD']:.3f} |"
            )
        lines.append(f"| {sp} | real clip | | {_closure({'closure': rows['real']['real closure']})} | | |")
    mean = {}
    for name in ROWS:
        rs = [res[s][name] for s in res]
        closures = [r["closure"] for r in rs if r["closure"] is not None]
        mean[name] = {k: float(np.mean([r[k] for r in rs])) for k in ("lip r", "amplitude", "M-LMD")}
        mean[name]["closure"] = float(np.mean(closures)) if closures else None
        mean[name]["min r"] = float(min(r["lip r"] for r in rs))
        m = mean[name]
        lines.append(f"| **mean** | {name} | {m['lip r']:.3f} (min {m['min r']:.3f}) | {_closure(m)} | "
                     f"{m['amplitude']:.2f} | {m['M-LMD']:.3f} |")  # fmt: skip
    lines += ["", "Mean mouth opening per viseme (px), mean over the held-out speakers:", ""]
    lines += ["| | " + " | ".join(VISEMES) + " |", "|---" * (len(VISEMES) + 1) + "|"]
    for label, name, prefix in (("real", "model", "real viseme"), ("model", "model", "viseme"),
                                ("phoneme ridge", "phoneme ridge", "viseme")):  # fmt: skip
        vals = [np.mean([v for s in res if (v := res[s][name].get(f"{prefix} {k}")) is not None]) for k in VISEMES]
        lines.append(f"| {label} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    m, ridge, still = mean["model"], mean["phoneme ridge"], mean["style-clip mean"]
    above = sum(res[s]["model"]["lip r"] > res[s]["phoneme ridge"]["lip r"] for s in res)
    vis = {k: np.mean([res[s]["model"][f"viseme {k}"] for s in res]) for k in ("B/M/P", "F/V", "AA/AE/AY")}
    goals = [
        (f"lip r >= 0.65 mean and >= 0.5 per speaker: {m['lip r']:.3f}, min {m['min r']:.3f}",
         m["lip r"] >= 0.65 and m["min r"] >= 0.5),
        (f"above the ridge on every speaker: {above} of {len(res)}", above == len(res)),
        (f"closure >= 90%: {_closure(m)}", (m["closure"] or 0) >= 0.9),
        (f"amplitude 0.8-1.25: {m['amplitude']:.2f}", 0.8 <= m["amplitude"] <= 1.25),
        (f"M-LMD no worse than the style reference's mean held still: {m['M-LMD']:.3f} vs {still['M-LMD']:.3f}",
         m["M-LMD"] <= still["M-LMD"]),
        (f"B/M/P and F/V more closed than AA/AE/AY: {vis['B/M/P']:.2f}, {vis['F/V']:.2f} vs {vis['AA/AE/AY']:.2f}",
         max(vis["B/M/P"], vis["F/V"]) < vis["AA/AE/AY"]),
    ]  # fmt: skip
    lines += ["", "Against the default model's lip-sync goals (mean over the held-out speakers):", ""]
    lines += [f"- {'met' if ok else '**not met**'}: {text}" for text, ok in goals]
    lines.append(f"- the ridge for comparison: lip r {ridge['lip r']:.3f}, closure {_closure(ridge)}, "
                 f"amplitude {ridge['amplitude']:.2f}, M-LMD {ridge['M-LMD']:.3f}")  # fmt: skip
    return "\n".join(lines) + "\n"


def timing_section(clips) -> str:
    face = load_face_model()
    paired = [c for c in clips if c.phonemes is not None]
    d = opening_direction(face, LOWER_INDICES).astype(np.float64)
    leads = label_leads(paired, d, list(LOWER_INDICES))
    listed = ", ".join(f"{k} {v}" for k, v in leads.items())
    return (
        "\n## Label timing\n\nIn the paired clips the mouth moves ahead of the phoneme labels by "
        f"{min(leads.values())}-{max(leads.values())} frames (`training.prior.label_leads`: {listed}). The prior "
        f"moves each training clip's labels so that its mouth leads them by {PriorSettings.lead:g} frames: "
        "lip r, taken against the real mouth within 2 frames, wants the whole lead; closure, taken on the "
        "labelled B/M/P runs within 2 frames, wants none.\n"
    )


def model_card(gen, raw: dict, presets: dict, command: str, style: dict) -> str:
    size = DEFAULT_CHECKPOINT.stat().st_size
    params = sum(p.numel() for p in gen.model.parameters())
    val = raw.get("validation", {})
    tc = raw.get("train_config") or {}
    shifts = raw.get("label_shifts", {})
    return f"""# Default StyleTalk model (bundled)

- File: `default.pth` ({size / 1e6:.1f} MB), official container `{{"model_state_dict", "config", ...}}`.
- Architecture: the official StyleTalk network, narrower (`styletalk_core.training.config.small_config`):
  `{json.dumps(gen.model.config.to_dict())}`; {params / 1e6:.2f} M parameters. Two options that the
  official model does not have (off in `StyleTalkConfig.official()`; official code loading this file would
  miss both):
  - `style_level`: the style code ends with the style clip's mean expression and the decoders predict
    the motion around it.
  - `phoneme_prior`: a linear map from the phoneme window (one weight vector per window position and
    phoneme) to the 13 lower-face coefficients, added to the lower decoder's output. It is fitted before
    training by ridge regression on the training clips (`training/prior.py`, settings
    `{json.dumps(asdict(PriorSettings()))}`): each clip's labels are first moved to a common timing
    (label shifts {json.dumps(shifts)}), each clip's motion counts in units of its own opening std, rare
    phonemes share weights with their viseme group, and the fit is scaled so that held-out speakers'
    mouths move as much as real ones (gain {raw.get("prior_gain", float("nan")):.2f}, measured leaving
    each training speaker out in turn). The lower decoder {LOWER[bool(tc.get("refine_lower"))]}.
- Data, and what it means for you: the official StyleTalk samples (source videos with phoneme labels
  and 3DMM expression; style clips without labels) and the DreamTalk style clips, from
  `../shared/reference`; the paired (phoneme + expression) data is a few thousand frames of a handful
  of speakers. The StyleTalk and DreamTalk repositories' code is MIT-licensed, but the footage is not
  theirs to license: the StyleTalk clips show public figures, and the DreamTalk style clips are
  recordings from the MEAD dataset (MEAD's own terms), which DreamTalk's README says are for
  research/non-commercial use only. These weights are learned from that footage, and this project
  cannot grant more than the footage allows: treat the bundled model (and its style presets) as
  research/non-commercial. For commercial work, train a model on footage you have the rights to
  (`styletalk train --data YOUR_CLIPS ...`, the same recipe) or use the official StyleTalk checkpoint
  under the terms its authors give (`--checkpoint`); the toolkit's code, its exports and retargeting
  do not depend on the bundled weights.
- Losses: {losses(tc)}.
- Training: {json.dumps(tc)}, {raw.get("step")} steps on CPU.
  Command: `{command}`
- Validation at the released step (held-out style clips): style triplet accuracy
  {val.get("triplet_acc", float("nan")):.2f}.
- Style (`benchmarks/style_effect.py`): happy vs sad presets differ by {style["presets"]:.3f} per upper-face
  coefficient on the bundled example; style accuracy {style["accuracy"]:.2f} over the {style["clips"]} clips of
  the {style["styles"]} styles with two or more clips; a style clip moved by a vector moves the output
  {style["level"]:.2f}x along it.
- Style presets (`--style preset:NAME`): {", ".join(presets)} (mean style code of the MEAD clips of
  that emotion).
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("trained", type=Path)
    ap.add_argument("--data", nargs="+", type=Path, required=True)
    ap.add_argument("--command", default="", help="the training command, recorded in the model card")
    ap.add_argument("--loso", type=Path, help="benchmarks/lipsync_loso.py --json output for the same recipe")
    ap.add_argument("--note", default="", help="why this checkpoint was released (a paragraph for the card)")
    args = ap.parse_args()
    gen = load_generator(args.trained)
    raw = read_checkpoint(args.trained, "training checkpoint")
    clips = find_clips(args.data)
    presets = emotion_presets(gen, clips)
    extras = {k: raw[k] for k in ("step", "train_config", "validation", "mean_exp", "label_shifts", "prior_gain")
              if k in raw}  # fmt: skip
    save_generator(DEFAULT_CHECKPOINT, gen.model, style_presets=presets, **extras)
    released = load_generator(DEFAULT_CHECKPOINT)
    ids = load_phoneme_labels(EXAMPLES / "hello_seq.json")
    acc, n, styles = style_accuracy(released, clips)
    style = {"presets": preset_difference(released, ids, "happy", "sad"), "accuracy": acc, "clips": n,
             "styles": styles, "level": level_carried(released, ids, clips[0].exp)}  # fmt: skip
    card = model_card(released, raw, presets, args.command, style) + timing_section(clips)
    if args.loso:
        card += loso_section(json.loads(args.loso.read_text()))
    if args.note:
        card += f"\n## Which checkpoint\n\n{args.note}\n"
    (DEFAULT_CHECKPOINT.parent / "MODEL_CARD.md").write_text(card)
    print(card)


if __name__ == "__main__":
    main()
