"""Apply to ARKit Character on ICT-FaceKit heads: the character keyed with the solved weights."""

import pytest


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["ict", "live_link"])
def test_arkit_character_keyed_with_the_solved_weights(arkit_results, variant):
    r, _ = arkit_results
    assert r[f"{variant}_match"] == "{'FINISHED'}" and r[f"{variant}_apply"] == "{'FINISHED'}"
    assert r[f"{variant}_generate_targets_it"]  # Generate keys such a character's ARKit keys directly
    assert r[f"{variant}_matched"] == 51  # every ARKit shape but tongueOut, which ICT does not have
    assert r[f"{variant}_brow"].count(",") == 1  # browInnerUp drives both of ICT's halves
    assert r[f"{variant}_max_err"] < 1e-5
    assert r[f"{variant}_targets"] == 53 and r[f"{variant}_weights_animated"]
