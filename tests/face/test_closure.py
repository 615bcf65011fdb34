"""Lips closed on p, b and m: the style's own closing, applied on the bilabial frames only."""

import numpy as np
import pytest

from styletalk_core.face.closure import bilabial_frames, close_bilabials, closing_of
from styletalk_core.face.face_model import load_face_model, mouth_opening
from styletalk_core.formats.labels import PHONEME_IDS, SIL
from styletalk_core.formats.style import StyleSpec
from styletalk_core.training.lipsync import bilabial_closure, opening

P, M, AA = PHONEME_IDS["P"], PHONEME_IDS["M"], PHONEME_IDS["AA"]


def test_the_closing_direction_narrows_the_lips_a_pixel_a_unit_and_a_style_without_one_has_none():
    face = load_face_model()
    closed, open_ = np.zeros(64, np.float32), np.zeros(64, np.float32)
    open_[0] = -2.0  # the jaw coefficient opens the mouth
    closing = closing_of(closed, open_, face)
    gaps = mouth_opening(face.vertices(np.stack([open_, open_ + 3 * closing.direction])))
    assert gaps[0] - gaps[1] == pytest.approx(3.0, abs=1e-3)
    assert closing.closed == pytest.approx(float(mouth_opening(face.vertices(closed[None]))[0]), abs=1e-4)
    assert closing_of(closed, closed, face) is None  # 'M' as open as 'AA': nothing to learn from


def test_bilabial_frames_move_with_the_lead_and_stay_inside():
    ids = np.array([P, SIL, SIL, M, M, SIL, AA, P])
    assert np.flatnonzero(bilabial_frames(ids, 8, 1)).tolist() == [0, 2, 3, 6]
    assert np.flatnonzero(bilabial_frames(ids, 8, -1)).tolist() == [1, 4, 5, 7]
    assert np.flatnonzero(bilabial_frames(ids, 6, 0)).tolist() == [0, 3, 4]
    assert not bilabial_frames(np.full(5, SIL), 5, 1).any()


def test_only_bilabial_frames_change_and_they_reach_the_closed_lips():
    face = load_face_model()
    rng = np.random.default_rng(0)
    exp = rng.normal(0, 0.02, (40, 64)).astype(np.float32)
    exp[:, 0] = -2.0  # every frame open
    closed, open_ = np.zeros(64, np.float32), exp[0].copy()
    closing = closing_of(closed, open_, face)
    ids = np.full(40, AA)
    ids[[5, 6, 20, 39]] = P
    out = close_bilabials(exp, ids, face, closing, lead=1)
    changed = np.flatnonzero(np.abs(out - exp).max(1) > 0)
    assert changed.tolist() == [4, 5, 19, 38]
    assert np.allclose(mouth_opening(face.vertices(out[changed])), closing.closed, atol=1e-3)
    already = close_bilabials(out, ids, face, closing, lead=1)
    assert np.array_equal(already, out)  # lips already closed are left as they are


@pytest.mark.reference
def test_generated_lips_close_on_every_bilabial_and_the_network_alone_misses_some():
    """The default model with labels of short bilabials between open vowels: with lip closure, the lips
    are at the style's closed lips on every one, a frame ahead of the sound as the whole mouth is;
    without it, the network leaves some open."""
    from styletalk_core.inference import closing_for, generate_curves, load_model, preset_code
    from styletalk_core.settings import GenerateSettings

    rng = np.random.default_rng(4)
    runs = [(AA, int(rng.integers(3, 8))) if k % 2 else (rng.choice([P, M, PHONEME_IDS["B"]]), 1) for k in range(61)]
    ids = np.concatenate([np.full(n, p) for p, n in runs])
    model, face = load_model(), load_face_model()
    closed = closing_for(model, preset_code(model, "neutral")).closed
    at = bilabial_frames(ids, len(ids), 1)
    shares, gaps = {}, {}
    for closure in (False, True):
        curves = generate_curves(
            ids, [StyleSpec("preset:neutral")], GenerateSettings(lip_closure=closure), generator=model
        )
        assert curves.meta["lip_closure"] is closure
        gaps[closure] = opening(curves.exp, face)
        shares[closure] = bilabial_closure(gaps[closure], ids)
    assert (gaps[True][at] <= closed + 1e-3).all() and (gaps[False][at] > closed + 1).sum() >= 3
    assert np.array_equal(gaps[True][~at], gaps[False][~at])
    assert shares[True] > shares[False], shares
