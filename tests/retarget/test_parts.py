"""Which part is which: roles from the names DCC tools and rigs give parts, the face chosen by its
facial keys (or the user's choice kept), and the helpers rendered with it found within its bounds."""

import numpy as np
import pytest

from styletalk_core.formats.character import Character, Part
from styletalk_core.formats.errors import InputError
from styletalk_core.retarget.parts import classify, helpers_near, role_by_name


def _part(name: str, centre=(0.0, 0.0, 0.0), size=1.0, keys=(), verts=8) -> Part:
    corners = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).reshape(3, -1).T[:verts] * size / 2 + centre
    return Part(name, corners.astype(np.float64), np.array([[0, 1, 2]]), np.eye(4), target_names=tuple(keys))


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("LeftEye_GEO", "eyes"),
        ("CC_Base_Teeth", "teeth"),
        ("Tongue01", "tongue"),
        ("eyelashes", "brows"),
        ("HairCards", "hair"),
        ("Head_Mesh", "face"),
        ("Body", "body"),
        ("Props", "other"),
    ],
)
def test_roles_come_from_the_words_of_a_name(name, role):
    assert role_by_name(name) == role


def test_the_face_is_the_part_with_facial_keys_or_the_one_the_user_chose():
    body = _part("Body", size=4.0, verts=8)
    head = _part("Mesh.001", keys=("jawOpen", "mouthSmile_L", "eyeBlink_R"))
    eyes = _part("Eyes", size=0.2)
    character = Character("character", [body, head, eyes])
    assert classify(character) is head and (body.role, eyes.role) == ("body", "eyes")
    body.role = "face"  # chosen by the user (the active object in Blender)
    assert classify(character) is body and head.role == "other"  # the chosen part stays the face
    with pytest.raises(InputError, match="^empty: has no mesh with faces"):
        classify(Character("empty", []))


def test_helpers_are_the_ones_within_the_faces_bounds():
    face = _part("Head", size=2.0)
    near, far = _part("Eye_L", centre=(0.3, 0.2, 0.5), size=0.2), _part("Eye_R_other", centre=(9, 9, 9), size=0.2)
    character = Character("character", [face, near, far])
    classify(character)
    assert helpers_near(character, face) == [near]
