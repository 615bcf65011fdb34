"""`styletalk preview`: the face mesh animated by a curves file, one video frame per curves frame, with
the sound when given."""

import numpy as np
import pytest

from styletalk_core.cli import main

from ..conftest import REPO


@pytest.mark.slow
def test_a_preview_has_a_frame_per_curves_frame_and_the_sound(tmp_path):
    av = pytest.importorskip("av")
    pytest.importorskip("pyrender")
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=np.zeros((12, 64), np.float32), fps=np.float32(30))
    out = tmp_path / "p.mp4"
    hello = REPO / "styletalk_core" / "data" / "examples" / "hello.wav"
    argv = ["preview", "--curves", str(curves), "--audio", str(hello), "--size", "64", "-o", str(out)]
    assert main([*argv, "--progress", "none"]) == 0
    with av.open(str(out)) as video:
        assert sorted(s.type for s in video.streams) == ["audio", "video"]
        frames = [f.to_ndarray(format="rgb24") for f in video.decode(video=0)]
    assert len(frames) == 12 and frames[0].shape == (64, 64, 3) and frames[0].std() > 1  # a face, not a blank
