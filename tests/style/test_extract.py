"""Style video -> expression clip with real MediaPipe on the official sample videos."""

import av
import numpy as np
import pytest
import scipy.io

from styletalk_core.cli import main
from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.curves import load_curves
from styletalk_core.formats.errors import InputError
from styletalk_core.formats.layout import LOWER_INDICES
from styletalk_core.style.clip import load_expression, load_pose
from styletalk_core.style.extract import fill_lost_frames

from .. import hostile
from ..conftest import style_video_with_coefficients


def test_extract_style_mat_matches_official_mouth(shared, tmp_path):
    video, mat = style_video_with_coefficients(seen_by_face_model=True)
    official = load_expression(mat)
    out = tmp_path / "clip.mat"
    assert main(["extract-style", str(video), "-o", str(out)]) == 0
    mat = scipy.io.loadmat(out)
    assert mat["coeff"].shape == (len(official), 257) and mat["transform_params"].shape == (len(official), 5)
    exp = load_expression(out)
    pose = load_pose(out)
    assert np.isfinite(pose).all() and np.abs(pose[:, :3]).max() < 1.0  # angles in radians
    a, b = exp - exp.mean(0), official - official.mean(0)
    r = (a * b).sum(0) / np.sqrt((a * a).sum(0) * (b * b).sum(0))
    # jaw-opening dim; the face model saw this clip, so this checks the pipeline, not generalisation
    assert r[0] > 0.6 and r[list(LOWER_INDICES)].mean() > 0.4
    # the clip's level is estimated from its mean shape: nearer the official level than the prior
    lower = list(LOWER_INDICES)
    prior = load_face_model().exp_mean
    est_err = np.abs(exp.mean(0) - official.mean(0))[lower].mean()
    assert est_err < np.abs(prior - official.mean(0))[lower].mean()


def test_generate_with_a_video_style(shared, tmp_path):
    video, _ = style_video_with_coefficients()
    phon = tmp_path / "p_seq.json"
    phon.write_text("[31, 31, 2, 2, 2, 21, 21, 31]")
    out = tmp_path / "c.npz"
    assert main(["generate", "--phonemes", str(phon), "--style", str(video), "-o", str(out)]) == 0
    assert load_curves(out).frames == 8


def test_no_face_is_a_clear_error(tmp_path, capsys):
    video = tmp_path / "noise.mp4"
    with av.open(str(video), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width = s.height = 128
        s.pix_fmt = "yuv420p"
        rng = np.random.default_rng(0)
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 255, (128, 128, 3), dtype=np.uint8), format="rgb24")
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    out = tmp_path / "x.mat"
    assert main(["extract-style", str(video), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no face found" in err and "noise.mp4" in err and not out.exists()


def test_lost_frames_are_interpolated():
    pts = np.zeros((4, 468, 3), np.float32)
    pts[0], pts[3] = 0.0, 3.0
    pts[1:3] = np.nan
    filled, lost = fill_lost_frames(pts, "x")
    assert lost == 2 and np.allclose(filled[:, 0, 0], [0, 1, 2, 3])
    with pytest.raises(InputError, match="no face"):
        fill_lost_frames(np.full((2, 468, 3), np.nan), "x")


@pytest.mark.slow
def test_style_videos_at_other_rates_become_30_fps_clips(shared, tmp_path):
    """A 25 or 60 fps video gives a clip at the toolkit's 30 fps over the same duration, with the
    video's own rate recorded."""
    from styletalk_core.formats.timebase import resample

    video, _ = style_video_with_coefficients()
    clips = {}
    for rate in (30, 25, 60):
        out = tmp_path / f"clip{rate}.npz"
        assert (
            main(
                [
                    "extract-style",
                    str(hostile.reencoded(video, tmp_path / f"v{rate}.mp4", rate, lossless=True)),
                    "-o",
                    str(out),
                ]
            )
            == 0
        )
        with np.load(out) as z:
            clips[rate] = (z["exp"], float(z["source_fps"]))
    raw = clips[30][0]  # the same pictures at 30 fps: nothing resampled
    assert len(raw) == 40 and clips[30][1] == 30
    assert clips[60][1] == 60 and len(clips[60][0]) == 20  # 39/60 s -> 20 frames at 30 fps
    np.testing.assert_allclose(clips[60][0], raw[::2], atol=1e-4)
    assert clips[25][1] == 25 and len(clips[25][0]) == 47  # 39/25 s -> 47 frames at 30 fps
    np.testing.assert_allclose(clips[25][0], resample(raw, 25, 30)[1], atol=1e-4)
    mat = tmp_path / "clip25.mat"
    assert main(["extract-style", str(tmp_path / "v25.mp4"), "-o", str(mat)]) == 0
    m = scipy.io.loadmat(mat)
    assert m["coeff"].shape == (47, 257) and float(m["source_fps"].squeeze()) == 25
