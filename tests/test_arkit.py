"""ARKit-52: names and matching, the bounded solve, fidelity on real clips, the Live Link CSV read back."""

import csv
import json

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.arkit import ARKIT_NAMES, LIVE_LINK_HEADER, match_arkit_names, normalise_name
from styletalk_core.formats.curves import Curves
from styletalk_core.resources import ARKIT_BASIS_FILE
from styletalk_core.retarget.arkit import arkit_weights, head_rotations, load_arkit_basis
from styletalk_core.retarget.fidelity import clip_scores
from styletalk_core.retarget.solve import SolveSettings, objective, solve_weights
from styletalk_core.style.clip import load_expression

from .conftest import sample_files


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


def test_solve_is_bounded_and_no_worse_than_clipping_least_squares():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(12, 60))
    truth = np.clip(rng.normal(0.4, 0.4, size=(80, 12)), 0, 1)
    targets = truth @ basis + 0.05 * rng.normal(size=(80, 60))
    settings = SolveSettings(l2=1e-6, smooth=1e-6, iterations=400)
    w = solve_weights(basis @ basis.T, targets @ basis.T, settings)
    assert w.min() >= 0 and w.max() <= 1
    clipped = np.clip(np.linalg.lstsq(basis.T, targets.T, rcond=None)[0].T, 0, 1)
    assert objective(basis, targets, w, settings) <= objective(basis, targets, clipped, settings) + 1e-6
    assert np.abs(w - truth).mean() < 0.05


def test_smoothness_reduces_frame_to_frame_jitter():
    rng = np.random.default_rng(1)
    basis = rng.normal(size=(6, 30))
    targets = np.clip(rng.random((200, 6)), 0, 1) @ basis
    rough = solve_weights(basis @ basis.T, targets @ basis.T, SolveSettings(smooth=0))
    smooth = solve_weights(basis @ basis.T, targets @ basis.T, SolveSettings(smooth=0.5))
    assert np.abs(np.diff(smooth, axis=0)).mean() < 0.5 * np.abs(np.diff(rough, axis=0)).mean()


def test_basis_file_has_provenance_licence_and_no_tongue():
    basis = load_arkit_basis()
    assert basis.basis.shape == (52, 468, 3) and np.isfinite(basis.basis).all()
    assert np.abs(basis.basis[ARKIT_NAMES.index("tongueOut")]).max() == 0
    with np.load(ARKIT_BASIS_FILE) as z:
        provenance = json.loads(str(z["provenance"]))
    assert "MIT" in provenance["source"] and provenance["similarity_fit"]["xyz_rms_px"][1] < 5
    assert "Permission is hereby granted" in ARKIT_BASIS_FILE.with_suffix(".md").read_text()
    jaw = basis.basis[ARKIT_NAMES.index("jawOpen")]
    assert jaw[14, 1] - jaw[13, 1] > 10  # jawOpen parts the lips: the lower inner lip moves down (y down)


def test_fidelity_on_real_clips():
    """The official coefficients of the sample source clips survive the trip through ARKit."""
    face, basis = load_face_model(), load_arkit_basis()
    scores = [clip_scores(load_expression(m), face, basis) for m in sample_files("source_video/3DMM", "*.mat")]
    assert np.mean([s["open r"] for s in scores]) >= 0.95
    assert np.mean([s["lip err"] for s in scores]) <= 0.30
    assert np.mean([s["blink r"] for s in scores]) > 0.5


def test_live_link_csv_read_back_as_a_csv_reader_would(tmp_path):
    mat = sample_files("source_video/3DMM", "*.mat")[0]
    out, curves = tmp_path / "take.csv", tmp_path / "c.npz"
    assert (
        main(
            [
                "generate",
                "--phonemes",
                str(next(iter(sample_files("source_video/phoneme", "*_seq.json")))),
                "--style",
                "preset:happy",
                "--pose",
                str(mat),
                "-o",
                str(curves),
                "--arkit",
                str(out),
            ]
        )
        == 0
    )
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    from styletalk_core.formats.curves import load_curves

    c = load_curves(curves)
    assert len(rows) == c.frames and list(rows[0]) == list(LIVE_LINK_HEADER)
    weights = np.array([[float(r[n]) for n in LIVE_LINK_HEADER[2:54]] for r in rows])
    assert weights.min() >= 0 and weights.max() <= 1 and weights[:, ARKIT_NAMES.index("jawOpen")].std() > 0.01
    assert rows[1]["Timecode"] == "00:00:00:01.000" and rows[0]["BlendShapeCount"] == "52"
    np.testing.assert_allclose([float(r["HeadYaw"]) for r in rows], c.pose[:, 1], atol=1e-5)
    assert main(["export", "--curves", str(curves), "--format", "arkit-json", "-o", str(tmp_path / "w.json")]) == 0
    doc = json.loads((tmp_path / "w.json").read_text())
    assert doc["names"] == list(ARKIT_NAMES) and np.array(doc["weights"]).shape == (c.frames, 52) and doc["fps"] == 30


def test_curves_without_pose_give_zero_head_rotation_and_bad_names_are_refused(tmp_path, capsys):
    curves = Curves(exp=np.zeros((5, 64)))
    assert not head_rotations(curves).any()
    path = tmp_path / "c.npz"
    curves.save(path)
    assert main(["export", "--curves", str(path), "--format", "arkit-csv", "-o", str(tmp_path / "x.txt")]) == 2
    assert "Live Link" in capsys.readouterr().err and not list(tmp_path.glob("x*"))
    w = arkit_weights(np.zeros((5, 64)))
    assert np.abs(w).max() < 1e-6  # our neutral face is ARKit's neutral


def test_side_split_shapes_drive_both_halves():
    mapping, unmatched, _ = match_arkit_names(["browInnerUp_L", "browInnerUp_R", "cheekPuff_L", "eyeBlink_L"])
    assert mapping["browInnerUp"] == ["browInnerUp_L", "browInnerUp_R"] and mapping["eyeBlinkLeft"] == ["eyeBlink_L"]
    assert unmatched == ["cheekPuff_L"]  # one half alone is not ARKit's cheekPuff
