"""Audio in: any format, rate and channels; silence; bad files one line."""

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.formats.errors import InputError
from styletalk_core.formats.labels import SIL
from styletalk_core.speech.audio import SAMPLE_RATE, load_audio
from styletalk_core.speech.phonemes import phonemes_from_audio

from .conftest import _write_wav


@pytest.mark.slow
def test_any_format_rate_and_channels(clip, tmp_path):
    import av

    wav, _ = clip
    pcm = load_audio(wav)[: SAMPLE_RATE * 4]
    flac = tmp_path / "stereo44k.flac"
    with av.open(str(flac), "w") as c:
        s = c.add_stream("flac", rate=44100, layout="stereo")
        up = np.repeat(np.interp(np.arange(0, len(pcm), 16000 / 44100), np.arange(len(pcm)), pcm)[None], 2, 0)
        frame = av.AudioFrame.from_ndarray(up.astype(np.int16).reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = 44100
        for p in s.encode(frame):
            c.mux(p)
        for p in s.encode():
            c.mux(p)
    back = load_audio(flac)
    assert abs(len(back) - len(pcm)) < 200
    labels = phonemes_from_audio(flac)
    assert len(labels) == 4 * 30 and (labels != SIL).mean() > 0.3


def test_silence_is_all_sil(tmp_path):
    path = tmp_path / "silence.wav"
    _write_wav(path, np.zeros(16000 * 2))
    labels = phonemes_from_audio(path)
    assert len(labels) == 60 and (labels == SIL).all()


def test_bad_audio_files(tmp_path, capsys):
    empty = tmp_path / "empty.wav"
    _write_wav(empty, [])
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3\x03garbage" * 20)
    for path, needle in [(empty, "empty"), (corrupt, "corrupt.mp3"), (tmp_path / "none.wav", "not found")]:
        out = tmp_path / "x_seq.json"
        assert main(["phonemes", str(path), "-o", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and len(err.splitlines()) == 1 and not out.exists()
    with pytest.raises(InputError):
        load_audio(empty)
