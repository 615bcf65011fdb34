"""How faithfully ARKit weights carry our face's motion, on real clips."""

import numpy as np

from styletalk_core.face.face_model import load_face_model
from styletalk_core.retarget.arkit import load_arkit_basis
from styletalk_core.retarget.fidelity import clip_scores
from styletalk_core.style.clip import load_expression

from ..conftest import sample_files


def test_fidelity_on_real_clips(shared):
    """The official coefficients of the sample source clips survive the trip through ARKit."""
    face, basis = load_face_model(), load_arkit_basis()
    scores = [clip_scores(load_expression(m), face, basis) for m in sample_files("source_video/3DMM", "*.mat")]
    assert np.mean([s.open_r for s in scores]) >= 0.95
    assert np.mean([s.lip_err for s in scores]) <= 0.30
    assert np.mean([s.blink_r for s in scores]) > 0.5
