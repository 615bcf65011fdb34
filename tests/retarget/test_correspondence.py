"""Points cast onto a character's surface: a triangle seen edge-on holds none, and they land alike on a head at
any scale."""

import numpy as np


def test_a_triangle_seen_edge_on_holds_no_point():
    from styletalk_core.retarget.correspondence import cast_to_surface

    # a floor facing the viewer, and in front of it a fin seen exactly edge-on along y = 0.5
    vertices = np.array(
        [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0.3, 0.5, 1], [0.7, 0.5, 1], [0.5, 0.5, 2]], float
    )
    tris = np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6]])
    xy = np.array([[0.5, 0.52], [0.45, 0.48], [0.6, 0.55]])
    points = cast_to_surface(xy, vertices, tris)
    assert set(points.triangles) <= {0, 1}
    np.testing.assert_allclose(points.positions(vertices, tris)[:, :2], xy, atol=1e-9)


def test_points_land_alike_on_a_head_at_any_scale():
    from styletalk_core.retarget.correspondence import cast_to_surface

    rng = np.random.default_rng(2)
    g = np.linspace(0, 1, 8)
    x, y = np.meshgrid(g, g)
    vertices = np.stack([x.ravel(), y.ravel(), 0.1 * rng.normal(size=64)], 1)
    grid = np.arange(64).reshape(8, 8)
    tris = np.concatenate(
        [
            np.stack([grid[:-1, :-1], grid[:-1, 1:], grid[1:, 1:]], -1).reshape(-1, 3),
            np.stack([grid[:-1, :-1], grid[1:, 1:], grid[1:, :-1]], -1).reshape(-1, 3),
        ]
    )
    xy = rng.uniform(0.05, 0.95, (50, 2))
    unit = cast_to_surface(xy, vertices, tris)
    for scale in (1e-5, 1e4):  # a file in metres at 1e-4 of its size, or in millimetres
        scaled = cast_to_surface(xy * scale, vertices * scale, tris)
        assert (scaled.triangles == unit.triangles).all()
        np.testing.assert_allclose(scaled.weights, unit.weights, atol=1e-9)
