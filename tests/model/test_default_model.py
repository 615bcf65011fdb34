"""The bundled default model lip-syncs the bundled example: under every style preset the lips close on
each B/M/P run and the mouth is clearly more open on open vowels than on B/M/P and F/V (the model
shipped before the phoneme prior closed on 2 of the 3 runs, with 1.8 px between AA and B/M/P)."""

import numpy as np
import pytest

from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.labels import load_phoneme_labels
from styletalk_core.inference import load_model, preset_code
from styletalk_core.model.generate import generate_expression
from styletalk_core.resources import EXAMPLES
from styletalk_core.training.lipsync import bilabial_closure, opening, viseme_openings


@pytest.mark.slow
def test_bundled_model_closes_on_bilabials_under_every_preset():
    gen, face = load_model(), load_face_model()
    assert gen.model.config.phoneme_prior and gen.model.config.style_level
    ids = load_phoneme_labels(EXAMPLES / "hello_seq.json")
    for name in gen.style_presets:
        open_ = opening(generate_expression(gen.model, ids, preset_code(gen, name)), face)
        assert np.isfinite(open_).all()
        assert bilabial_closure(open_, ids) == 1.0, name
        v = viseme_openings(open_, ids)
        assert v["AA/AE/AY"] - max(v["B/M/P"], v["F/V"]) > 3.0, (name, v)


@pytest.mark.slow
def test_the_calibrated_mouth_leads_exact_phone_timings_by_one_frame():
    """A phone track with exact timings (runs of lips closed, open, rounded and spread phones, and
    pauses, of random lengths): the default model's mouth opening follows the phones' openness best
    3 frames early at the network's own timing, and 1 frame early in the curves (MODEL_SYNC_MS)."""
    from styletalk_core.formats.labels import PHONEME_IDS
    from styletalk_core.formats.style import StyleSpec
    from styletalk_core.inference import generate_curves
    from styletalk_core.settings import MODEL_SYNC_MS, GenerateSettings
    from styletalk_core.training.lipsync import best_lag_r

    openness = {"SIL": 0.0, "P": 0.0, "B": 0.0, "M": 0.0, "AA": 1.0, "AE": 0.9, "OW": 0.5, "IY": 0.45, "S": 0.2}
    rng = np.random.default_rng(3)
    names = [rng.choice(list(openness)) for _ in range(120)]
    runs = [(n, int(rng.integers(2, 8))) for n in names]
    ids = np.concatenate([np.full(k, PHONEME_IDS[n]) for n, k in runs])
    truth = np.concatenate([np.full(k, openness[n]) for n, k in runs])
    model, face = load_model(), load_face_model()
    for offset, lead in ((-MODEL_SYNC_MS, -3), (0.0, -1)):
        curves = generate_curves(
            ids, [StyleSpec("preset:neutral")], GenerateSettings(sync_offset_ms=offset), generator=model
        )
        r, lag = best_lag_r(opening(curves.exp, face), truth, max_lag=6)
        assert lag == lead and r > 0.5, (offset, lag, r)
