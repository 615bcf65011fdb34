"""Style mixing and strength: documented semantics and a measurable effect on the output."""

import numpy as np
import pytest
import torch

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.style import StyleSpec
from styletalk_core.inference import generate_curves
from styletalk_core.model.generate import apply_strength, mix_style_codes, neutral_style_code, style_codes
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


def test_strength_and_mixing_change_the_curves(random_generator, parity_case):
    ids = parity_case["phoneme_ids"]
    style_a = shared_path("parity", "styletalk_case1_style.mat")
    style_b = sample_files("style_clips/3DMM", "*.mat")[0]

    def run(styles, strength=1.0):
        return generate_curves(ids, styles, strength=strength, generator=random_generator).exp

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
