"""The ARKit panel's operators: characters that cannot take the weights are reported and left alone."""

import pytest


@pytest.mark.slow
def test_arkit_bad_characters_are_reported_and_left_alone(arkit_results):
    r, _ = arkit_results
    assert "of its 1 shape keys none has an ARKit name; the table is unchanged" in r["cube"]
    assert "no shape key is mapped" in r["cube_apply"] and r["cube_actions_added"] == 0
    assert r["cube_table_after_failed_match"] == 0  # a failed match writes no table
    assert "of its 3 shape keys only ambiguously" in r["only_duplicates"]
    assert r["spaced_match"] == r["spaced_apply"] == "{'FINISHED'}" and r["spaced_keyed"]
    assert "not an ARKit JSON" in r["bad_arkit_json"] or "52 ARKit names" in r["bad_arkit_json"]
    assert "'exp'" not in r["bad_arkit_json"] and r["bad_arkit_json_actions_added"] == 0
    assert r["duplicates_mapped"] == {"mouthSmileLeft": "mouthSmile_L"}  # jawOpen/JawOpen: ambiguous, left out
    assert r["face_with_arkit_keys"] == 1 + 64 + 52  # our face, optionally with ARKit keys for .glb/FBX
