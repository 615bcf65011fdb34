"""The renderer's batch outputs: the preview written with a take's audio, the render's weights and
precision refused before any take, a take's reference image checked before work, and writers that
travel to a cluster's workers (they pickle, and say they want a GPU)."""

import pickle
from types import SimpleNamespace

import numpy as np
import pytest
from styletalk_renderer.batch import preview_writer, render_writer

from styletalk_core.formats.curves import Curves
from styletalk_core.formats.errors import StyleTalkError

from ..conftest import REPO, shared_path

HELLO = REPO / "styletalk_core" / "data" / "examples" / "hello.wav"
WEIGHTS = ("parity", "renderer_random_ckpt.pth")


def test_a_preview_is_written_with_the_takes_audio(tmp_path):
    av = pytest.importorskip("av")
    pytest.importorskip("pyrender")
    out = tmp_path / "preview.mp4"
    preview_writer().write(Curves(exp=np.zeros((4, 64), np.float32)), out, SimpleNamespace(audio=str(HELLO)))
    with av.open(str(out)) as video:
        assert sorted(s.type for s in video.streams) == ["audio", "video"]
        assert sum(1 for _ in video.decode(video=0)) == 4


def test_render_weights_and_precision_are_refused_before_any_take(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not weights")
    with pytest.raises(StyleTalkError, match="bad.pth"):
        render_writer(bad)
    with pytest.raises(StyleTalkError, match="fp16 needs a CUDA device"):
        render_writer(bad, device="cpu", precision="fp16")


def test_a_render_writer_travels_to_a_worker_and_checks_each_takes_image(shared, tmp_path):
    writer = render_writer(shared_path(*WEIGHTS), device="cpu")
    assert writer.gpu and len(writer.key) == 64
    again = pickle.loads(pickle.dumps(writer))  # what a cluster sends to its workers
    assert again.key == writer.key
    (tmp_path / "face.png").write_bytes(b"not an image")
    with pytest.raises(StyleTalkError, match="face.png: not a readable image"):
        writer.check(SimpleNamespace(image=str(tmp_path / "face.png")))
