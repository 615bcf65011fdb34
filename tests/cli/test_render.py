"""`styletalk render` writes an mp4 with the sound."""

import numpy as np
import pytest

from styletalk_core.cli import main

from ..conftest import labelled_clips, official_sample, shared_path
from ..renderer.conftest import _case_curves


@pytest.mark.slow
def test_render_cli_writes_mp4_with_audio(shared, tmp_path, renderer_case):
    import av

    out = tmp_path / "render.mp4"
    wav = labelled_clips()[0][0]
    rc = main(
        [
            "render",
            "--curves",
            str(_case_curves(tmp_path, renderer_case)),
            "--image",
            str(official_sample(str(renderer_case["source_image_file"]))),
            "--renderer",
            str(shared_path("parity", "renderer_random_ckpt.pth")),
            "--audio",
            str(wav),
            "--batch",
            "2",
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.width, v.height) == (256, 256) and v.average_rate == 30
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        assert len(frames) == 3
        assert len(c.streams.audio) == 1 and c.streams.audio[0].codec_context.name == "aac"
        assert c.streams.audio[0].duration * c.streams.audio[0].time_base <= 0.15  # trimmed to 0.1 s
    # lossy encode: close to the exact frames (PSNR-style bound)
    mse = np.mean((frames[0].astype(float) - renderer_case["frames_uint8"][0]) ** 2)
    assert 10 * np.log10(255**2 / mse) > 25
