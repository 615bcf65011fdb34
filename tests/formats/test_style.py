"""A style request's checks (formats/style.py), without torch: what the CLI, a batch manifest and the
network's mixing all refuse."""

import math

import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.style import MAX_STRENGTH, StyleSpec, check_style_settings, check_style_weights


def test_weights_are_normalised_to_sum_to_one():
    assert check_style_weights([1, 3], 2) == [0.25, 0.75]
    assert math.isclose(sum(check_style_weights([0.1] * 7, 7)), 1.0)


@pytest.mark.parametrize(
    ("weights", "sources", "said"),
    [
        ([1.0], 2, "2 style clips but 1 style weights"),
        ([1.0, -0.5], 2, "finite, >= 0"),
        ([0.0, 0.0], 2, "positive sum"),
        ([1.0, float("nan")], 2, "finite"),
        ([1e308, 1e308], 2, "finite"),  # each finite, their sum not
    ],
)
def test_weights_that_cannot_mix_are_refused(weights, sources, said):
    with pytest.raises(InputError, match=said):
        check_style_weights(weights, sources)


def test_settings_need_a_style_and_a_finite_strength():
    with pytest.raises(InputError, match="at least one style"):
        check_style_settings([], 1.0)
    for strength in (float("inf"), float("nan"), MAX_STRENGTH * 2):
        with pytest.raises(InputError, match="--style-strength"):
            check_style_settings([StyleSpec("a.mat")], strength)
    check_style_settings([StyleSpec("preset:happy", 2.0), StyleSpec("a.mat", 0.0)], -MAX_STRENGTH)
    assert StyleSpec("preset:happy").preset == "happy" and StyleSpec("a.mat").preset is None
