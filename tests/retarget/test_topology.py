"""retarget.topology (border loops, the character's own mouth line) and the capped render mesh."""

import numpy as np

from styletalk_core.retarget.correspondence import FrontView, _cast, capped
from styletalk_core.retarget.topology import border, mouth_rims


def _sheet_with_slit(n: int = 21, slit: tuple = (6, 14), row: int = 10):
    """A grid in the xy plane (face towards +z) with an open slit along one row: a mouth with nothing
    behind it. Vertices of the slit's row are doubled so the upper and lower rims are apart."""
    g = np.linspace(-1, 1, n)
    x, y = np.meshgrid(g, g)
    verts = [np.stack([x.ravel(), y.ravel(), np.zeros(n * n)], 1)]
    index = np.arange(n * n).reshape(n, n)
    lower = index.copy()
    cut = np.arange(slit[0] + 1, slit[1])
    lower[row, cut] = n * n + np.arange(len(cut))  # the slit row's twins, for the cells below it
    verts.append(verts[0][index[row, cut]])
    tris = []
    for i in range(n - 1):
        for j in range(n - 1):
            top = index if i >= row else lower  # rows grow upwards (y); cells under `row` use the twins
            a, b, c, d = top[i, j], top[i, j + 1], index[i + 1, j + 1], index[i + 1, j]
            if i + 1 == row:
                c, d = lower[i + 1, j + 1], lower[i + 1, j]
            tris += [[a, b, c], [a, c, d]]
    return np.concatenate(verts), np.array(tris)


def test_the_border_of_a_sheet_with_a_slit_is_two_loops_and_the_slit_is_the_mouth():
    verts, tris = _sheet_with_slit()
    b = border(tris, len(verts))
    lengths = b.lengths(verts)
    assert len(lengths) == 2 and max(lengths.values()) > 7.9  # the outline (8 units) and the slit
    rims = mouth_rims(verts, tris, np.array([0.0, 0.0, 0.0]), 0.8)
    assert rims is not None
    upper, lower = rims
    assert len(upper) and len(lower) and not set(upper) & set(lower)
    assert np.allclose(verts[upper, 1], 0) and np.allclose(verts[lower, 1], 0)  # both on the slit's line
    assert all((tris == u).any(1)[(verts[tris].mean(1)[:, 1] > 0)].any() for u in upper)  # upper: cells above
    assert mouth_rims(verts, tris, np.array([0.0, 0.6, 0.0]), 0.8) is None  # not around the mouth's centre


def test_a_ray_through_a_hole_stops_at_its_rim_not_on_the_far_side():
    verts, tris = _sheet_with_slit(slit=(4, 16))
    widen = np.abs(verts[:, 1]) < 1e-9
    twins = np.arange(len(verts)) >= 21 * 21
    verts[widen & ~twins, 1] += 0.04  # open the slit
    verts[widen & twins, 1] -= 0.04
    back = verts + [0, 0, -1.0]  # a far wall behind it (the back of a head)
    allv = np.concatenate([verts, back])
    allt = np.concatenate([tris, tris[:, ::-1] + len(verts)])
    cv, ct, rim = capped(allv, allt)
    assert len(ct) > len(allt) and len(rim) == len(ct) - len(allt)
    view = FrontView(np.zeros((4, 4, 3), np.uint8), -1.0, 1.0, 0.5)
    xy = np.array([[0.0, 0.01], [0.3, -0.01]])  # inside the open slit
    landmarks = np.zeros((468, 2))
    landmarks[:2] = np.stack([(xy[:, 0] + 1.0) / 0.5, (1.0 - xy[:, 1]) / 0.5], 1)
    points = _cast(view, landmarks, cv, ct, None, rim)
    landed = points.positions(cv, ct)[:2]
    assert (points.triangles[:2] < len(tris)).all() and np.allclose(landed[:, 2], 0)  # the front sheet's rim
    assert np.abs(landed[:, 1]).max() <= 0.05


def test_a_low_poly_mouths_rims_keep_all_but_their_corners():
    """A coarse slit (a rim of three vertices between its corners) keeps every rim vertex but the two
    corners: leaving out the corners' neighbourhoods, as on a dense mouth, would leave a lip a vertex
    or none, and the rest of that lip nearer the other lip along the surface."""
    verts, tris = _sheet_with_slit(n=9, slit=(2, 6), row=4)  # slit from x -0.5 to 0.5: 3 inner vertices
    # two of them close to the corners, as a decimated mouth has them
    verts[:, 0] = np.interp(verts[:, 0], [-1, -0.5, -0.25, 0, 0.25, 0.5, 1], [-1, -0.5, -0.46, 0, 0.46, 0.5, 1])
    upper, lower = mouth_rims(verts, tris, np.array([0.0, 0.0, 0.0]), 1.0)
    assert len(upper) == len(lower) == 3 and not set(upper) & set(lower)
    assert np.allclose(np.sort(verts[upper, 0]), [-0.46, 0.0, 0.46])
    dense_upper, _ = mouth_rims(*_sheet_with_slit(n=41, slit=(12, 28), row=20), np.array([0.0, 0.0, 0.0]), 0.8)
    assert len(dense_upper) < 15  # a dense rim still leaves its corners' neighbourhoods out (15 between corners)
