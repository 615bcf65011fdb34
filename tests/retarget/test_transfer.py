"""Shape keys for a character that has none: on an ICT identity with teeth and eyeballs in one mesh, lips parted
at rest, the transferred mouth opens fully and moves as ours."""

import numpy as np
import pytest

from styletalk_core.face.face_model import load_face_model
from styletalk_core.style.clip import load_expression

from ..conftest import sample_files
from ..ict_characters import identity, load_ict, transfer_fidelity


@pytest.mark.slow
def test_points_seen_through_parted_lips_stay_on_the_face_not_the_teeth(shared):
    """An ICT identity with everything in one mesh (teeth, eyeballs), lips parted at rest: the inner lip
    points the detector places over the mouth land on the lips, so the transferred mouth opens fully."""
    from styletalk_core.retarget.correspondence import find_correspondence
    from styletalk_core.retarget.topology import components
    from styletalk_core.retarget.transfer import transfer_basis

    ict = load_ict()
    rng = np.random.default_rng(0)
    for _ in range(6):  # the sixth of this draw: lips apart enough for rays to reach the teeth
        verts = identity(ict, 2.0, rng)
    points = find_correspondence(verts, ict["tris"]).points
    label = components(ict["tris"], len(verts))
    on = label[ict["tris"][points.triangles, 0]]
    assert (on == on[1]).all()  # every point on the nose tip's piece: the face
    face = load_face_model()
    exp = load_expression(sample_files("source_video/3DMM", "*.mat")[0])
    deltas = transfer_basis(verts, ict["tris"], points, face.basis, face).dense(len(verts))
    r = transfer_fidelity(ict, verts, verts[None] + np.tensordot(exp, deltas, 1), exp)
    assert r["lip r"] >= 0.95 and 0.8 <= r["amplitude"] <= 1.3, r
