"""formats/face_file.py: the face model's and a key basis's files, read in one place."""

import numpy as np
import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.face_file import face_arrays, key_basis
from styletalk_core.resources import ARKIT_BASIS_FILE, FACE_MODEL_FILE


def test_the_bundled_files_read_with_their_shapes():
    face = face_arrays(FACE_MODEL_FILE)
    assert face["mean"].shape == (468, 3) and face["basis"].shape == (64, 468, 3) and face["triangles"].shape[1] == 3
    optional = face_arrays(FACE_MODEL_FILE, ("mean",), ("no_such_array",))
    assert set(optional) == {"mean"}
    names, basis = key_basis(ARKIT_BASIS_FILE)
    assert len(names) == 52 == len(basis) and basis.shape[1:] == (468, 3) and all(isinstance(n, str) for n in names)


def test_a_file_without_the_arrays_is_one_line(tmp_path):
    np.savez(tmp_path / "other.npz", mean=np.zeros((468, 3)))
    with pytest.raises(InputError, match=r"other.npz: not a face model file \(no basis, triangles\)"):
        face_arrays(tmp_path / "other.npz")
    with pytest.raises(InputError, match="other.npz: not a key basis file"):
        key_basis(tmp_path / "other.npz")
