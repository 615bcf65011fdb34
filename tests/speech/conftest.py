"""The speech tests' shared clip: the first labelled official sample, and a writer of wav files."""

import wave

import numpy as np
import pytest

from styletalk_core.formats.labels import load_phoneme_labels

from ..conftest import labelled_clips


@pytest.fixture(scope="module")
def clip(shared):
    wav, labels = labelled_clips()[0]
    return wav, load_phoneme_labels(labels)


def _write_wav(path, samples, rate=16000, channels=1):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, np.int16).tobytes())
