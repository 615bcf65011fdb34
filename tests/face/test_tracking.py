"""Face tracking over a video: chunks cover every frame once, two trackers agree with one, a corrupt video fails
cleanly, landmarks read from their bytes."""

import numpy as np
import pytest

from styletalk_core.formats.errors import InputError

from .. import hostile
from ..conftest import style_video_with_coefficients


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
