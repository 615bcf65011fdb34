"""`styletalk generate`: phoneme labels (or audio) + style clips -> a curves file (.npz)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..formats.errors import StyleTalkError
from ..formats.progress import stage
from ..settings import GenerateSettings
from .common import add_command, label_options, progress_for, wrote


def add(sub, common) -> None:
    g = add_command(
        sub,
        "generate",
        run,
        "phoneme labels + style clip(s) -> curves file (.npz)",
        "Generate 30 fps expression curves from phoneme labels (or audio) and one or more style clips.",
        [common["device"], common["progress"], common["speech"], common["sync"]],
    )
    src = g.add_mutually_exclusive_group(required=True)
    src.add_argument("--phonemes", type=Path, help="official *_seq.json phoneme labels (30 fps)")
    src.add_argument("--audio", type=Path, help="speech audio; labelled on the fly (see `styletalk phonemes`)")
    g.add_argument(
        "--style",
        required=True,
        nargs="+",
        help="style clip(s): official 3DMM .mat (coeff[:, 80:144]), .npz (coeff or exp), .txt (L x 64), "
        "a video of a talking face, or preset:NAME from the checkpoint (the default model has "
        "preset:happy, preset:sad, ...)",
    )
    g.add_argument(
        "--style-weights", nargs="+", type=float, help="mixing weight per --style clip (normalised; default equal)"
    )
    g.add_argument(
        "--style-strength",
        type=float,
        default=GenerateSettings.style_strength,
        help="scale the style code's offset from the neutral-face style code: 0 neutral, 1 as the clip, >1 exaggerated",
    )
    g.add_argument(
        "--pose", type=Path, help="3DMM .mat whose head pose and crop fill the curves' pose (padded with the last pose)"
    )
    g.add_argument(
        "--checkpoint", type=Path, help="generator checkpoint (official or project); default: the bundled model"
    )
    g.add_argument("--batch", type=int, default=GenerateSettings.batch_frames, help="frames per batch; bounds memory")
    g.add_argument("-o", "--output", required=True, type=Path, help="output curves file (.npz)")
    g.add_argument("--arkit", type=Path, help="also write ARKit-52 weights: .csv (Live Link Face layout) or .json")


def run(args: argparse.Namespace) -> None:
    from ..formats.curves import Curves
    from ..formats.fileio import atomic_paths, check_output_path, require_suffix
    from ..formats.labels import load_phoneme_labels
    from ..formats.style import StyleSpec, check_style_settings
    from ..formats.timebase import check_sync_offset
    from ..inference import generate_curves

    require_suffix(check_output_path(args.output), (".npz",), "a curves file")
    if args.arkit is not None:
        require_suffix(check_output_path(args.arkit), (".csv", ".json"), "an ARKit export")
    weights = args.style_weights or [1.0] * len(args.style)
    if len(weights) != len(args.style):
        raise StyleTalkError(f"--style-weights has {len(weights)} values for {len(args.style)} --style clips")
    styles = [StyleSpec(p, w) for p, w in zip(args.style, weights, strict=True)]
    check_style_settings(styles, args.style_strength)
    options = label_options(args)
    check_sync_offset(args.sync_offset)
    t0 = time.perf_counter()
    # one bar over every stage: labelling the audio (when given) takes most of the time
    progress = progress_for(args, "generate", "‰")
    labelling = 0.9 if args.audio is not None else 0.0
    if args.audio is not None:
        from ..speech.phonemes import phonemes_from_audio

        ids = phonemes_from_audio(args.audio, options, progress=stage(progress, 0.0, labelling))
    else:
        ids = load_phoneme_labels(args.phonemes)
    settings = GenerateSettings(
        args.style_strength, args.batch, args.sync_offset, args.lip_closure, args.checkpoint, args.device
    )
    curves: Curves = generate_curves(
        ids, styles, settings, pose_path=args.pose, progress=stage(progress, labelling, 1 - labelling)
    )
    curves.meta.update(
        phonemes=str(args.phonemes or ""),
        audio=str(args.audio.resolve()) if args.audio else None,
        language=options.language.code if args.audio else None,
    )
    outputs = [args.output] + ([args.arkit] if args.arkit is not None else [])
    with atomic_paths(*outputs) as staged:  # both files or neither
        curves.save(staged[0])
        if args.arkit is not None:
            from ..formats.outputs import write_output
            from ..retarget import arkit  # noqa: F401 (registers the ARKit outputs)

            write_output(curves, staged[1], "arkit-json" if args.arkit.suffix.lower() == ".json" else "arkit-csv")
    wrote(args.output, f"{curves.frames} frames ({curves.frames / curves.fps:.2f} s)", time.perf_counter() - t0)
    if args.arkit is not None:
        wrote(args.arkit, f"ARKit-52 weights, {curves.frames} frames", time.perf_counter() - t0)
