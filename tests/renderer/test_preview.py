"""Weights-free preview: an mp4 of the face mesh with audio, read back; the mouth visibly opens."""

import wave

import av
import numpy as np
from styletalk_renderer.preview import preview_frames

from styletalk_core.cli import main
from styletalk_core.formats.curves import Curves


def test_preview_cli_mp4_with_audio(tmp_path):
    exp = np.zeros((12, 64), np.float32)
    exp[6:, 0] = -2.5  # jaw open in the second half
    curves = tmp_path / "c.npz"
    Curves(exp=exp).save(curves)
    wav = tmp_path / "a.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((3000 * np.sin(np.arange(16000) / 10)).astype(np.int16).tobytes())
    out = tmp_path / "p.mp4"
    assert main(["preview", "--curves", str(curves), "--audio", str(wav), "--size", "256", "-o", str(out)]) == 0
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.width, v.height) == (256, 256) and v.average_rate == 30
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        assert len(frames) == 12 and len(c.streams.audio) == 1
    # the mouth region darkens when the jaw opens (the background shows through the lips)
    mouth = (slice(170, 200), slice(110, 146))
    assert frames[9][mouth].mean() < frames[2][mouth].mean() - 10


def test_preview_frames_shape():
    batches = list(preview_frames(Curves(exp=np.zeros((3, 64), np.float32)), size=128, batch=2))
    assert [b.shape for b in batches] == [(2, 128, 128, 3), (1, 128, 128, 3)]
    assert batches[0].std() > 10  # a face, not an empty frame


def test_colour_only_read_back_gives_pyrender_s_own_frames(monkeypatch):
    from styletalk_renderer import preview

    exp = np.zeros((3, 64), np.float32)
    exp[1:, 0] = -2.5
    applied = []
    real = preview.colour_only
    monkeypatch.setattr(preview, "colour_only", lambda r: applied.append(real(r)) or applied[-1])
    fast = np.concatenate(list(preview_frames(Curves(exp=exp), size=128)))
    assert applied == [True]  # the pinned pyrender has the framebuffers this reads
    monkeypatch.setattr(preview, "colour_only", lambda r: False)
    own = np.concatenate(list(preview_frames(Curves(exp=exp), size=128)))
    assert fast.std() > 10 and np.array_equal(fast, own)
