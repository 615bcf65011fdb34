"""The network's configuration: the official preset, the options our checkpoints add (and the width of
the style code they need), and the round trip through a checkpoint's dictionary."""

import json

import pytest

from styletalk_core.model.config import StyleTalkConfig


def test_the_official_preset_and_the_options_our_checkpoints_add():
    official = StyleTalkConfig.official()
    assert official.window == 11 and official.style_code_dim == official.d_model == 256
    assert not official.style_level and not official.phoneme_prior
    both = StyleTalkConfig(style_level=True, phoneme_prior=True)
    assert both.style_code_dim == 256 + 64 + 1


def test_a_config_round_trips_through_json_and_unknown_keys_are_refused():
    small = StyleTalkConfig(d_model=32, nhead=2, style_level=True)
    back = StyleTalkConfig.from_dict(json.loads(json.dumps(small.to_dict())))  # as a checkpoint stores it
    assert back == small and isinstance(back.upper_indices, tuple)
    with pytest.raises(ValueError, match=r"unknown config keys: \['wings'\]"):
        StyleTalkConfig.from_dict({**small.to_dict(), "wings": 2})
