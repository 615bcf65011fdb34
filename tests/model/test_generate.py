"""Style mixing and strength: documented semantics and a measurable effect on the output."""

import numpy as np
import pytest
import torch

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.style import StyleSpec
from styletalk_core.inference import generate_curves
from styletalk_core.model.generate import apply_strength, mix_style_codes, neutral_style_code, style_codes
from styletalk_core.settings import MODEL_SYNC_MS, GenerateSettings
from styletalk_core.style.clip import load_expression

from ..conftest import sample_files, shared_path


def test_mix_weights_are_normalised():
    a, b = torch.ones(1, 4), torch.zeros(1, 4)
    torch.testing.assert_close(mix_style_codes([a, b], [3, 1]), torch.full((1, 4), 0.75))
    torch.testing.assert_close(mix_style_codes([a, b], [1, 0]), a)
    with pytest.raises(InputError):
        mix_style_codes([a, b], [0, 0])
    with pytest.raises(InputError):
        mix_style_codes([a, b], [1])


def test_strength_is_linear_about_neutral():
    code, neutral = torch.tensor([[2.0, 4.0]]), torch.tensor([[1.0, 1.0]])
    torch.testing.assert_close(apply_strength(code, neutral, 0.0), neutral)
    torch.testing.assert_close(apply_strength(code, neutral, 1.0), code)
    torch.testing.assert_close(apply_strength(code, neutral, 2.0), torch.tensor([[3.0, 7.0]]))


def test_strength_and_mixing_change_the_curves(shared, random_generator, parity_case):
    ids = parity_case["phoneme_ids"]
    style_a = shared_path("parity", "styletalk_case1_style.mat")
    style_b = sample_files("style_clips/3DMM", "*.mat")[0]

    def run(styles, strength=1.0):
        settings = GenerateSettings(style_strength=strength, sync_offset_ms=-MODEL_SYNC_MS)
        return generate_curves(ids, styles, settings, generator=random_generator).exp

    base = run([StyleSpec(style_a)])
    np.testing.assert_allclose(base, parity_case["exp"], atol=1e-5)
    neutral = run([StyleSpec(style_a)], strength=0.0)
    strong = run([StyleSpec(style_a)], strength=2.0)
    other = run([StyleSpec(style_b)])
    half = run([StyleSpec(style_a, 1.0), StyleSpec(style_b, 1.0)])
    assert np.abs(strong - base).mean() > 1e-3 and np.abs(neutral - base).mean() > 1e-3
    # strength 0 is the style of a still neutral face
    m = random_generator.model
    code0 = neutral_style_code(m)
    code_a = style_codes(m, [load_expression(style_a)])
    torch.testing.assert_close(apply_strength(code_a, code0, 0.0), code0)
    # an equal mix lies between the two styles
    assert np.abs(half - base).mean() > 1e-3 and np.abs(half - other).mean() > 1e-3


def test_curves_follow_the_sound_by_the_calibration_plus_the_users_offset(shared, random_generator, parity_case):
    """The network's output moved MODEL_SYNC_MS (2 frames) later by default, a user's offset on top
    (positive later, fractions of a frame between frames), recorded in the meta; out of range refused."""
    from styletalk_core.formats.layout import FPS
    from styletalk_core.formats.timebase import shifted

    ids, style = parity_case["phoneme_ids"], [StyleSpec(shared_path("parity", "styletalk_case1_style.mat"))]

    def run(offset):
        return generate_curves(ids, style, GenerateSettings(sync_offset_ms=offset), generator=random_generator)

    raw = run(-MODEL_SYNC_MS).exp
    default = run(0.0)
    assert MODEL_SYNC_MS * FPS / 1000 == pytest.approx(2.0)
    np.testing.assert_array_equal(default.exp[2:], raw[:-2])
    np.testing.assert_array_equal(default.exp[:2], raw[[0, 0]])  # the first frame held
    assert default.meta["sync"] == {"model_ms": round(MODEL_SYNC_MS, 3), "offset_ms": 0.0}
    half = run(1000 / FPS / 2).exp  # half a frame more: between frames
    np.testing.assert_allclose(half, shifted(raw, 2.5), atol=1e-6)
    np.testing.assert_allclose(run(-1000 / FPS * 3).exp[:-1], raw[1:], atol=1e-6)  # earlier than the network
    for bad in (float("nan"), 1e6, -2500.0):
        with pytest.raises(InputError, match="sync offset"):
            run(bad)
