"""Bad input -> one clear error line naming the file, exit code != 0, no output file left behind."""

import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.io
import torch

from styletalk_core.cli import main

from .conftest import shared_path


@pytest.fixture()
def good(shared, tmp_path):
    phon = tmp_path / "ok_seq.json"
    phon.write_text(json.dumps([31, 31, 2, 2, 21, 21, 31]))
    return {
        "phon": phon,
        "style": shared_path("parity", "styletalk_case1_style.mat"),
        "ckpt": shared_path("parity", "styletalk_random_ckpt.pth"),
        "out": tmp_path / "out.npz",
    }


def run_generate(capsys, phon, style, ckpt, out, *extra):
    argv = ["generate", "--phonemes", str(phon), "--style", str(style), "--checkpoint", str(ckpt), "-o", str(out)]
    rc = main(argv + list(extra))
    err = capsys.readouterr().err.strip()
    return rc, err


def assert_clean_failure(rc, err, out, *needles):
    assert rc != 0
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert not list(out.parent.glob(".*.tmp*")), "temporary file left behind"


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


def test_checkpoint_from_another_model(capsys, good, tmp_path):
    other = tmp_path / "renderer_like.pth"
    torch.save({"net_G_ema": {"mapping_net.first.weight": torch.zeros(2)}}, other)
    rc, err = run_generate(capsys, good["phon"], good["style"], other, good["out"])
    assert_clean_failure(rc, err, good["out"], "renderer_like.pth", "renderer")
    wrong = tmp_path / "wrong_shapes.pth"
    torch.save({"model_state_dict": {"content_encoder.ph_embedding.weight": torch.zeros(41, 64)}}, wrong)
    rc, err = run_generate(capsys, good["phon"], good["style"], wrong, good["out"])
    assert_clean_failure(rc, err, good["out"], "wrong_shapes.pth", "missing keys", "mis-shaped")


class _Exploit:
    def __reduce__(self):
        return (print, ("pwned by pickle",))


def test_malicious_pickle_is_refused(capsys, good, tmp_path):
    evil = tmp_path / "evil.pth"
    with open(evil, "wb") as f:
        pickle.dump({"model_state_dict": _Exploit()}, f)
    rc, err = run_generate(capsys, good["phon"], good["style"], evil, good["out"])
    assert_clean_failure(rc, err, good["out"], "evil.pth", "refused")
    assert "pwned" not in capsys.readouterr().out
    torch_evil = tmp_path / "evil_torch.pth"
    torch.save({"model_state_dict": _Exploit()}, torch_evil)
    rc, err = run_generate(capsys, good["phon"], good["style"], torch_evil, good["out"])
    assert_clean_failure(rc, err, good["out"], "evil_torch.pth", "refused")


def test_corrupt_checkpoint(capsys, good, tmp_path):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"\x00not a checkpoint" * 10)
    rc, err = run_generate(capsys, good["phon"], good["style"], junk, good["out"])
    assert_clean_failure(rc, err, good["out"], "junk.pth")


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
