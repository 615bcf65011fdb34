"""Audio -> phoneme labels vs the official labels of ../shared/reference/official_samples.

Prints per clip: frame agreement (exact and within +-1 frame) and speed (x real time), without a
transcript and, where tests/data/transcripts/NAME.txt exists, with it; the frames missed (not within
+-1) split into speech/silence confusions and wrong phones inside speech (mostly misrecognised words
without a transcript).
With --long, also all transcribed clips as one long file (segment-by-segment alignment), old path
(one process, a new decoder per call) and new path (worker processes) side by side.
Usage: .venv/bin/python benchmarks/phoneme_agreement.py [--long]
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from styletalk_core.formats.labelling import LabelOptions
from styletalk_core.formats.labels import SIL
from styletalk_core.formats.layout import FPS
from styletalk_core.speech import sphinx as P
from styletalk_core.speech.audio import load_audio
from styletalk_core.speech.phonemes import phonemes_from_audio
from styletalk_core.speech.segments import SAMPLE_RATE

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared/reference/official_samples/samples/source_video"
TRANSCRIPTS = ROOT / "tests" / "data" / "transcripts"


def agreement(pred: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    n = min(len(pred), len(ref))
    pred, ref = pred[:n], ref[:n]
    exact = float((pred == ref).mean())
    return exact, float(near_frames(pred, ref).mean())


def near_frames(pred: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Frames whose reference label is the predicted one at that frame or a neighbouring one."""
    padded = np.pad(pred, 1, mode="edge")
    return (padded[:-2] == ref) | (padded[1:-1] == ref) | (padded[2:] == ref)


def misses(pred: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """Shares of frames missed (not within +-1): speech/silence confusions, wrong phones in speech."""
    n = min(len(pred), len(ref))
    pred, ref = pred[:n], ref[:n]
    missed = ~near_frames(pred, ref)
    silence = (ref == SIL) | (pred == SIL)
    return float((missed & silence).mean()), float((missed & ~silence).mean())


@contextlib.contextmanager
def fresh_decoders():
    """The old path: a new pocketsphinx decoder, language model included, for every lookup,
    recognition and alignment, and the segments one after another in this process."""
    cached = P._recogniser, P._aligner, P.cpu_threads, P._decoder
    P._recogniser, P._aligner, P.cpu_threads = P._recogniser.__wrapped__, P._aligner.__wrapped__, lambda: 1
    P._decoder = lambda **kw: cached[3](**{k: v for k, v in kw.items() if k != "lm"})
    try:
        yield
    finally:
        P._recogniser, P._aligner, P.cpu_threads, P._decoder = cached


def timed(wav: Path, text: str | None, seconds: float, old: bool) -> tuple[np.ndarray, float]:
    """Labels and x real time, from a cold start of the path (the new path's decoders are built
    inside the run, as they are for a user's one file)."""
    P._recogniser.cache_clear()
    P._aligner.cache_clear()
    with fresh_decoders() if old else contextlib.nullcontext():
        t0 = time.perf_counter()
        pred = phonemes_from_audio(wav, LabelOptions.of(text))
        return pred, (time.perf_counter() - t0) / seconds


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
            old, rt_old = timed(wav, text, seconds, old=True)
            pred, rt = timed(wav, text, seconds, old=False)
            row = (wav.stem, mode, *agreement(pred, ref), rt, len(pred) - len(ref), *misses(pred, ref), rt_old)
            rows.append(row + (bool((old == pred).all()),))
    print(
        f"{'clip':<16}{'mode':<12}{'exact':>8}{'+-1':>8}{'x RT':>8}{'len diff':>10}{'miss sil':>10}{'miss ph':>9}"
        f"{'old x RT':>10}{'speed-up':>10}{'same':>6}"
    )
    for r in rows:
        print(
            f"{r[0]:<16}{r[1]:<12}{r[2]:>8.3f}{r[3]:>8.3f}{r[4]:>8.3f}{r[5]:>10d}{r[6]:>10.3f}{r[7]:>9.3f}"
            f"{r[8]:>10.3f}{r[8] / r[4]:>9.2f}x{'yes' if r[9] else 'NO':>6}"
        )
    for mode in ("asr", "transcript"):
        sel = [r for r in rows if r[1] == mode]
        if sel:
            old, new = np.mean([r[8] for r in sel]), np.mean([r[4] for r in sel])
            same = sum(r[9] for r in sel)
            print(
                f"{mode}: old path (a new decoder per call, one process) {old:.3f} x RT, new path (one decoder "
                f"per process, front end reset per utterance, segments on worker processes, the aligner without "
                f"the language model) {new:.3f} x RT: "
                f"{old / new:.2f}x; same labels on {same} of {len(sel)}"
            )
    print("goals (+-1): asr >= 0.80, transcript >= 0.90; x RT: asr <= 0.5, transcript <= 0.1")
    for label, keep in (("all clips", lambda r: True), ("same length", lambda r: r[5] == 0)):
        for mode in ("asr", "transcript"):
            sel = [r for r in rows if r[1] == mode and keep(r)]
            if sel:
                m = np.mean([r[2:8] for r in sel], axis=0)
                print(
                    f"mean {mode:<11}{m[0]:>8.3f}{m[1]:>8.3f}{m[2]:>8.3f}{'':>10}{m[4]:>10.3f}{m[5]:>9.3f}"
                    f"   {label} ({len(sel)})"
                )
    print("same length: clips whose official labels are exactly floor(duration x 30) long (for the others")
    print("the labels and the audio do not match in length, so their timing may not match either)")
    if "--long" in sys.argv:
        long_audio(rows)


def long_audio(rows: list) -> None:
    """Every clip with a transcript, concatenated into one long file and labelled with the whole
    transcript the way long audio is (segment by segment): agreement per clip, speed, peak memory."""
    clips = [r[0] for r in rows if r[1] == "transcript" and r[5] == 0]
    pcms = [load_audio(SRC / "wav" / f"{c}.wav") for c in clips]
    text = " ".join((TRANSCRIPTS / f"{c}.txt").read_text() for c in clips)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(np.concatenate(pcms).tobytes())
        seconds = sum(len(p) for p in pcms) / SAMPLE_RATE
        old, rt_old = timed(path, text, seconds, old=True)
        pred, rt = timed(path, text, seconds, old=False)
    start, near = 0, []
    for clip, pcm in zip(clips, pcms, strict=True):
        ref = np.array(json.loads((SRC / "phoneme" / f"{clip}_seq.json").read_text()))
        s0 = start * FPS // SAMPLE_RATE
        near.append(agreement(pred[s0 : s0 + len(ref)], ref)[1])
        start += len(pcm)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"long audio: {len(clips)} clips, {seconds:.0f} s, one transcript: +-1 {np.mean(near):.3f} "
        f"(per clip {' '.join(f'{x:.2f}' for x in near)}), old path {rt_old:.3f} x RT, new path {rt:.3f} x RT: "
        f"{rt_old / rt:.2f}x, same labels: {'yes' if (old == pred).all() else 'NO'}; "
        f"peak memory {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
