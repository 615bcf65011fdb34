"""`styletalk demo`: the whole job on the bundled example, timed step by step. Every input is checked
before the first step; the files are made in a staging folder and moved into place only when every
step has succeeded, so a failed run leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .extras import optional
from .formats.curves import Curves
from .formats.errors import OutputError, StyleTalkError
from .formats.labels import PHONEME_SYMBOLS, SIL, run_starts
from .formats.layout import UPPER_INDICES
from .resources import EXAMPLES
from .settings import DemoSettings, PreviewSettings


def plot_curves(curves: Curves, path: Path) -> None:
    """Mouth (jaw/lip) and most active upper-face curves over time, phoneme labels underneath."""
    optional("matplotlib", "preview").use("Agg")
    import matplotlib.pyplot as plt

    from .formats.fileio import atomic_path

    t = np.arange(curves.frames) / curves.fps
    upper = sorted(UPPER_INDICES, key=lambda i: -curves.exp[:, i].std())[:3]
    fig, axes = plt.subplots(2, 1, figsize=(12, 5), sharex=True)
    for i in (0, 1, 2):
        axes[0].plot(t, curves.exp[:, i], label=f"exp{i:02d}")
    for i in upper:
        axes[1].plot(t, curves.exp[:, i], label=f"exp{i:02d}")
    axes[0].set_title("mouth (lower-face) coefficients")
    axes[1].set_title("most active upper-face (brow/eye) coefficients")
    if curves.phonemes is not None:
        ids = curves.phonemes
        starts = run_starts(ids)
        ends = np.r_[starts[1:], len(ids)]
        lo = axes[0].get_ylim()[0]
        for s, e in zip(starts, ends, strict=True):
            if ids[s] != SIL:
                axes[0].text(
                    (s + e) / 2 / curves.fps, lo, PHONEME_SYMBOLS[ids[s]], fontsize=6, ha="center", va="bottom"
                )
    for ax in axes:
        ax.legend(loc="upper right", fontsize=7)
    axes[1].set_xlabel("seconds")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


@dataclass
class DemoRun:
    """The demo's inputs and what each step hands to the next."""

    work: Path  # staging folder: every output is written here first
    style: str
    audio: Path = EXAMPLES / "hello.wav"
    transcript: Path = EXAMPLES / "hello.txt"
    renderer: object = None  # the loaded renderer, when asked for
    image: Path | None = None
    generator: object = None  # the loaded default model
    ids: np.ndarray | None = None
    curves: Curves | None = None


def step_phonemes(run: DemoRun) -> str:
    from .formats.labelling import LabelOptions
    from .speech.phonemes import phonemes_from_audio

    run.ids = phonemes_from_audio(run.audio, LabelOptions(run.transcript.read_text(encoding="utf-8")))
    return "(in the curves file)"


def step_generate(run: DemoRun) -> str:
    from .formats.style import StyleSpec
    from .inference import generate_curves
    from .plugins import RENDERER, plugin

    curves = generate_curves(run.ids, [StyleSpec(run.style)], generator=run.generator)
    curves.meta["audio"] = str(run.audio)
    still = plugin(RENDERER).STILL_POSE  # a frontal still head, for rendering
    curves.pose = np.repeat(still[None], curves.frames, axis=0)
    curves.save(run.work / "demo_curves.npz")
    run.curves = curves
    return "demo_curves.npz"


def step_plot(run: DemoRun) -> str:
    plot_curves(run.curves, run.work / "demo_curves.png")
    return "demo_curves.png"


def step_preview(run: DemoRun) -> str:
    from .plugins import RENDERER, plugin

    r, curves, size = plugin(RENDERER), run.curves, PreviewSettings.size
    r.write_video(r.preview_frames(curves, size), run.work / "demo_preview.mp4", curves.fps, run.audio, curves.frames)
    return "demo_preview.mp4"


def legacy_blender_python() -> Path | None:
    """A Python with Blender 4.2 LTS as a module, to write a scene every supported Blender opens (a
    .blend saved by 5.x does not open in 4.2): $STYLETALK_BLENDER42_PYTHON, else the `.venv-bpy42`
    that scripts/setup.sh makes beside this environment; None when there is neither."""
    named = os.environ.get("STYLETALK_BLENDER42_PYTHON")
    found = Path(named) if named else Path(sys.prefix).parent / ".venv-bpy42" / "bin" / "python"
    return found if found.is_file() else None


def _build_scene(python: str | Path, outputs: list[Path]) -> str:
    """Run the demo scene script under `python`; returns the Blender version it ran."""
    from .plugins import ADDON_BUILDER, plugin

    builder = plugin(ADDON_BUILDER)
    with tempfile.TemporaryDirectory() as addon_parent:
        builder.assemble(Path(addon_parent))
        cmd = [str(python), str(builder.DEMO_SCENE_SCRIPT), addon_parent, *map(str, outputs)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
    version = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("BLENDER ")]
    if proc.returncode != 0 or not version:
        raise StyleTalkError(f"building the demo scene failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    return version[0]


def step_blender(run: DemoRun) -> str:
    curves = run.work / "demo_curves.npz"
    version = _build_scene(sys.executable, [curves, run.audio, run.work / "demo.blend", run.work / "demo.glb"])
    made = [f"demo.blend, demo.glb (Blender {version})"]
    legacy = legacy_blender_python()
    if legacy is not None:
        version = _build_scene(legacy, [curves, run.audio, run.work / "demo_blender42.blend", ""])
        made.append(f"demo_blender42.blend (Blender {version})")
    return ", ".join(made)


def step_render(run: DemoRun) -> str:
    from .plugins import RENDERER, plugin

    r = plugin(RENDERER)
    device = r.generator_device(run.renderer)
    model = r.inference_generator(run.renderer, r.choose_engine("auto", device, None, run.curves.frames), fallback=True)
    r.render_video(model, r.Footage(run.curves, run.image, run.audio), run.work / "demo_render.mp4")
    return "demo_render.mp4"


def check_inputs(out: Path, style: str, renderer: Path | None, image: Path | None) -> DemoRun:
    """Everything that can be checked before the first step: the run to make, with the default model
    and the renderer (when asked for) loaded; nothing is written."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; -o names the output folder")
    from .formats.style import StyleSpec
    from .inference import load_model, preset_code

    generator = load_model()
    if StyleSpec(style).preset is not None:
        preset_code(generator, StyleSpec(style).preset)  # an unknown preset: one line naming those there are
    else:
        from .style.clip import load_expression

        load_expression(style)
    # work: the output folder until the run starts, which stages every file in a folder inside it
    return DemoRun(out, style, generator=generator, renderer=_renderer(renderer, image), image=image)


def _renderer(renderer: Path | None, image: Path | None) -> object:
    """The official renderer loaded from `renderer` for `image`, or None when none is asked for."""
    if renderer is None:
        if image is not None:
            raise StyleTalkError("--image is used with --renderer (the official renderer weights)")
        return None
    if image is None:
        raise StyleTalkError("--renderer needs --image (a 256x256 face crop)")
    from .device import pick_device
    from .plugins import RENDERER, plugin

    r = plugin(RENDERER)
    r.load_reference_image(image)
    return r.load_renderer(renderer, pick_device(None))


def run_demo(
    out: Path = DemoSettings.output,
    style: str = DemoSettings.style,
    renderer: Path | None = None,
    image: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    """Run every step, log where each file is and how long it took; returns the step times."""
    out = Path(out)
    run = check_inputs(out, style, renderer, image)
    steps = [
        ("phonemes", step_phonemes),
        ("generate", step_generate),
        ("plot", step_plot),
        ("preview", step_preview),
        ("blender", step_blender),
    ] + ([("render", step_render)] if run.renderer is not None else [])
    out.mkdir(parents=True, exist_ok=True)
    run.work = work = Path(tempfile.mkdtemp(prefix=".demo.", dir=out))
    times: dict[str, float] = {}
    try:
        for name, fn in steps:
            t0 = time.perf_counter()
            made = fn(run)
            times[name] = time.perf_counter() - t0
            log(f"{name:<10} {times[name]:6.2f} s  {made}")
        for f in sorted(work.iterdir()):
            f.replace(out / f.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"{'total':<10} {sum(times.values()):6.2f} s  files in {out}")
    return times
