"""ARKit-52: names and matching, the bounded solve, fidelity on real clips, the Live Link CSV read back."""

import csv
import json
import re

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.arkit import (
    ARKIT_NAMES,
    match_arkit_names,
    timecode,
)
from styletalk_core.formats.curves import Curves
from styletalk_core.formats.timebase import resample
from styletalk_core.resources import ARKIT_BASIS_FILE
from styletalk_core.retarget.arkit import arkit_weights, head_rotations, load_arkit_basis
from styletalk_core.retarget.solve import SolveSettings, objective, solve_weights

from ..conftest import sample_files


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


# The header row of a take recorded by the Live Link Face iOS app (as found in public repositories'
# example takes): our files must begin with exactly these bytes.
APP_HEADER = (
    "Timecode,BlendShapeCount,EyeBlinkLeft,EyeLookDownLeft,EyeLookInLeft,EyeLookOutLeft,EyeLookUpLeft,"
    "EyeSquintLeft,EyeWideLeft,EyeBlinkRight,EyeLookDownRight,EyeLookInRight,EyeLookOutRight,EyeLookUpRight,"
    "EyeSquintRight,EyeWideRight,JawForward,JawRight,JawLeft,JawOpen,MouthClose,MouthFunnel,MouthPucker,"
    "MouthRight,MouthLeft,MouthSmileLeft,MouthSmileRight,MouthFrownLeft,MouthFrownRight,MouthDimpleLeft,"
    "MouthDimpleRight,MouthStretchLeft,MouthStretchRight,MouthRollLower,MouthRollUpper,MouthShrugLower,"
    "MouthShrugUpper,MouthPressLeft,MouthPressRight,MouthLowerDownLeft,MouthLowerDownRight,MouthUpperUpLeft,"
    "MouthUpperUpRight,BrowDownLeft,BrowDownRight,BrowInnerUp,BrowOuterUpLeft,BrowOuterUpRight,CheekPuff,"
    "CheekSquintLeft,CheekSquintRight,NoseSneerLeft,NoseSneerRight,TongueOut,HeadYaw,HeadPitch,HeadRoll,"
    "LeftEyeYaw,LeftEyePitch,LeftEyeRoll,RightEyeYaw,RightEyePitch,RightEyeRoll\n"
)
APP_ROW = re.compile(r"^\d\d:\d\d:\d\d:\d\d\.\d{3},61(,-?\d\.\d{10}){61}$")


def seconds_at_60(code: str) -> float:
    """The timecode rule of the public Live Link Face importers: HH:MM:SS:FF.sub, FF at 60 fps."""
    h, m, s, frame = code.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s) + float(frame) / 60


def test_live_link_csv_is_laid_out_as_the_app_records_it(shared, tmp_path):
    mat = sample_files("source_video/3DMM", "*.mat")[0]
    out, path = tmp_path / "take.csv", tmp_path / "c.npz"
    argv = [
        "generate",
        "--phonemes",
        str(sample_files("source_video/phoneme", "*_seq.json")[0]),
        "--style",
        "preset:happy",
        "--pose",
        str(mat),
        "-o",
        str(path),
        "--arkit",
        str(out),
    ]
    assert main(argv) == 0
    text = out.read_bytes().decode("ascii")
    assert text.startswith(APP_HEADER) and "\r" not in text and text.endswith("\n")
    lines = text.splitlines()[1:]
    assert all(APP_ROW.match(line) for line in lines)

    from styletalk_core.formats.curves import load_curves

    c = load_curves(path)
    want = arkit_weights(c.exp)
    assert len(lines) == (c.frames - 1) * 2 + 1  # 30 fps curves -> the app's 60 rows a second
    with open(out, newline="") as f:
        by_name = list(csv.DictReader(f))
    times = np.array([seconds_at_60(r["Timecode"]) for r in by_name])
    np.testing.assert_allclose(times, np.arange(len(lines)) / 60, atol=1e-3)  # a 60 fps reader, within 1 ms
    # a reader that goes by name and one that goes by the app's column positions read the same take
    named = np.array([[float(r[n[0].upper() + n[1:]]) for n in ARKIT_NAMES] for r in by_name])
    positions = {name: i for i, name in enumerate(APP_HEADER.strip().split(","))}
    rows = [line.split(",") for line in lines]
    positional = np.array([[float(r[positions[n[0].upper() + n[1:]]]) for n in ARKIT_NAMES] for r in rows])
    np.testing.assert_array_equal(named, positional)
    assert all(r["BlendShapeCount"] == "61" for r in by_name)
    # each row holds the solved weights at its time: the curves' frames exactly, halfway rows between them
    np.testing.assert_allclose(named[::2], want, atol=1e-6)
    np.testing.assert_allclose(named[1::2], (want[:-1] + want[1:]) / 2, atol=1e-6)
    jaw = ARKIT_NAMES.index("jawLeft"), ARKIT_NAMES.index("jawRight")
    np.testing.assert_allclose(positional[::2, list(jaw)], want[:, list(jaw)], atol=1e-6)
    np.testing.assert_allclose([float(r["HeadYaw"]) for r in by_name][::2], c.pose[:, 1], atol=1e-6)
    assert main(["export", "--curves", str(path), "--format", "arkit-json", "-o", str(tmp_path / "w.json")]) == 0
    doc = json.loads((tmp_path / "w.json").read_text())
    assert doc["names"] == list(ARKIT_NAMES) and np.array(doc["weights"]).shape == (c.frames, 52) and doc["fps"] == 30


def test_live_link_timecodes_and_resampling():
    assert [timecode(t) for t in (0, 7 / 60, 3601 + 1.5 / 60)] == [
        "00:00:00:00.000",
        "00:00:00:07.000",
        "01:00:01:01.500",
    ]
    times, rows = resample(np.array([[0.0], [1.0], [3.0]]), 25, 60)
    np.testing.assert_allclose(times, np.arange(5) / 60)  # 0.08 s of curves at 25 fps -> 5 rows
    np.testing.assert_allclose(rows[:, 0], [0, 25 / 60, 50 / 60, 1 + 2 * (75 / 60 - 1), 1 + 2 * (100 / 60 - 1)])
    assert resample(np.ones((1, 3)), 30, 60)[1].shape == (1, 3)


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


def test_keys_that_do_not_help_stay_at_zero_and_mirror_twins_move_alike():
    from styletalk_core.retarget.targets import mirror_pairs

    names = ["smile_L", "smile_R", "jawOpen", "nose-left-up", "nose-right-up", "cheekPuff"]
    assert mirror_pairs(names) == [(0, 1), (3, 4)]
    rng = np.random.default_rng(4)
    basis = rng.normal(size=(6, 40))
    basis[5] = 0.02 * basis[2] + 0.01 * rng.normal(size=40)  # a key that barely adds anything
    truth = np.clip(rng.normal(0.3, 0.2, size=(50, 6)), 0, 1)
    truth[:, 5] = 0
    truth[:, 1] = truth[:, 0] + 0.05  # twins nearly alike
    targets = truth @ basis + 0.01 * rng.normal(size=(50, 40))
    plain, sparse, mirror = (
        SolveSettings(iterations=400, sparse=a, mirror=b) for a, b in ((0, 0), (1e-3, 0), (0, 0.1))
    )
    gram, cross, pairs = basis @ basis.T, targets @ basis.T, mirror_pairs(names)
    w0, w1, w2 = (solve_weights(gram, cross, s, pairs) for s in (plain, sparse, mirror))
    assert np.abs(w1[:, 5]).max() < np.abs(w0[:, 5]).max() and w1[:, 5].mean() < 0.01  # the useless key: at 0
    assert np.abs(w1 - truth).mean() < 0.05  # the others as they were
    assert np.abs(w2[:, 0] - w2[:, 1]).mean() < 0.8 * np.abs(w0[:, 0] - w0[:, 1]).mean()  # the twins together
    for w, s in ((w1, sparse), (w2, mirror)):  # each the minimum of its own objective
        assert objective(basis, targets, w, s, pairs) <= objective(basis, targets, w0, s, pairs) + 1e-6


def test_of_two_keys_that_fit_alike_the_one_moving_less_outside_the_mouth_is_used():
    """A key's cost grows with its share of motion outside the mouth (targets.outside_mouth_share): of
    two keys that reproduce the mouth alike, the solve uses the one that leaves the rest of the face alone."""
    from styletalk_core.retarget.targets import outside_mouth_share

    face = load_face_model()
    jaw = face.basis[0]
    brows = np.zeros_like(jaw)
    brows[[70, 63, 105, 66, 107, 336, 296, 334, 293, 300], 1] = 20.0  # the brows only
    share = outside_mouth_share(np.stack([jaw, jaw + brows, brows]), face)
    assert share[0] < 0.1 and share[1] > 2 * share[0] and share[2] == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(2, 30))
    basis[1] = basis[0]  # two keys that fit alike
    targets = np.clip(rng.normal(0.5, 0.2, (40, 1)), 0, 1) * basis[0]
    settings = SolveSettings(iterations=400, sparse=1e-4, outside=1e-2)
    w = solve_weights(basis @ basis.T, targets @ basis.T, settings, (), np.array([0.0, 0.6]))
    assert w[:, 1].max() < 0.01 and np.abs(w @ basis - targets).max() < 0.05 * np.abs(targets).max()
    swapped = w[:, ::-1]
    cost = np.array([0.0, 0.6])
    assert objective(basis, targets, w, settings, (), cost) < objective(basis, targets, swapped, settings, (), cost)
