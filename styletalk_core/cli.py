"""The `styletalk` command line: a thin layer over the library functions."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import StyleTalkError


def _progress_bar(desc: str, unit: str = "frame", min_total: int = 2048):
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit=unit, leave=False, disable=total < min_total)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _progress_lines(done: int, total: int) -> None:
    """Machine-readable progress for front ends (the Blender add-on): `progress DONE TOTAL`."""
    print(f"progress {done} {total}", flush=True)


def cmd_generate(args: argparse.Namespace) -> None:
    from .inference import StyleSpec, generate_curves
    from .labels import load_phoneme_labels

    weights = args.style_weights or [1.0] * len(args.style)
    if len(weights) != len(args.style):
        raise StyleTalkError(f"--style-weights has {len(weights)} values for {len(args.style)} --style clips")
    t0 = time.perf_counter()
    if args.audio is not None:
        from .phonemes import phonemes_from_audio

        ids = phonemes_from_audio(args.audio, args.transcript)
    else:
        ids = load_phoneme_labels(args.phonemes)
    curves = generate_curves(
        ids,
        [StyleSpec(p, w) for p, w in zip(args.style, weights, strict=True)],
        checkpoint=args.checkpoint,
        pose_path=args.pose,
        strength=args.style_strength,
        device=args.device,
        batch_frames=args.batch,
        progress={"bar": _progress_bar("generate"), "lines": _progress_lines, "none": None}[args.progress],
        meta={"phonemes": str(args.phonemes or ""), "audio": str(args.audio.resolve()) if args.audio else None},
    )
    curves.save(args.output)
    dt = time.perf_counter() - t0
    print(f"wrote {args.output}: {curves.frames} frames ({curves.frames / curves.fps:.2f} s) in {dt:.2f} s")


def cmd_phonemes(args: argparse.Namespace) -> None:
    from .fileio import require_file
    from .labels import SIL, save_phoneme_labels
    from .phonemes import phonemes_from_audio

    text = args.transcript
    if args.transcript_file is not None:
        text = require_file(args.transcript_file, "transcript file", StyleTalkError).read_text(encoding="utf-8")
    t0 = time.perf_counter()
    ids = phonemes_from_audio(args.audio, text, progress=_progress_bar("phonemes", unit="sample", min_total=1))
    save_phoneme_labels(args.output, ids)
    speech = float((ids != SIL).mean())
    print(f"wrote {args.output}: {len(ids)} frames at 30 fps ({speech:.0%} speech) in {time.perf_counter() - t0:.1f} s")


def cmd_extract_style(args: argparse.Namespace) -> None:
    from .style_extract import extract_style, write_style_clip

    t0 = time.perf_counter()
    result = extract_style(args.video)
    write_style_clip(result, args.output)
    n, dt = len(result["exp"]), time.perf_counter() - t0
    lost = int(result["lost_frames"])
    print(f"wrote {args.output}: {n} frames ({lost} interpolated: face lost) in {dt:.1f} s ({n / dt:.0f} fps)")


def cmd_export(args: argparse.Namespace) -> None:
    from .curves import load_curves
    from .export import export_curves

    curves = load_curves(args.curves)
    export_curves(curves, args.output, args.format, source=str(args.curves))
    print(f"wrote {args.output} ({args.format}, {curves.frames} frames)")


def cmd_train(args: argparse.Namespace) -> None:
    import os
    from dataclasses import asdict

    import torch
    from tqdm import tqdm

    from .dataset import find_clips, split_by_speaker
    from .inference import pick_device
    from .train import TrainConfig, small_config, train

    clips = find_clips(args.data)
    if not clips:
        raise StyleTalkError(f"no .mat clips found under {', '.join(map(str, args.data))}")
    train_clips, val_clips = split_by_speaker(clips, set(args.val_speakers))
    cfg = TrainConfig(
        steps=args.steps,
        batch_size=args.batch,
        seq_len=args.seq_len,
        lr=args.lr,
        seed=args.seed,
        val_every=args.val_every,
        pretrain_steps=args.pretrain_steps,
        lambda_sync=args.lambda_sync,
        lambda_temporal=args.lambda_temporal,
        lambda_style=args.lambda_style,
        **({} if args.level_shift is None else {"level_shift": args.level_shift}),
    )
    print(f"{len(train_clips)} training clips, {len(val_clips)} validation clips ({', '.join(args.val_speakers)})")
    device = pick_device(args.device)
    if device.type == "cuda" and "LOCAL_RANK" in os.environ:  # torchrun: one GPU per process
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    metrics = train(
        train_clips,
        val_clips,
        args.output,
        small_config(),
        cfg,
        resume=args.resume,
        device=device,
        log=tqdm.write,
        progress=_progress_bar("train", unit="step", min_total=1),
    )
    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(asdict(metrics)))


def cmd_render(args: argparse.Namespace) -> None:
    import torch

    from renderer.checkpoint import load_renderer
    from renderer.video import render_video

    from .curves import load_curves
    from .inference import pick_device

    curves = load_curves(args.curves)
    device = pick_device(args.device)
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(args.precision)
    if dtype is torch.float16 and device.type != "cuda":
        raise StyleTalkError("--precision fp16 needs a CUDA device; on CPU use fp32 or bf16")
    model = load_renderer(args.renderer, device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        model = model.to(memory_format=torch.channels_last)
    if args.compile:
        model = torch.compile(model)
    t0 = time.perf_counter()
    n = render_video(
        model,
        curves,
        args.image,
        args.output,
        audio=args.audio,
        batch=args.batch,
        dtype=dtype,
        still_pose=args.still_pose,
        progress=_progress_bar("render", min_total=1),
        source=str(args.curves),
    )
    dt = time.perf_counter() - t0
    print(f"wrote {args.output}: {n} frames in {dt:.1f} s ({n / dt:.1f} frames/s)")


def cmd_preview(args: argparse.Namespace) -> None:
    from renderer.preview import preview_frames
    from renderer.video import write_video

    from .curves import load_curves

    if args.size < 64 or args.size % 2:
        raise StyleTalkError(f"--size must be an even number >= 64, got {args.size}")
    curves = load_curves(args.curves)
    t0 = time.perf_counter()
    n = write_video(
        preview_frames(curves, args.size),
        args.output,
        curves.fps,
        args.audio,
        curves.frames,
        _progress_bar("preview", min_total=1),
    )
    dt = time.perf_counter() - t0
    print(f"wrote {args.output}: {n} frames at {args.size}x{args.size} in {dt:.1f} s ({n / dt:.1f} frames/s)")


def cmd_demo(args: argparse.Namespace) -> None:
    from .demo import run_demo

    run_demo(args.output, args.style, args.renderer, args.image)


def cmd_evaluate(args: argparse.Namespace) -> None:
    import numpy as np

    from .checkpoint import load_generator, read_checkpoint
    from .dataset import find_clips
    from .evaluate import evaluate
    from .inference import pick_device, resolve_checkpoint

    path = resolve_checkpoint(args.checkpoint)
    generator = load_generator(path, pick_device(args.device))
    clips = [c for c in find_clips(args.data) if c.speaker in set(args.speakers) and c.phonemes is not None]
    if not clips:
        raise StyleTalkError(f"no labelled clips of speakers {', '.join(args.speakers)} under the --data folders")
    stored = read_checkpoint(path, "generator checkpoint").get("mean_exp")
    mean_exp = stored.numpy() if stored is not None else np.concatenate([c.exp for c in clips]).mean(0)
    table = evaluate(generator, clips, mean_exp)
    print(f"{len(clips)} clips of {', '.join(args.speakers)}; landmark distance in px at 256x256 (embedded face model)")
    print(f"{'method':<20}{'M-LMD':>8}{'F-LMD':>8}{'motion':>8}")
    for name, row in table.items():
        print(f"{name:<20}{row['M-LMD']:>8.3f}{row['F-LMD']:>8.3f}{row['motion']:>8.2f}")
    print("motion: lip movement (std over time) relative to the real clip's")
    base = table["mean expression"]["M-LMD"]
    print(f"model / mean-expression M-LMD: {table['model']['M-LMD'] / base:.2f}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="styletalk",
        description="Speech + a speaking-style clip -> stylised 3DMM facial expression curves (StyleTalk).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser(
        "demo",
        help="the whole job on the bundled example: curves, plot, preview video, .blend and .glb",
        description="Run the bundled example (examples/hello.wav) end to end with the default model and "
        "print where each file is and how long each step took.",
    )
    d.add_argument("-o", "--output", type=Path, default=Path("out"), help="output folder (default out/)")
    d.add_argument("--style", default="preset:happy", help="style clip or preset:NAME (default preset:happy)")
    d.add_argument("--renderer", type=Path, help="official renderer weights: also writes demo_render.mp4")
    d.add_argument("--image", type=Path, help="reference face image for --renderer")
    d.set_defaults(func=cmd_demo)

    g = sub.add_parser(
        "generate",
        help="phoneme labels + style clip(s) -> curves file (.npz)",
        description="Generate 30 fps expression curves from phoneme labels and one or more style clips.",
    )
    src = g.add_mutually_exclusive_group(required=True)
    src.add_argument("--phonemes", type=Path, help="official *_seq.json phoneme labels (30 fps)")
    src.add_argument("--audio", type=Path, help="speech audio; labelled on the fly (see `styletalk phonemes`)")
    g.add_argument("--transcript", help="with --audio: what is said, for forced alignment")
    g.add_argument(
        "--style",
        required=True,
        nargs="+",
        help="style clip(s): official 3DMM .mat (coeff[:, 80:144]), .npz (coeff or exp), .txt (L x 64), "
        "or preset:NAME from the checkpoint (the default model has preset:happy, preset:sad, ...)",
    )
    g.add_argument(
        "--style-weights", nargs="+", type=float, help="mixing weight per --style clip (normalised; default equal)"
    )
    g.add_argument(
        "--style-strength",
        type=float,
        default=1.0,
        help="scale the style code's offset from the neutral-face style code: "
        "0 neutral, 1 as the clip (default), >1 exaggerated",
    )
    g.add_argument(
        "--pose", type=Path, help="3DMM .mat whose head pose and crop fill the curves' pose (padded with the last pose)"
    )
    g.add_argument(
        "--checkpoint", type=Path, help="generator checkpoint (official or project); default: the bundled model"
    )
    g.add_argument("--device", help="cpu, cuda or cuda:N (default: CUDA when available)")
    g.add_argument("--batch", type=int, default=1024, help="frames per batch; bounds memory (default 1024)")
    g.add_argument(
        "--progress", choices=("bar", "lines", "none"), default="bar", help="progress display (lines: for front ends)"
    )
    g.add_argument("-o", "--output", required=True, type=Path, help="output curves file (.npz)")
    g.set_defaults(func=cmd_generate)

    ph = sub.add_parser(
        "phonemes",
        help="audio -> 30 fps phoneme labels (*_seq.json), offline with pocketsphinx",
        description="Label audio with the official 41 phonemes at 30 fps: forced alignment when a transcript "
        "is given, otherwise recognition then alignment. Words missing from the dictionary are skipped with "
        "a warning.",
    )
    ph.add_argument("audio", type=Path, help="wav/flac/mp3/ogg/m4a, any sample rate or channel count")
    grp = ph.add_mutually_exclusive_group()
    grp.add_argument("--transcript", help="what is said, as plain text")
    grp.add_argument("--transcript-file", type=Path, help="text file with what is said")
    ph.add_argument("-o", "--output", required=True, type=Path, help="output labels (*_seq.json)")
    ph.set_defaults(func=cmd_phonemes)

    x = sub.add_parser(
        "extract-style",
        help="style video -> 64-dim expression clip (.mat official layout, or .npz)",
        description="Track the face with MediaPipe (offline), align it and fit the 64 expression coefficients "
        "with the embedded face model; head angles and crop are estimated too (3D translation is left at 0).",
    )
    x.add_argument("video", type=Path, help="a video of one person talking (any size; the face should be visible)")
    x.add_argument("-o", "--output", required=True, type=Path, help="output .mat or .npz")
    x.set_defaults(func=cmd_extract_style)

    e = sub.add_parser(
        "export",
        help="curves file -> official .npy (T x 73), CSV or JSON",
        description="Export a curves file. npy is the official renderer hand-off [exp 64 | pose 9].",
    )
    e.add_argument("--curves", required=True, type=Path, help="curves file (.npz)")
    e.add_argument("--format", required=True, choices=("npy", "csv", "json"))
    e.add_argument("-o", "--output", required=True, type=Path)
    e.set_defaults(func=cmd_export)

    r = sub.add_parser(
        "render",
        help="curves + one reference image -> talking-head mp4 with the neural renderer",
        description="Render a 256x256 talking-head video with the PIRenderer-style face generator "
        "(official StyleTalk renderer weights), audio muxed in one H.264 encode.",
    )
    r.add_argument("--curves", required=True, type=Path, help="curves file (.npz) or official (T, 73) .npy")
    r.add_argument(
        "--image", required=True, type=Path, help="reference face image (non-square: centre-cropped; resized to 256)"
    )
    r.add_argument("--renderer", required=True, type=Path, help="renderer checkpoint {'net_G_ema': ...}")
    r.add_argument("--audio", type=Path, help="audio to mux (trimmed to the video length)")
    r.add_argument("--still-pose", action="store_true", help="ignore the curves' pose; use a fixed frontal pose")
    r.add_argument("--batch", type=int, default=4, help="frames per forward pass (default 4; 32+ on a GPU)")
    r.add_argument(
        "--precision",
        choices=("fp32", "fp16", "bf16"),
        default="fp32",
        help="autocast precision: fp16 (CUDA), bf16 (CUDA or CPUs with AVX512-BF16), fp32 exact (default)",
    )
    r.add_argument("--compile", action="store_true", help="torch.compile the renderer (slow start, faster long videos)")
    r.add_argument("--device", help="cpu, cuda or cuda:N (default: CUDA when available)")
    r.add_argument("-o", "--output", required=True, type=Path, help="output .mp4")
    r.set_defaults(func=cmd_render)

    pv = sub.add_parser(
        "preview",
        help="curves -> mp4 of the embedded face mesh (no renderer weights needed)",
        description="Render the embedded face model animated by the curves (offscreen OpenGL), with audio.",
    )
    pv.add_argument("--curves", required=True, type=Path, help="curves file (.npz) or official (T, 73) .npy")
    pv.add_argument("--audio", type=Path, help="audio to mux (trimmed to the video length)")
    pv.add_argument("--size", type=int, default=512, help="frame size in pixels (default 512)")
    pv.add_argument("-o", "--output", required=True, type=Path, help="output .mp4")
    pv.set_defaults(func=cmd_preview)

    ev = sub.add_parser(
        "evaluate",
        help="M-LMD / F-LMD analogues on held-out clips vs baselines",
        description="Generate each held-out clip with its own style and measure lip (M-LMD) and full-face "
        "(F-LMD) landmark distance through the embedded face model, against the training mean expression, "
        "the style reference's mean held still, and the clip's style with shuffled phonemes.",
    )
    ev.add_argument("--data", required=True, nargs="+", type=Path, help="folders with *.mat and *_seq.json")
    ev.add_argument("--speakers", required=True, nargs="+", help="held-out speakers to evaluate")
    ev.add_argument("--checkpoint", type=Path, help="generator checkpoint (default: the bundled model)")
    ev.add_argument("--device", help="cpu, cuda or cuda:N")
    ev.set_defaults(func=cmd_evaluate)

    t = sub.add_parser(
        "train",
        help="train a generator on official-format clips (.mat + *_seq.json)",
        description="Train StyleTalk on clips found under DATA: reconstruction (L1+SSIM), style triplet, "
        "lip-sync, temporal and style discriminators.",
    )
    t.add_argument("--data", required=True, nargs="+", type=Path, help="folders searched for *.mat and *_seq.json")
    t.add_argument("--val-speakers", nargs="+", default=[], help="speakers held out for validation")
    t.add_argument("--steps", type=int, default=2000)
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--seq-len", type=int, default=32)
    t.add_argument("--lr", type=float, default=1e-4)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--val-every", type=int, default=250)
    t.add_argument("--pretrain-steps", type=int, default=200, help="lip-sync/style discriminator pre-training steps")
    for name in ("sync", "temporal", "style"):
        t.add_argument(f"--lambda-{name}", type=float, default=1.0, help=f"weight of the {name} discriminator (0: off)")
    t.add_argument(
        "--level-shift",
        type=float,
        help="probability of moving a sample and its style clip to another clip's mean expression "
        "(default 0.5; 0: off)",
    )
    t.add_argument("--resume", type=Path, help="continue from a checkpoint written by this command")
    t.add_argument("--device", help="cpu, cuda or cuda:N (default: CUDA when available)")
    t.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        help="checkpoint to write (.pth): the best validation; NAME.last.pth: the latest",
    )
    t.set_defaults(func=cmd_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(format=f"styletalk {args.command}: warning: %(message)s", level=logging.WARNING)
    try:
        args.func(args)
    except StyleTalkError as exc:
        print(f"styletalk {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"styletalk {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
