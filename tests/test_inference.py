"""The user-level call: labels and styles -> curves moved to the sound, closed on bilabials, recorded
in their meta; non-finite output refused; presets and the default checkpoint named in one line."""

import dataclasses

import numpy as np
import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.labels import PHONEME_IDS
from styletalk_core.formats.layout import FPS
from styletalk_core.formats.style import StyleSpec
from styletalk_core.inference import (
    DEFAULT_CHECKPOINT,
    Made,
    curves_from_expression,
    generate_curves,
    preset_code,
    resolve_checkpoint,
)
from styletalk_core.settings import MODEL_SYNC_MS, GenerateSettings

from .conftest import shared_path

LABELS = np.array([PHONEME_IDS[p] for p in ["SIL"] * 4 + ["HH", "AH", "L", "OW"] * 3 + ["M", "M", "SIL", "SIL"]])


def test_curves_are_moved_to_the_sound_and_say_what_made_them(random_generator):
    style = StyleSpec(shared_path("parity", "styletalk_case1_style.mat"))
    exact = GenerateSettings(sync_offset_ms=-MODEL_SYNC_MS, lip_closure=False)  # the network's own timing
    plain = generate_curves(LABELS, [style], exact, generator=random_generator)
    later = generate_curves(LABELS, [style], dataclasses.replace(exact, sync_offset_ms=-MODEL_SYNC_MS + 2000 / FPS),
                            generator=random_generator)  # fmt: skip
    assert plain.exp.shape == (len(LABELS), 64) and plain.fps == FPS and np.isfinite(plain.exp).all()
    np.testing.assert_allclose(later.exp[2:], plain.exp[:-2], atol=1e-5)  # two frames later, the start held
    meta = plain.meta
    assert meta["model"] == "styletalk_random_ckpt.pth" and meta["styles"][0]["path"] == str(style.path)
    assert meta["sync"]["offset_ms"] == pytest.approx(-MODEL_SYNC_MS) and meta["lip_closure"] is False
    assert np.array_equal(plain.phonemes, LABELS)


def test_non_finite_output_and_unknown_presets_are_one_line(random_generator):
    made = Made([StyleSpec("wild.mat")])
    with pytest.raises(InputError, match="the model produced NaN/inf for style wild.mat"):
        curves_from_expression(np.full((3, 64), np.nan), LABELS[:3], random_generator, made)
    with pytest.raises(InputError, match="no style preset 'grumpy'"):
        preset_code(random_generator, "grumpy")


def test_the_bundled_model_is_the_default_checkpoint(tmp_path):
    assert resolve_checkpoint(None) == DEFAULT_CHECKPOINT and DEFAULT_CHECKPOINT.is_file()
    assert resolve_checkpoint(tmp_path / "mine.pth") == tmp_path / "mine.pth"
