"""docs/lipsync_strip.png and docs/lipsync_visemes.png: a held-out speaker's real clip beside the
default recipe's model trained without that speaker (a leave-one-speaker-out fold), same labels, both
drawn by `styletalk preview`; and the mean mouth opening per viseme over all folds
(`benchmarks/lipsync_loso.py --json`).

Strip: one column per viseme class, the frame 3 frames before the middle of the longest run of that
class (the real mouths lead their labels, see the model card), the real clip above, the model below;
under it the mouth opening over time of the real clip, the model and the phoneme ridge.

Usage: .venv/bin/python scripts/make_lipsync_strip.py --folds FOLDS --speaker NAME --loso results.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import av
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from styletalk_core.cli import main as styletalk  # noqa: E402
from styletalk_core.face.face_model import load_face_model  # noqa: E402
from styletalk_core.formats.curves import Curves  # noqa: E402
from styletalk_core.formats.labels import PHONEME_IDS, run_starts  # noqa: E402
from styletalk_core.model.checkpoint import load_generator  # noqa: E402
from styletalk_core.model.generate import generate_expression, style_codes  # noqa: E402
from styletalk_core.training.dataset import find_clips  # noqa: E402
from styletalk_core.training.evaluate import phoneme_baseline  # noqa: E402
from styletalk_core.training.lipsync import VISEMES, opening  # noqa: E402
from styletalk_core.training.state import last_checkpoint  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference"
DATA = [SHARED / "official_samples" / "samples", SHARED / "dreamtalk_samples" / "style_clip"]
LEAD = 3
SIZE = 256


def viseme_frames(labels: np.ndarray) -> dict[str, int]:
    """Per viseme class, LEAD frames before the middle of its longest run."""
    starts = np.append(run_starts(labels), len(labels))
    out = {}
    for name, symbols in VISEMES.items():
        ids = [PHONEME_IDS[s] for s in symbols]
        runs = [(b - a, a, b) for a, b in zip(starts[:-1], starts[1:], strict=True) if labels[a] in ids]
        if runs:
            _, a, b = max(runs)
            out[name] = max((a + b) // 2 - LEAD, 0)
    return out


def preview(exp: np.ndarray, labels: np.ndarray, frames: list[int], tmp: Path, name: str) -> list[np.ndarray]:
    """Write the curves, run `styletalk preview` on them, read the wanted frames back."""
    curves, video = tmp / f"{name}.npz", tmp / f"{name}.mp4"
    Curves(exp, phonemes=labels).save(curves)
    assert (
        styletalk(["preview", "--curves", str(curves), "--size", str(SIZE), "--progress", "none", "-o", str(video)])
        == 0
    )
    with av.open(str(video)) as f:
        decoded = [fr.to_ndarray(format="rgb24") for fr in f.decode(video=0)]
    return [decoded[i] for i in frames]


def strip(speaker: str, folds: Path, out: Path) -> None:
    clips = find_clips(DATA)
    clip = next(c for c in clips if c.speaker == speaker and c.phonemes is not None)
    gen = load_generator(last_checkpoint(folds / f"{speaker}.pth"))
    model = generate_expression(gen.model, clip.phonemes, style_codes(gen.model, [clip.exp]))
    ridge = clip.exp[:256].mean(0) + np.zeros_like(clip.exp)
    baseline = phoneme_baseline([c for c in clips if c.speaker != speaker], load_face_model())
    ridge[:, list(baseline.lower)] += baseline.predict(clip.phonemes)
    picks = viseme_frames(clip.phonemes)
    with tempfile.TemporaryDirectory() as tmp:
        real_frames = preview(clip.exp, clip.phonemes, list(picks.values()), Path(tmp), "real")
        model_frames = preview(model, clip.phonemes, list(picks.values()), Path(tmp), "model")
    fig = plt.figure(figsize=(2.2 * len(picks), 6.6))
    grid = fig.add_gridspec(3, len(picks), height_ratios=[1, 1, 0.9])
    for j, (name, frame) in enumerate(picks.items()):
        for i, (row, images) in enumerate((("real", real_frames), ("model", model_frames))):
            ax = fig.add_subplot(grid[i, j])
            ax.imshow(images[j][SIZE // 2 :, SIZE // 6 : SIZE - SIZE // 6])  # the lower face
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"{name} (frame {frame})", fontsize=9)
            if j == 0:
                ax.set_ylabel(row)
    face = load_face_model()
    ax = fig.add_subplot(grid[2, :])
    t = np.arange(len(clip.exp)) / 30
    for exp, label in ((clip.exp, "real"), (model, "model (speaker held out)"), (ridge, "phoneme ridge")):
        ax.plot(t, opening(exp, face), label=label, lw=1)
    ax.set_xlim(0, min(t[-1], 10))
    ax.set_xlabel("seconds")
    ax.set_ylabel("mouth opening (px)")
    ax.legend(fontsize=8, ncol=3, loc="upper right")
    fig.suptitle(f"{clip.name}: real clip vs the default recipe trained without {speaker} (same labels)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def viseme_plot(loso: Path, out: Path) -> None:
    results = json.loads(loso.read_text())["speakers"]
    names = list(VISEMES)
    series = {
        "real": [[r["model"].get(f"real viseme {v}") for r in results.values()] for v in names],
        "model": [[r["model"].get(f"viseme {v}") for r in results.values()] for v in names],
        "phoneme ridge": [[r["phoneme ridge"].get(f"viseme {v}") for r in results.values()] for v in names],
    }
    fig, ax = plt.subplots(figsize=(7, 3.6))
    width = 0.27
    for k, (label, vals) in enumerate(series.items()):
        means = [np.mean([x for x in v if x is not None]) for v in vals]
        ax.bar(np.arange(len(names)) + (k - 1) * width, means, width, label=label)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("mean mouth opening (px)")
    ax.set_title(f"per viseme, leave-one-speaker-out mean over {len(results)} speakers", fontsize=10)
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=Path, required=True)
    ap.add_argument("--speaker", required=True)
    ap.add_argument("--loso", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(2)
    strip(args.speaker, args.folds, ROOT / "docs" / "lipsync_strip.png")
    viseme_plot(args.loso, ROOT / "docs" / "lipsync_visemes.png")


if __name__ == "__main__":
    main()
