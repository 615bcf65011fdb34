"""`styletalk demo`: the whole job on the bundled example, timed step by step."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .curves import Curves
from .errors import StyleTalkError
from .labels import PHONEME_SYMBOLS, SIL, run_starts

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def plot_curves(curves: Curves, path: Path) -> None:
    """Mouth (jaw/lip) and most active upper-face curves over time, phoneme labels underneath."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .model import UPPER_INDICES

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
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)


def run_demo(
    out: Path,
    style: str = "preset:happy",
    renderer: Path | None = None,
    image: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    from renderer.preview import preview_frames
    from renderer.video import STILL_POSE, write_video

    from .inference import StyleSpec, generate_curves
    from .phonemes import phonemes_from_audio

    audio, transcript = EXAMPLES / "hello.wav", (EXAMPLES / "hello.txt").read_text()
    if renderer is not None and image is None:
        raise StyleTalkError("--renderer needs --image (a 256x256 face crop)")
    out.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}

    def step(name: str, target: str):
        def wrap(fn):
            t0 = time.perf_counter()
            fn()
            times[name] = time.perf_counter() - t0
            log(f"{name:<10} {times[name]:6.2f} s  {out / target}")

        return wrap

    state: dict = {}

    @step("phonemes", "(in the curves file)")
    def _():
        state["ids"] = phonemes_from_audio(audio, transcript)

    @step("generate", "demo_curves.npz")
    def _():
        curves = generate_curves(state["ids"], [StyleSpec(style)], meta={"audio": str(audio)})
        curves.pose = np.repeat(STILL_POSE[None], curves.frames, axis=0)  # frontal still head for rendering
        curves.save(out / "demo_curves.npz")
        state["curves"] = curves

    @step("plot", "demo_curves.png")
    def _():
        plot_curves(state["curves"], out / "demo_curves.png")

    @step("preview", "demo_preview.mp4")
    def _():
        curves = state["curves"]
        write_video(preview_frames(curves, 512), out / "demo_preview.mp4", curves.fps, audio, curves.frames)

    @step("blender", "demo.blend, demo.glb")
    def _():
        script = REPO / "blender_addon" / "build_demo_scene.py"
        cmd = [sys.executable, str(script), str(out / "demo_curves.npz"), str(audio), str(out / "demo.blend"),
               str(out / "demo.glb")]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise StyleTalkError(f"building demo.blend failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")

    if renderer is not None:

        @step("render", "demo_render.mp4")
        def _():
            from renderer.checkpoint import load_renderer
            from renderer.video import render_video

            from .inference import pick_device

            model = load_renderer(renderer, pick_device(None))
            render_video(model, state["curves"], image, out / "demo_render.mp4", audio=audio)

    log(f"{'total':<10} {sum(times.values()):6.2f} s")
    return times
