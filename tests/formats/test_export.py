"""Curves file round trip, pose from a .mat, and exports (official .npy, CSV, JSON)."""

import csv
import json

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.formats.curves import Curves, load_curves
from styletalk_core.formats.errors import InputError
from styletalk_core.style.clip import fit_pose_length, load_pose

from ..conftest import UNSYNC, sample_files, shared_path


@pytest.fixture(scope="module")
def case_curves(shared, tmp_path_factory, parity_case):
    tmp = tmp_path_factory.mktemp("export")
    phon = tmp / "case_seq.json"
    phon.write_text(json.dumps(parity_case["phoneme_ids"].tolist()))
    out = tmp / "case.npz"
    style = shared_path("parity", "styletalk_case1_style.mat")
    ckpt = shared_path("parity", "styletalk_random_ckpt.pth")
    # the network's own timing and mouth (the model's sync calibration taken back, no lip closure):
    # official outputs to the bit
    argv = [
        "generate",
        "--phonemes",
        str(phon),
        "--style",
        str(style),
        "--pose",
        str(style),
        "--sync-offset",
        UNSYNC,
        "--no-lip-closure",
    ]
    assert main(argv + ["--checkpoint", str(ckpt), "-o", str(out)]) == 0
    return out


def test_pose_from_mat(case_curves, parity_case):
    curves = load_curves(case_curves)
    coeff = parity_case["style_coeff"]
    assert curves.pose.shape == (40, 9)
    np.testing.assert_array_equal(curves.pose[:, :3], coeff[:40, 224:227])
    np.testing.assert_array_equal(curves.pose[:, 3:6], coeff[:40, 254:257])


def test_pose_padding_uses_last_pose():
    pose = np.arange(27, dtype=np.float32).reshape(3, 9)
    padded = fit_pose_length(pose, 5)
    assert padded.shape == (5, 9)
    np.testing.assert_array_equal(padded[3:], pose[[2, 2]])
    np.testing.assert_array_equal(fit_pose_length(pose, 2), pose[:2])


def test_pose_file_reads_transform_params(shared):
    path = sample_files("source_video/3DMM", "*.mat")[0]
    import scipy.io

    mat = scipy.io.loadmat(path)
    pose = load_pose(path)
    np.testing.assert_array_equal(pose[:, 6:], mat["transform_params"][:, 2:5])


def test_export_official_npy(case_curves, tmp_path, parity_case):
    out = tmp_path / "case.npy"
    assert main(["export", "--curves", str(case_curves), "--format", "npy", "-o", str(out)]) == 0
    arr = np.load(out)
    assert arr.shape == (40, 73) and arr.dtype == np.float32
    curves = load_curves(case_curves)
    np.testing.assert_array_equal(arr[:, :64], curves.exp)
    assert np.abs(arr[:, :64] - parity_case["exp"]).max() <= 1e-5
    # the official .npy reads back as curves
    np.testing.assert_array_equal(load_curves(out).pose, curves.pose)


def test_export_csv_and_json(case_curves, tmp_path):
    curves = load_curves(case_curves)
    csv_path, json_path = tmp_path / "c.csv", tmp_path / "c.json"
    assert main(["export", "--curves", str(case_curves), "--format", "csv", "-o", str(csv_path)]) == 0
    assert main(["export", "--curves", str(case_curves), "--format", "json", "-o", str(json_path)]) == 0
    rows = list(csv.reader(open(csv_path)))
    assert rows[0][:3] == ["frame", "time", "exp00"] and len(rows) == 41 and len(rows[0]) == 2 + 64 + 9
    np.testing.assert_allclose(np.array(rows[1:], float)[:, 2:66], curves.exp, rtol=1e-6, atol=1e-7)
    doc = json.loads(json_path.read_text())
    assert doc["fps"] == 30 and doc["frames"] == 40
    np.testing.assert_allclose(np.array(doc["exp"]), curves.exp, rtol=1e-6)


def test_npy_export_without_pose_fails_cleanly(tmp_path, capsys):
    src = tmp_path / "nopose.npz"
    Curves(exp=np.zeros((5, 64))).save(src)
    out = tmp_path / "x.npy"
    assert main(["export", "--curves", str(src), "--format", "npy", "-o", str(out)]) == 2
    assert "no pose" in capsys.readouterr().err and not out.exists()


def test_load_curves_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, exp=np.zeros((5, 63)))
    with pytest.raises(InputError, match=r"bad.npz.*\(5, 63\)"):
        load_curves(bad)
    nan = tmp_path / "nan.npz"
    np.savez(nan, exp=np.full((5, 64), np.nan))
    with pytest.raises(InputError, match="NaN"):
        load_curves(nan)
    text = tmp_path / "notnpz.npz"
    text.write_text("hello")
    with pytest.raises(InputError, match="notnpz.npz"):
        load_curves(text)
