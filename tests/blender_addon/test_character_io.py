"""Real characters through the add-on, in Blender 5.0 and 4.2: a glTF head with eyes and teeth of their own gets
keys on its skin, separate lower teeth follow the face's keys and the upper stay, a full body gets keys on its
face found head first."""

import pytest


@pytest.mark.slow
def test_a_head_with_eyes_and_teeth_as_objects_of_their_own_from_gltf_gets_keys_on_its_skin(real_characters):
    r = real_characters
    assert r["parts"] == "{'FINISHED'}", r
    assert r["parts_fit"].startswith("face found by detection") and r["parts_keys"] == 64 + 1
    assert r["parts_changed"] == ["Skin", "Teeth"]  # the eyes as they were


@pytest.mark.slow
def test_separate_lower_teeth_follow_the_faces_keys_and_the_upper_stay(real_characters):
    r = real_characters
    assert r["teeth_keys"] == 64 and r["teeth_driven"] == pytest.approx(1.0)  # driven by the Skin's key
    assert r["teeth_moving"] > 100 and r["teeth_still"] > 100 and r["teeth_moving_lower"], r


@pytest.mark.slow
def test_a_full_body_gets_keys_on_its_face_found_head_first(real_characters):
    r = real_characters
    assert r["body_mask"] == "{'FINISHED'}" and r["body_mask_height"] > 0.8  # the mask at the head, not the hips
    assert r["body"] == "{'FINISHED'}", r
    assert "detection (top" in r["body_fit"] and r["body_keys"] >= 64 + 1
    body = [k for k in r["body_changed"] if k != "objects"]
    assert len(body) == 1 and "objects" not in r["body_changed"]  # only the body's keys; nothing else
