"""Keys in: the keyframes equal the curves and survive a save and reload."""

import pytest


@pytest.mark.slow
def test_keyframes_equal_curves_and_survive_reload(blender_results):
    r, _ = blender_results
    assert r["import"] == "{'FINISHED'}"
    assert r["actions"] == ["StyleTalk", "StyleTalk.001"]  # never overwrites
    assert r["max_err"] < 1e-5 and r["max_err_reloaded"] < 1e-5
    assert r["frame_range"] == [10, 10 + round(89 * 24 / 30 + 0.5)]
    # the PyPI bpy 4.2.0 build has no audio: the import still succeeds, with a warning
    assert r["sound_strips"] == (2 if r["audio_support"] else 0) and r["action_reloaded"] == "StyleTalk.001"
    assert r["legacy_path"] == [['key_blocks["exp00"].value'], True]
    assert r["start_clamped"] == 0 and "Blender's frames are 0 to 1048574" in r["too_late"]
    assert r["too_late_changed"] == [0, False]
    assert r["not_audio"] == "{'FINISHED'}" and r["not_audio_strips_added"] == 0
