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


def test_chunks_cover_every_frame_once():
    from styletalk_core.face.tracking import MIN_CHUNK_FRAMES, WARM_UP_FRAMES, Chunk, plan_chunks

    assert plan_chunks(250, 1) == [Chunk(0, 0, None)]
    assert plan_chunks(2 * MIN_CHUNK_FRAMES - 1, 2) == [Chunk(0, 0, None)]  # too short to split
    assert plan_chunks(0, 2) == [Chunk(0, 0, None)]  # the container does not say: one tracker to the end
    assert plan_chunks(250, 2) == [Chunk(0, 0, 125), Chunk(125 - WARM_UP_FRAMES, 125, None)]
    three = plan_chunks(300, 3)
    assert [c.start for c in three] == [0, 100, 200] and [c.stop for c in three] == [100, 200, None]


@pytest.mark.slow
def test_two_trackers_agree_with_one(shared, monkeypatch):
    """A video tracked in two chunks (two MediaPipe trackers on two threads): the first chunk is the
    one-tracker result exactly; the second, after its warm-up, within a pixel or so."""
    from styletalk_core.face import tracking

    video, _ = style_video_with_coefficients(seen_by_face_model=True)
    runs = {}
    for threads in (1, 2):
        monkeypatch.setattr(tracking, "cpu_threads", lambda n=threads: n)
        seen = []
        report = lambda done, total, into=seen: into.append((done, total))  # noqa: E731
        runs[threads] = tracking.track_landmarks(video, progress=report)
        n = len(runs[threads][0])
        assert seen == [(i, n) for i in range(1, n + 1)]
    (one, size1), (two, size2) = runs[1], runs[2]
    chunks = tracking.plan_chunks(tracking.frame_count(video), 2)
    assert len(chunks) == 2 and one.shape == two.shape and size1 == size2
    split = chunks[1].start
    np.testing.assert_array_equal(two[:split], one[:split])
    diff = np.abs(two[split:] - one[split:])[..., :2]
    assert np.nanmean(diff) < 0.3 and np.nanmax(diff) < 3.0, (np.nanmean(diff), np.nanmax(diff))


def test_a_corrupt_video_fails_cleanly_with_two_trackers(shared, tmp_path, monkeypatch):
    from styletalk_core.face import tracking

    from .. import hostile

    video, _ = style_video_with_coefficients(seen_by_face_model=True)
    broken = hostile.corrupt_video(tmp_path / "broken.mp4", video, frames=160)
    monkeypatch.setattr(tracking, "cpu_threads", lambda: 2)
    assert len(tracking.plan_chunks(tracking.frame_count(broken), 2)) == 2
    with pytest.raises(InputError, match="corrupt at frame"):
        tracking.track_landmarks(broken)


def test_landmarks_read_from_their_bytes_equal_the_attribute_reads():
    from types import SimpleNamespace

    from mediapipe.framework.formats import landmark_pb2

    from styletalk_core.face import tracking
    from styletalk_core.face.tracking import _points

    rng = np.random.default_rng(0)
    values = rng.uniform(-0.2, 1.2, (478, 3)).astype(np.float32)
    values[5] = 0.0  # zeros are still written (proto2 fields that are set)
    listed = landmark_pb2.NormalizedLandmarkList()
    for x, y, z in values:
        listed.landmark.add(x=x, y=y, z=z)
    expected = np.array([(p.x * 640, p.y * 480, p.z * 640) for p in listed.landmark[:468]], np.float32)
    result = SimpleNamespace(multi_face_landmarks=[listed])
    np.testing.assert_array_equal(_points(result, 640, 480), expected)
    assert tracking._read_landmarks is tracking.read_from_bytes
    listed.landmark[3].visibility = 0.5  # another layout: read point by point, the same values
    np.testing.assert_array_equal(tracking.read_from_bytes(listed), tracking.read_by_attribute(listed))
    np.testing.assert_array_equal(_points(result, 640, 480), expected)
    assert np.isnan(_points(SimpleNamespace(multi_face_landmarks=None), 640, 480)).all()


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
