"""The speech tests' helpers: a writer of wav files, and the share of frames within one of the reference labels."""

import wave

import numpy as np


def _write_wav(path, samples, rate=16000, channels=1):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, np.int16).tobytes())


def _agreement(pred, ref):
    n = min(len(pred), len(ref))
    pred, ref = pred[:n], ref[:n]
    padded = np.pad(pred, 1, mode="edge")
    return float(((padded[:-2] == ref) | (padded[1:-1] == ref) | (padded[2:] == ref)).mean())
