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
