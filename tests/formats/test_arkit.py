"""ARKit's 52 names: Apple's, in Live Link's order; spellings matched, and what does not match reported."""

import pytest

from styletalk_core.formats.arkit import (
    ARKIT_NAMES,
    LIVE_LINK_HEADER,
    match_arkit_names,
    normalise_name,
)


def test_arkit_names_are_apples_52_in_live_link_order():
    assert len(ARKIT_NAMES) == 52 and len(set(ARKIT_NAMES)) == 52
    assert ARKIT_NAMES[:2] == ("eyeBlinkLeft", "eyeLookDownLeft") and ARKIT_NAMES[17] == "jawOpen"
    assert ARKIT_NAMES[-1] == "tongueOut" and LIVE_LINK_HEADER[:3] == ("Timecode", "BlendShapeCount", "EyeBlinkLeft")
    assert LIVE_LINK_HEADER[-9:-6] == ("HeadYaw", "HeadPitch", "HeadRoll")


@pytest.mark.parametrize("spelling", ["jawOpen", "JawOpen", "jaw_open", "Jaw Open", "JAWOPEN"])
def test_jaw_spellings_match(spelling):
    assert normalise_name(spelling) == normalise_name("jawOpen")


def test_matching_reports_unmatched_and_duplicates():
    mapping, unmatched, duplicates = match_arkit_names(
        ["mouthSmile_L", "MouthSmileRight", "jaw_open", "JawOpen", "Basis", "hat"]
    )
    assert mapping == {"mouthSmileLeft": ["mouthSmile_L"], "mouthSmileRight": ["MouthSmileRight"]}
    assert unmatched == ["Basis", "hat"] and duplicates == {"jawOpen": ["jaw_open", "JawOpen"]}
