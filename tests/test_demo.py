"""`styletalk demo` (the README's main job) produces every file, readable and consistent."""

import json

import av
import numpy as np
import pytest

from styletalk_core.formats.curves import load_curves
from styletalk_core.resources import EXAMPLES


@pytest.mark.slow
def test_curves_and_plot(demo_out):
    curves = load_curves(demo_out / "demo_curves.npz")
    labels = json.loads((EXAMPLES / "hello_seq.json").read_text())
    assert abs(curves.frames - len(labels)) <= 1 and curves.pose is not None
    assert curves.meta["model"] == "default.pth" and curves.meta["styles"][0]["path"] == "preset:happy"
    from PIL import Image

    assert Image.open(demo_out / "demo_curves.png").size[0] > 800


@pytest.mark.slow
def test_preview_has_video_and_audio(demo_out):
    curves = load_curves(demo_out / "demo_curves.npz")
    with av.open(str(demo_out / "demo_preview.mp4")) as c:
        n = sum(1 for _ in c.decode(video=0))
    with av.open(str(demo_out / "demo_preview.mp4")) as c:
        assert c.streams.audio and c.streams.video[0].width == 512
    assert n == curves.frames


@pytest.mark.slow
def test_demo_mouth_follows_speech(demo_out):
    curves = load_curves(demo_out / "demo_curves.npz")
    speech = curves.phonemes != 31
    mouth = curves.exp[:, [0, 1, 2]]
    # the mouth moves more while speaking than in the pauses
    assert np.abs(np.diff(mouth[speech], axis=0)).mean() > np.abs(np.diff(mouth[~speech], axis=0)).mean()
