"""The style yardsticks on the bundled model: two presets apart in the upper face (a preset against
itself not at all), codes grouped by style over the styles with two clips or more, and the style clip's
level carried over."""

import math

import numpy as np
import pytest

from styletalk_core.formats.labels import PHONEME_IDS
from styletalk_core.inference import load_model
from styletalk_core.training.dataset import Clip
from styletalk_core.training.style_measures import level_carried, preset_difference, style_accuracy

IDS = np.array([PHONEME_IDS[p] for p in ["SIL", "HH", "AH", "L", "OW", "M", "AA", "SIL"] * 4])


@pytest.fixture(scope="module")
def bundled():
    return load_model(device="cpu")


def test_presets_are_apart_and_a_preset_is_not_apart_from_itself(bundled):
    assert preset_difference(bundled, IDS, "happy", "happy") == 0.0
    assert preset_difference(bundled, IDS, "happy", "sad") > 0.01


def test_styles_need_two_clips_to_be_grouped(bundled):
    rng = np.random.default_rng(0)
    clips = [Clip(f"c{i}", style, style, rng.normal(scale=0.5, size=(40, 64)).astype(np.float32) + k, None)
             for i, (style, k) in enumerate([("a", 0.0), ("a", 0.0), ("b", 2.0), ("b", 2.0), ("c", -2.0)])]  # fmt: skip
    accuracy, used, styles = style_accuracy(bundled, clips)
    assert (used, styles) == (4, 2) and 0.0 <= accuracy <= 1.0
    assert math.isnan(style_accuracy(bundled, clips[-1:])[0])


def test_the_level_carried_is_a_finite_share(bundled):
    clip = np.zeros((40, 64), np.float32)
    carried = level_carried(bundled, IDS, clip)
    assert math.isfinite(carried) and carried == level_carried(bundled, IDS, clip)  # seeded: the same each time
