"""Does style still matter in a trained generator? On the bundled example's labels:
- the upper face under two presets (mean |difference| per upper-face coefficient, e.g. happy vs sad);
- style accuracy: each clip's nearest other style code has its style label, over the styles in --data
  with two or more clips (leave-one-out);
- the style clip's level: a style clip moved by a vector moves the output by the same vector.

Usage: .venv/bin/python benchmarks/style_effect.py --data DIR [DIR ...] [--checkpoint X.pth]
(goals for the default model: happy vs sad >= 0.13, accuracy >= 0.85, level carried over 1:1)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from styletalk_core.formats.labels import load_phoneme_labels  # noqa: E402
from styletalk_core.inference import load_model  # noqa: E402
from styletalk_core.resources import EXAMPLES  # noqa: E402
from styletalk_core.training.dataset import find_clips  # noqa: E402
from styletalk_core.training.style_measures import level_carried, preset_difference, style_accuracy  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", nargs="+", type=Path, required=True)
    ap.add_argument("--checkpoint", type=Path)
    ap.add_argument("--presets", nargs=2, default=["happy", "sad"])
    args = ap.parse_args()
    gen = load_model(args.checkpoint)
    ids = load_phoneme_labels(EXAMPLES / "hello_seq.json")
    a, b = args.presets
    print(f"{a} vs {b}: upper face differs by {preset_difference(gen, ids, a, b):.3f} per coefficient")
    clips = find_clips(args.data)
    acc, n, styles = style_accuracy(gen, clips)
    print(f"style accuracy {acc:.2f} ({n} clips of {styles} styles with two or more clips)")
    print(f"style clip moved by a vector: the output moves {level_carried(gen, ids, clips[0].exp):.2f}x along it")


if __name__ == "__main__":
    main()
