"""The `styletalk` command line: a thin layer over the library functions. Each option's default
comes from the settings dataclasses (`settings.py`, `training/config.py`)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .formats.errors import StyleTalkError
from .native import clear_stop, request_stop
from .settings import (
    AUTO_MIN_FRAMES,
    ENGINES,
    PRECISIONS,
    DemoSettings,
    GenerateSettings,
    PreviewSettings,
    RenderSettings,
)
from .threads import thread_budget
from .training.config import TrainConfig


def _progress_bar(desc: str, unit: str = "frame", min_total: int = 2048):
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            # disable=None: no bar when stderr is not a terminal (logs, pipes), so errors stay one line
            bar = tqdm(total=total, desc=desc, unit=unit, leave=False, disable=True if total < min_total else None)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _progress_lines():
    """Machine-readable progress for front ends (the Blender add-on): `progress DONE TOTAL`, a line
    each time the value changes."""
    last = None

    def update(done: int, total: int) -> None:
        nonlocal last
        if (done, total) != last:
            last = (done, total)
            print(f"progress {done} {total}", flush=True)

    return update


def _progress(args: argparse.Namespace, desc: str, unit: str = "frame", min_total: int = 1):
    mode = getattr(args, "progress", "bar")
    if mode == "none":
        return None
    return _progress_lines() if mode == "lines" else _progress_bar(desc, unit, min_total)


def _share(progress, start: float, share: float):
    """A stage's (done, total) mapped onto one bar of 1000 steps: [start, start + share)."""
    if progress is None:
        return None
    return lambda done, total: progress(int(1000 * (start + share * done / max(total, 1))), 1000)


def _done(output: Path, what: str, seconds: float) -> None:
    print(f"wrote {output}: {what} in {seconds:.2f} s")


def cmd_generate(args: argparse.Namespace) -> None:
    from .formats.curves import Curves
    from .formats.fileio import atomic_paths, check_output_path, require_suffix
    from .formats.labels import load_phoneme_labels
    from .inference import StyleSpec, check_style_settings, generate_curves

    require_suffix(check_output_path(args.output), (".npz",), "a curves file")
    if args.arkit is not None:
        require_suffix(check_output_path(args.arkit), (".csv", ".json"), "an ARKit export")
    weights = args.style_weights or [1.0] * len(args.style)
    if len(weights) != len(args.style):
        raise StyleTalkError(f"--style-weights has {len(weights)} values for {len(args.style)} --style clips")
    styles = [StyleSpec(p, w) for p, w in zip(args.style, weights, strict=True)]
    check_style_settings(styles, args.style_strength)
    t0 = time.perf_counter()
    # one bar over every stage: labelling the audio (when given) takes most of the time
    progress = _progress(args, "generate", "‰")
    labelling = 0.9 if args.audio is not None else 0.0
    if args.audio is not None:
        from .speech.phonemes import phonemes_from_audio

        ids = phonemes_from_audio(args.audio, args.transcript, progress=_share(progress, 0.0, labelling))
    else:
        ids = load_phoneme_labels(args.phonemes)
    curves: Curves = generate_curves(
        ids,
        styles,
        checkpoint=args.checkpoint,
        pose_path=args.pose,
        strength=args.style_strength,
        device=args.device,
        batch_frames=args.batch,
        progress=_share(progress, labelling, 1 - labelling),
        meta={"phonemes": str(args.phonemes or ""), "audio": str(args.audio.resolve()) if args.audio else None},
    )
    outputs = [args.output] + ([args.arkit] if args.arkit is not None else [])
    with atomic_paths(*outputs) as staged:  # both files or neither
        curves.save(staged[0])
        if args.arkit is not None:
            from .retarget.arkit import export_arkit

            export_arkit(curves, staged[1], "arkit-json" if args.arkit.suffix.lower() == ".json" else "arkit-csv")
    _done(args.output, f"{curves.frames} frames ({curves.frames / curves.fps:.2f} s)", time.perf_counter() - t0)
    if args.arkit is not None:
        _done(args.arkit, f"ARKit-52 weights, {curves.frames} frames", time.perf_counter() - t0)


def cmd_phonemes(args: argparse.Namespace) -> None:
    from .formats.fileio import check_output_path, require_file
    from .formats.labels import SIL, save_phoneme_labels
    from .speech.phonemes import phonemes_from_audio, read_transcript

    check_output_path(args.output)
    text = args.transcript
    if args.transcript_file is not None:
        text = read_transcript(require_file(args.transcript_file, "transcript file", StyleTalkError))
    t0 = time.perf_counter()
    ids = phonemes_from_audio(args.audio, text, progress=_progress(args, "phonemes", "‰"))
    save_phoneme_labels(args.output, ids)
    speech = float((ids != SIL).mean())
    _done(args.output, f"{len(ids)} frames at 30 fps ({speech:.0%} speech)", time.perf_counter() - t0)


def cmd_extract_style(args: argparse.Namespace) -> None:
    from .formats.fileio import check_output_path
    from .formats.layout import FPS
    from .style.extract import check_style_clip_output, extract_style, write_style_clip

    check_style_clip_output(check_output_path(args.output))
    t0 = time.perf_counter()
    result = extract_style(args.video)
    write_style_clip(result, args.output)
    n, dt, rate = len(result["exp"]), time.perf_counter() - t0, float(result["source_fps"])
    resampled = f"; resampled from the video's {rate:g} fps" if abs(rate - FPS) > 1e-3 else ""
    lost = int(result["lost_frames"])
    _done(args.output, f"{n} frames at {FPS} fps ({lost} interpolated: face lost{resampled}; {n / dt:.0f} fps)", dt)


def cmd_export(args: argparse.Namespace) -> None:
    from .formats.curves import load_curves
    from .formats.export import export_curves
    from .retarget.arkit import ARKIT_FORMATS, export_arkit

    t0 = time.perf_counter()
    curves = load_curves(args.curves)
    if args.format in ARKIT_FORMATS:
        export_arkit(curves, args.output, args.format)
    else:
        export_curves(curves, args.output, args.format, source=str(args.curves))
    _done(args.output, f"{args.format}, {curves.frames} frames", time.perf_counter() - t0)


def cmd_render(args: argparse.Namespace) -> None:
    from .device import autocast_dtype, pick_device
    from .formats.curves import load_curves
    from .plugins import RENDERER, plugin

    r = plugin(RENDERER)
    r.check_video_output(args.output)
    curves = load_curves(args.curves)
    device = pick_device(args.device)
    dtype = autocast_dtype(args.precision, device)
    engine = r.choose_engine(args.engine, device, dtype, curves.frames, args.compile)  # a missing extra: said first
    r.check_render_inputs(curves, args.image, args.audio, args.batch, args.still_pose, str(args.curves))
    t0 = time.perf_counter()
    model = r.load_renderer(args.renderer, device)
    if engine == "openvino":
        print("renderer: compiling for this CPU (OpenVINO, a few seconds)", file=sys.stderr, flush=True)
    model = r.inference_generator(model, engine, args.compile, fallback=args.engine == "auto")
    n = r.render_video(
        model,
        curves,
        args.image,
        args.output,
        audio=args.audio,
        batch=args.batch,
        dtype=dtype,
        still_pose=args.still_pose,
        progress=_progress(args, "render"),
        source=str(args.curves),
    )
    dt = time.perf_counter() - t0
    _done(args.output, f"{n} frames ({n / dt:.1f} frames/s)", dt)


def cmd_preview(args: argparse.Namespace) -> None:
    from .formats.curves import load_curves
    from .plugins import RENDERER, plugin

    r = plugin(RENDERER)
    r.check_preview_size(args.size)
    r.check_video_output(args.output)
    curves = load_curves(args.curves)
    t0 = time.perf_counter()
    frames = r.preview_frames(curves, args.size)
    n = r.write_video(frames, args.output, curves.fps, args.audio, curves.frames, _progress(args, "preview"))
    dt = time.perf_counter() - t0
    _done(args.output, f"{n} frames at {args.size}x{args.size} ({n / dt:.1f} frames/s)", dt)


WRITTEN = {"direct": ", added straight into a copy of your .glb", "blender": ", written by Blender's exporter"}


def cmd_retarget(args: argparse.Namespace) -> None:
    from .retarget.character import LIPS_REPRODUCED, retarget_file
    from .retarget.mouth import MOUTHS

    t0 = time.perf_counter()
    done = retarget_file(
        args.mesh,
        args.curves,
        args.output,
        solve=args.solve,
        arkit=args.arkit,
        front=args.front,
        up=args.up,
        mask=args.mask,
        progress=_progress(args, "retarget", "step"),
        landmarks=args.landmarks,
    )
    what = "our keys added"
    if done.solved:
        what = (
            f"its own keys solved, {done.solve.keys_used} used; they reproduce our lip opening with r "
            f"{done.solve.lip_r:.2f}, lip residual {done.solve.lip_residual_px:.1f} px, elsewhere "
            f"{done.solve.outside_residual_px:.1f} px"
        )
        if done.solve.lip_r < LIPS_REPRODUCED:
            print(
                f"styletalk retarget: warning: {done.part}'s own keys cannot reproduce the lips' motion (r "
                f"{done.solve.lip_r:.2f}); add our keys instead (no --solve)",
                file=sys.stderr,
            )
    animated = f"{done.frames} frames animated" if done.frames else "no animation (no --curves)"
    if done.followers:
        verb = "animated alike" if done.solved else "moving with the jaw"
        animated += f"; {', '.join(done.followers)} {verb}"
    _done(
        args.output,
        f"{done.targets} shape keys on {done.part} (of {done.parts} mesh parts; {what}), {animated}, face found by "
        f"{done.found_by} with the face towards {done.axes}, fit residual {done.fit_rms_px:.1f} px"
        f"{WRITTEN.get(done.written, '')}" + (f"; {MOUTHS[done.mouth]}" if done.mouth == "sealed" else ""),
        time.perf_counter() - t0,
    )


def cmd_demo(args: argparse.Namespace) -> None:
    from .demo import run_demo

    run_demo(args.output, args.style, args.renderer, args.image)


def cmd_evaluate(args: argparse.Namespace) -> None:
    from .training.evaluate import evaluate_speakers, format_table

    table = evaluate_speakers(args.data, args.speakers, args.checkpoint, args.device)
    print("\n".join(format_table(table, args.speakers)))


def cmd_train(args: argparse.Namespace) -> None:
    from dataclasses import asdict

    from tqdm import tqdm

    from .training.distributed import is_main_process
    from .training.train import train_on_folders

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
        level_shift=args.level_shift,
        refine_lower=args.refine_lower,
        lambda_lip=args.lambda_lip,
        lambda_lip_velocity=args.lambda_lip_velocity,
        lambda_closure=args.lambda_closure,
        lambda_upper_lip=args.lambda_upper_lip,
    )
    metrics = train_on_folders(
        args.data,
        args.val_speakers,
        args.output,
        cfg,
        resume=args.resume,
        device=args.device,
        log=tqdm.write,
        progress=_progress_bar("train", unit="step", min_total=1),
    )
    if is_main_process():
        print(json.dumps(asdict(metrics)))


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each default once, as `(default: X)`, and nothing for options without one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, False) or "default:" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action)


def _common() -> dict[str, argparse.ArgumentParser]:
    """Parent parsers for the options that several commands share."""
    device = argparse.ArgumentParser(add_help=False)
    device.add_argument("--device", help="cpu, cuda or cuda:N (default: CUDA when available)")
    progress = argparse.ArgumentParser(add_help=False)
    progress.add_argument(
        "--progress",
        choices=("bar", "lines", "none"),
        default="bar",
        help="progress display (lines: `progress DONE TOTAL` for front ends)",
    )
    curves_in = argparse.ArgumentParser(add_help=False)
    curves_in.add_argument(
        "--curves", required=True, type=Path, help="curves file (.npz/.json) or official (T, 73) .npy"
    )
    audio_mux = argparse.ArgumentParser(add_help=False)
    audio_mux.add_argument("--audio", type=Path, help="audio to mux (trimmed to the video length)")
    return {"device": device, "progress": progress, "curves": curves_in, "audio": audio_mux}


def _add(sub, name: str, func, help: str, description: str, parents=()) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=description, parents=list(parents), formatter_class=_Formatter)
    p.set_defaults(func=func)
    return p


def _add_generate(sub, common) -> None:
    g = _add(
        sub,
        "generate",
        cmd_generate,
        "phoneme labels + style clip(s) -> curves file (.npz)",
        "Generate 30 fps expression curves from phoneme labels (or audio) and one or more style clips.",
        [common["device"], common["progress"]],
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


def _add_inputs(sub, common) -> None:
    ph = _add(
        sub,
        "phonemes",
        cmd_phonemes,
        "audio -> 30 fps phoneme labels (*_seq.json), offline with pocketsphinx",
        "Label audio with the official 41 phonemes at 30 fps: forced alignment when a transcript is given, "
        "otherwise recognition then alignment. Words missing from the dictionary are skipped with a warning.",
        [common["progress"]],
    )
    ph.add_argument("audio", type=Path, help="wav/flac/mp3/ogg/m4a, any sample rate or channel count")
    grp = ph.add_mutually_exclusive_group()
    grp.add_argument("--transcript", help="what is said, as plain text")
    grp.add_argument("--transcript-file", type=Path, help="UTF-8 text file with what is said")
    ph.add_argument("-o", "--output", required=True, type=Path, help="output labels (*_seq.json)")
    x = _add(
        sub,
        "extract-style",
        cmd_extract_style,
        "style video -> 64-dim expression clip (.mat official layout, or .npz)",
        "Track the face with MediaPipe (offline), align it and fit the 64 expression coefficients with the "
        "embedded face model; head angles and crop are estimated too (3D translation is left at 0).",
    )
    x.add_argument("video", type=Path, help="a video of one person talking (any size; the face should be visible)")
    x.add_argument("-o", "--output", required=True, type=Path, help="output .mat or .npz")


def _add_outputs(sub, common) -> None:
    from .formats.export import FORMATS
    from .retarget.arkit import ARKIT_FORMATS

    e = _add(
        sub,
        "export",
        cmd_export,
        "curves file -> official .npy (T x 73), CSV, JSON, or ARKit-52 weights",
        "Export a curves file. npy is the official renderer hand-off [exp 64 | pose 9]; arkit-csv is the "
        "Live Link Face app's CSV (52 ARKit weights + head rotation from the pose), arkit-json the same weights.",
        [common["curves"]],
    )
    e.add_argument("--format", required=True, choices=FORMATS + ARKIT_FORMATS)
    e.add_argument("-o", "--output", required=True, type=Path, help="output file, ending in .FORMAT")
    r = _add(
        sub,
        "render",
        cmd_render,
        "curves + one reference image -> talking-head mp4 with the neural renderer",
        "Render a 256x256 talking-head video with the PIRenderer-style face generator (official StyleTalk "
        "renderer weights), audio muxed in one H.264 encode.",
        [common["curves"], common["audio"], common["device"], common["progress"]],
    )
    r.add_argument(
        "--image", required=True, type=Path, help="reference face image (non-square: centre-cropped; resized to 256)"
    )
    r.add_argument("--renderer", required=True, type=Path, help="renderer checkpoint {'net_G_ema': ...}")
    r.add_argument("--still-pose", action="store_true", help="ignore the curves' pose; use a fixed frontal pose")
    r.add_argument("--batch", type=int, default=RenderSettings.batch, help="frames per forward pass (32+ on a GPU)")
    r.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=RenderSettings.precision,
        help="autocast precision: fp16 (CUDA), bf16 (CUDA, or CPUs with native bf16; others fall back to "
        "fp32), fp32 exact",
    )
    r.add_argument("--compile", action="store_true", help="torch.compile the renderer (slow start, faster long videos)")
    r.add_argument(
        "--engine",
        choices=ENGINES,
        default=RenderSettings.engine,
        help="openvino: compiled for this CPU (pip install 'styletalk-toolkit[cpu]'), ~1.7x PyTorch on a 2-core "
        f"CPU; auto (default): openvino on a CPU in fp32 for clips of {AUTO_MIN_FRAMES}+ frames when installed",
    )
    r.add_argument("-o", "--output", required=True, type=Path, help="output .mp4")
    pv = _add(
        sub,
        "preview",
        cmd_preview,
        "curves -> mp4 of the embedded face mesh (no renderer weights needed)",
        "Render the embedded face model animated by the curves (offscreen OpenGL), with audio.",
        [common["curves"], common["audio"], common["progress"]],
    )
    pv.add_argument("--size", type=int, default=PreviewSettings.size, help="frame size in pixels (even)")
    pv.add_argument("-o", "--output", required=True, type=Path, help="output .mp4")


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch
    from .plugins import RENDERER, plugin
    from .threads import cpu_threads

    lines = args.progress == "lines"
    bar = {"check": _progress(args, "batch: styles", "file"), "takes": _progress(args, "batch: takes", "take")}
    current = ["check"]

    def stage(name: str) -> None:
        current[0] = name
        if lines:
            print(f"stage {name}", flush=True)

    def progress(done: int, total: int) -> None:
        if bar[current[0]] is not None:
            bar[current[0]](done, total)

    def report(problem) -> None:
        print(
            f"styletalk batch: {args.manifest}:{problem.line}: {problem.id or '(no id)'}: {one_line(problem.reason)}",
            file=sys.stderr,
        )

    workers = args.threads or cpu_threads()
    r = plugin(RENDERER)
    writers = {"preview": r.preview_writer()}
    if args.renderer is not None:
        writers["render"] = r.render_writer(args.renderer, args.device, args.precision)
    done = run_batch(
        args.manifest,
        args.output,
        checkpoint=args.checkpoint,
        workers=workers,
        engine=args.engine,
        address=args.address,
        progress=progress,
        stage=stage,
        report=report,
        writers=writers,
    )
    print(
        f"wrote {args.output}: {len(done.done)} takes done, {len(done.skipped)} skipped (current), "
        f"{len(done.failed)} failed (summary.json) in {done.seconds:.2f} s"
    )
    return 1 if done.failed else 0


def _add_batch(sub, common) -> None:
    from .batch import OUTPUTS

    b = _add(
        sub,
        "batch",
        cmd_batch,
        "a manifest of takes (CSV/JSONL) -> an output folder, resumable",
        "Animate many dialogue takes in one run: MANIFEST (.csv with a header, or .jsonl) has a line per take "
        "with id, audio, transcript or transcript_file, style (clips, videos or preset:NAME, ';'-separated), "
        "style_weights, style_strength, pose, character (glb/fbx outputs), image (render output) and outputs ("
        + ", ".join(OUTPUTS)
        + "). Bad lines are reported "
        "with their line numbers before any work; each take's outputs go to OUTDIR/ID/ with take.json, and a "
        "take whose inputs and settings have not changed is skipped on the next run. The model loads once "
        "per process; takes run in --threads worker processes, or on a Ray cluster with --engine ray. "
        "OUTDIR/summary.json lists what was done, skipped and failed. Exit 1 if any take failed.",
        [common["progress"], common["device"]],
    )
    b.add_argument("manifest", type=Path, help="the takes: .csv (with a header) or .jsonl")
    b.add_argument("-o", "--output", type=Path, required=True, help="output folder (one folder per take id)")
    b.add_argument("--checkpoint", type=Path, help="generator checkpoint (default: the bundled model)")
    b.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local worker processes, or Ray (pip install 'styletalk-toolkit[cluster]')",
    )
    b.add_argument("--address", help="with --engine ray: an existing cluster's address (default: start a local one)")
    b.add_argument("--renderer", type=Path, help="renderer weights for the render output (on a cluster: GPU workers)")
    b.add_argument("--precision", choices=PRECISIONS, default=RenderSettings.precision, help="the render's precision")


def _add_retarget(sub, common) -> None:
    from .formats.character import AXES
    from .formats.placed import PLACED_POINTS

    rt = _add(
        sub,
        "retarget",
        cmd_retarget,
        "character (.glb/.gltf/.fbx/.obj) + curves -> the character, talking",
        "Read the whole character with Blender's importers, pick its face part (eyes, teeth, brows and body "
        "are told apart by name and content), find the face on it (a front render, MediaPipe landmarks cast "
        "back onto the surface, or a hand-placed --mask), then add our 64 expression keys (and with --arkit "
        "ARKit's 52) to it, animated by the curves, or with --solve animate its own shape keys to reproduce "
        "the motion. The output is the same file with those additions (every object, material, UV, skin "
        "kept): .glb or .fbx by -o's name. Without --curves: the keys alone.",
        [common["progress"]],
    )
    rt.add_argument("--curves", type=Path, help="curves file (.npz/.json) or official (T, 73) .npy to animate with")
    rt.add_argument(
        "--mesh", required=True, type=Path, help="the character: .glb, .gltf, .fbx or .obj (shape keys for --solve)"
    )
    rt.add_argument("--solve", action="store_true", help="animate the face's own shape keys instead of adding ours")
    rt.add_argument("--arkit", action="store_true", help="also add and animate the 52 ARKit morph targets")
    rt.add_argument(
        "--front",
        choices=tuple(AXES),
        default="+z",
        help="the axis the face looks along (glTF: +z; a minus sign needs =, e.g. --front=-y)",
    )
    rt.add_argument("--up", choices=tuple(AXES), default="+y", help="the mesh's up axis")
    rt.add_argument(
        "--mask",
        type=Path,
        help="(468, 3) .npy: our face mask placed on the character by hand (its "
        "world coordinates, y up), used instead of detection for faces the detector cannot read",
    )
    rt.add_argument(
        "--landmarks",
        type=Path,
        help="a .json of points placed by hand on a face the detector cannot read (a stylised face), in the "
        'character\'s coordinates: {"chin": [x, y, z], ...}; 6 or more of ' + ", ".join(PLACED_POINTS) + " with "
        "both mouth corners (left and right: the character's own)",
    )
    rt.add_argument("-o", "--output", required=True, type=Path, help="output .glb or .fbx (.npz: the additions)")


def _add_loss_weights(t: argparse.ArgumentParser) -> None:
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


def _add_training(sub, common) -> None:
    ev = _add(
        sub,
        "evaluate",
        cmd_evaluate,
        "M-LMD / F-LMD analogues on held-out clips vs baselines",
        "Generate each held-out clip with its own style and measure lip (M-LMD) and full-face (F-LMD) landmark "
        "distance through the embedded face model, against the training mean expression, the style "
        "reference's mean held still, and the clip's style with shuffled phonemes.",
        [common["device"]],
    )
    ev.add_argument("--data", required=True, nargs="+", type=Path, help="folders with *.mat and *_seq.json")
    ev.add_argument("--speakers", required=True, nargs="+", help="held-out speakers to evaluate")
    ev.add_argument("--checkpoint", type=Path, help="generator checkpoint (default: the bundled model)")
    t = _add(
        sub,
        "train",
        cmd_train,
        "train a generator on official-format clips (.mat + *_seq.json)",
        "Train StyleTalk on clips found under DATA: reconstruction (L1+SSIM), style triplet, lip-sync, temporal "
        "and style discriminators.",
        [common["device"]],
    )
    t.add_argument("--data", required=True, nargs="+", type=Path, help="folders searched for *.mat and *_seq.json")
    t.add_argument("--val-speakers", nargs="+", default=[], help="speakers held out for validation")
    t.add_argument("--steps", type=int, default=TrainConfig.steps, help="generator updates")
    t.add_argument("--batch", type=int, default=TrainConfig.batch_size, help="sequences per step")
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
    _add_loss_weights(t)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="styletalk",
        description="Speech + a speaking-style clip -> stylised 3DMM facial expression curves (StyleTalk).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common()
    d = _add(
        sub,
        "demo",
        cmd_demo,
        "the whole job on the bundled example: curves, plot, preview video, .blend and .glb",
        "Run the bundled example (hello.wav) end to end with the default model and print where each file is and "
        "how long each step took.",
    )
    d.add_argument("-o", "--output", type=Path, default=DemoSettings.output, help="output folder")
    d.add_argument("--style", default=DemoSettings.style, help="style clip or preset:NAME")
    d.add_argument("--renderer", type=Path, help="official renderer weights: also writes demo_render.mp4")
    d.add_argument("--image", type=Path, help="reference face image for --renderer")
    _add_generate(sub, common)
    _add_inputs(sub, common)
    _add_outputs(sub, common)
    _add_retarget(sub, common)
    _add_batch(sub, common)
    _add_training(sub, common)
    for command in sub.choices.values():  # every command: one CPU budget for torch and process pools
        command.add_argument("--threads", type=int, help="CPU threads to use (default: OMP_NUM_THREADS, else all CPUs)")
    return parser


def _terminate(signum, frame) -> None:
    """SIGTERM (the add-on's cancel) unwinds like Ctrl-C, so temporary files are removed; the stop is
    also recorded, for native code that swallows the interrupt (native.raise_if_stopped)."""
    request_stop()
    raise KeyboardInterrupt


def one_line(text: str) -> str:
    """A message on one line whatever the file names in it hold (newlines written as \\n)."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class _OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLineFormatter(f"styletalk {args.command}: warning: %(message)s"))
    logging.basicConfig(handlers=[handler], level=logging.WARNING)
    clear_stop()
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with thread_budget(getattr(args, "threads", None)):
            code = args.func(args)
    except StyleTalkError as exc:
        print(f"styletalk {args.command}: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"styletalk {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        for sig, handler_before in previous.items():
            signal.signal(sig, handler_before)
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
