"""The layout of curves and coefficients: 64 expression and 9 pose values per frame at 30 fps, the mouth's
dims and the upper face's splitting the 64, and the official coefficient slices."""

import numpy as np

from styletalk_core.formats.layout import (
    ANGLE_SLICE,
    COEFF_DIM,
    DRIVING_DIM,
    EXP_NAMES,
    EXP_SLICE,
    FPS,
    LOWER_INDICES,
    POSE_NAMES,
    TRANS_SLICE,
    UPPER_INDICES,
    driving_array,
)


def test_the_mouth_and_the_upper_face_split_the_expression():
    assert sorted(LOWER_INDICES + UPPER_INDICES) == list(range(64)) and not set(LOWER_INDICES) & set(UPPER_INDICES)
    assert len(EXP_NAMES) == 64 and EXP_NAMES[7] == "exp07" and len(POSE_NAMES) == 9 and FPS == 30


def test_official_coefficients_and_the_driving_array():
    coeff = np.arange(COEFF_DIM)
    assert len(coeff[EXP_SLICE]) == 64 and len(coeff[ANGLE_SLICE]) == 3 and coeff[TRANS_SLICE][-1] == COEFF_DIM - 1
    driving = driving_array(np.ones((4, 64), np.float64), np.zeros((4, 9)))
    assert driving.shape == (4, DRIVING_DIM) and driving.dtype == np.float32 and driving[:, :64].all()
    assert not driving[:, 64:].any()
