"""The add-on's keyframe maths: retiming, key coordinates, names, and Blender's axes keeping the winding."""

import numpy as np
from styletalk_addon.styletalk import keys  # the add-on's pure modules, from its source: no bpy import


def test_retime_and_coords():
    f = keys.retime(4, 30, 24, 10)
    np.testing.assert_allclose(f, [10, 10.8, 11.6, 12.4])
    co = keys.keyframe_coords(f, np.array([1, 2, 3, 4.0]))
    np.testing.assert_allclose(co, [10, 1, 10.8, 2, 11.6, 3, 12.4, 4], rtol=1e-6)
    assert keys.frame_range(f) == (10, 13)
    assert keys.unique_name("StyleTalk", {"StyleTalk", "StyleTalk.001"}) == "StyleTalk.002"
    assert keys.shape_key_names()[:2] == ["exp00", "exp01"] and len(keys.shape_key_names()) == 64
    assert keys.data_path("exp07") == 'key_blocks["exp07"].value'


def test_blender_axes_keep_winding():
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float)  # image frame; normal +z (away from camera)
    b = keys.face_vertices_to_blender(v, scale=1)
    n = np.cross(b[1] - b[0], b[2] - b[0])
    assert n[1] > 0 and abs(n[0]) < 1e-9 and abs(n[2]) < 1e-9  # away from camera = +Y in Blender
