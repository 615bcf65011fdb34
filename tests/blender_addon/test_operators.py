"""The add-on's operators in Blender 5.0 and 4.2: Generate with a transcript and a language keys in sync with the
sound; bad input is reported and leaves the scene as it was."""

import pytest


@pytest.mark.slow
def test_generate_with_a_transcript_and_a_language_keys_in_sync_with_the_sound(blender_results):
    """Generate on Spanish speech with its transcript (Blender 5.0 and 4.2): keys and a sound strip at
    the start frame; a sync offset of 100 ms moves the keys 3 frames later; Arabic text for Japanese is
    one line and no action."""
    r, _ = blender_results
    assert r["generate_0"] == "{'FINISHED'}" and r["generate_100"] == "{'FINISHED'}", r
    assert r["generate_sound"] == ([["hola.wav", 1]] if r["audio_support"] else [])
    assert r["generate_moved"] < 1e-4 < r["generate_unmoved"]
    assert "Arabic script" in r["generate_wrong_script"] and r["generate_wrong_script_actions"] == 0


@pytest.mark.slow
def test_bad_input_reports_and_leaves_scene_unchanged(blender_results):
    r, _ = blender_results
    assert "no active mesh" in r["no_mesh"]
    assert "has no shape keys" in r["no_keys"]
    assert "(5, 32)" in r["wrong_dims.npz"] and "unsupported" in r["not_curves.txt"]
    assert "not found" in r["missing.npz"]
    assert r["actions_after_bad"] == 0
