"""Audio -> phoneme labels vs the official labels of ../shared/reference/official_samples.

Prints per clip: frame agreement (exact and within +-1 frame) and speed (x real time), without a
transcript and, where tests/data/transcripts/NAME.txt exists, with it.
Usage: .venv/bin/python benchmarks/phoneme_agreement.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from styletalk_core.phonemes import SAMPLE_RATE, load_audio, phonemes_from_audio

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared/reference/official_samples/samples/source_video"
TRANSCRIPTS = ROOT / "tests" / "data" / "transcripts"


def agreement(pred: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    n = min(len(pred), len(ref))
    pred, ref = pred[:n], ref[:n]
    exact = float((pred == ref).mean())
    padded = np.pad(pred, 1, mode="edge")
    near = (padded[:-2] == ref) | (padded[1:-1] == ref) | (padded[2:] == ref)
    return exact, float(near.mean())


def main() -> None:
    rows = []
    for wav in sorted((SRC / "wav").glob("*.wav")):
        ref_file = SRC / "phoneme" / f"{wav.stem}_seq.json"
        if not ref_file.exists():
            continue
        ref = np.array(json.loads(ref_file.read_text()))
        seconds = len(load_audio(wav)) / SAMPLE_RATE
        modes = [("asr", None)]
        if (TRANSCRIPTS / f"{wav.stem}.txt").exists():
            modes.append(("transcript", (TRANSCRIPTS / f"{wav.stem}.txt").read_text()))
        for mode, text in modes:
            t0 = time.perf_counter()
            pred = phonemes_from_audio(wav, text)
            rt = (time.perf_counter() - t0) / seconds
            rows.append((wav.stem, mode, *agreement(pred, ref), rt, len(pred) - len(ref)))
    print(f"{'clip':<16}{'mode':<12}{'exact':>8}{'+-1':>8}{'x RT':>8}{'len diff':>10}")
    for r in rows:
        print(f"{r[0]:<16}{r[1]:<12}{r[2]:>8.3f}{r[3]:>8.3f}{r[4]:>8.3f}{r[5]:>10d}")
    for mode in ("asr", "transcript"):
        sel = [r for r in rows if r[1] == mode and r[0] != "intro"]
        if sel:
            print(f"mean {mode:<11}{np.mean([r[2] for r in sel]):>8.3f}{np.mean([r[3] for r in sel]):>8.3f}"
                  f"{np.mean([r[4] for r in sel]):>8.3f}   goals (+-1): asr >= 0.80, transcript >= 0.90")  # fmt: skip


if __name__ == "__main__":
    main()
