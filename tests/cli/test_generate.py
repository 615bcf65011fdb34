"""`styletalk generate`: bad input is one clear line naming the file, an exit code other than 0, and no output
file left behind."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.io

from styletalk_core.cli import main

from ..conftest import assert_clean_failure, run_generate


def test_missing_phoneme_file(capsys, good, tmp_path):
    missing = tmp_path / "nope_seq.json"
    rc, err = run_generate(capsys, missing, good["style"], good["ckpt"], good["out"])
    assert_clean_failure(rc, err, good["out"], "nope_seq.json", "not found")


def test_mat_without_coeff(capsys, good, tmp_path):
    bad = tmp_path / "nocoeff.mat"
    scipy.io.savemat(bad, {"something": np.zeros((3, 3))})
    rc, err = run_generate(capsys, good["phon"], bad, good["ckpt"], good["out"])
    assert_clean_failure(rc, err, good["out"], "nocoeff.mat", "coeff")


def test_wrong_column_count(capsys, good, tmp_path):
    bad = tmp_path / "cols.mat"
    scipy.io.savemat(bad, {"coeff": np.zeros((10, 200), np.float32)})
    rc, err = run_generate(capsys, good["phon"], bad, good["ckpt"], good["out"])
    assert_clean_failure(rc, err, good["out"], "cols.mat", "(10, 200)", "257")


def test_nan_values(capsys, good, tmp_path):
    coeff = np.zeros((10, 257), np.float32)
    coeff[4, 90] = np.nan
    bad = tmp_path / "nan.mat"
    scipy.io.savemat(bad, {"coeff": coeff})
    rc, err = run_generate(capsys, good["phon"], bad, good["ckpt"], good["out"])
    assert_clean_failure(rc, err, good["out"], "nan.mat", "NaN", "row 4")


def test_empty_phoneme_list(capsys, good, tmp_path):
    empty = tmp_path / "empty_seq.json"
    empty.write_text("[]")
    rc, err = run_generate(capsys, empty, good["style"], good["ckpt"], good["out"])
    assert_clean_failure(rc, err, good["out"], "empty_seq.json", "empty")


@pytest.mark.parametrize(
    "content,needle",
    [("[1, 2, 41]", "41"), ("[1, -1]", "-1"), ('[1, "AA"]', "'AA'"), ("[[1, 2]]", "[1, 2]"), ("{oops", "JSON")],
)
def test_bad_phoneme_ids(capsys, good, tmp_path, content, needle):
    bad = tmp_path / "bad_seq.json"
    bad.write_text(content)
    rc, err = run_generate(capsys, bad, good["style"], good["ckpt"], good["out"])
    assert_clean_failure(rc, err, good["out"], "bad_seq.json", needle)


@pytest.mark.slow
def test_console_script_reports_one_line(good, tmp_path):
    """The installed entry point (a real subprocess) exits non-zero with one stderr line."""
    exe = [sys.executable, "-m", "styletalk_core.cli"]
    proc = subprocess.run(
        exe
        + [
            "generate",
            "--phonemes",
            str(tmp_path / "missing.json"),
            "--style",
            str(good["style"]),
            "-o",
            str(good["out"]),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "missing.json" in proc.stderr
    assert not good["out"].exists()


def test_a_command_run_in_process_leaves_the_thread_budget_as_it_found_it(tmp_path, monkeypatch):
    """--threads holds for the command only: a test or a host program that calls main() keeps its own
    (a leaked OMP_NUM_THREADS=1 made later child processes label serially and miss a 2 s cancel)."""
    import os

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert main(["phonemes", str(tmp_path / "missing.wav"), "-o", str(tmp_path / "o_seq.json"), "--threads", "1"]) == 2
    assert "OMP_NUM_THREADS" not in os.environ
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert main(["phonemes", str(tmp_path / "missing.wav"), "-o", str(tmp_path / "o_seq.json"), "--threads", "1"]) == 2
    assert os.environ["OMP_NUM_THREADS"] == "2"
