"""Memory bounded by what a file really holds (hostile input, class 6): sizes come from headers and
are checked before anything is allocated; frames, exported rows, transcripts and style mixes have
limits, each one line."""

import io
import zipfile

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.formats import bounded
from styletalk_core.formats.curves import Curves, load_curves
from styletalk_core.formats.errors import InputError
from styletalk_core.formats.labelling import MAX_TRANSCRIPT_CHARS, LabelOptions, read_transcript
from styletalk_core.formats.style import MAX_STYLES, StyleSpec, check_style_settings


def _claiming(shape, dtype="<f4") -> bytes:
    """An .npy whose header claims `shape`, with 16 bytes of data."""
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, {"descr": dtype, "fortran_order": False, "shape": shape})
    return f.getvalue() + bytes(16)


def test_an_npz_or_npy_claiming_gigabytes_is_one_line_before_anything_is_allocated(tmp_path, capsys):
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("exp.npy", _claiming((3 * 10**8, 64)))
        z.writestr("fps.npy", _claiming(()))
    assert bomb.stat().st_size < 4096
    with pytest.raises(InputError, match=r"'exp' claims 300000000x64 values \(71.5 GiB\); the limit is 1 GiB"):
        load_curves(bomb)
    npy = tmp_path / "bomb.npy"
    npy.write_bytes(_claiming((10**9, 73)))
    assert main(["export", "--curves", str(npy), "--format", "csv", "-o", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bomb.npy" in err and "GiB" in err
    objects = tmp_path / "objects.npz"
    with zipfile.ZipFile(objects, "w") as z:
        z.writestr("exp.npy", _claiming((2,), "|O"))
    with pytest.raises(InputError, match="Python objects"):
        load_curves(objects)


def test_a_mat_style_clip_is_sized_from_its_variable_list_before_it_is_read(tmp_path, monkeypatch):
    import scipy.io

    from styletalk_core.style import clip

    path = tmp_path / "clip.mat"
    scipy.io.savemat(path, {"coeff": np.zeros((40, 257))})
    monkeypatch.setattr(clip, "MAX_ARRAY_BYTES", 1000)
    monkeypatch.setattr(scipy.io, "loadmat", lambda *a, **k: pytest.fail("read before its size was checked"))
    with pytest.raises(InputError, match=r"'coeff' claims 40x257 values"):
        clip.load_expression(path)


def test_frames_rows_transcripts_and_mixes_have_limits(tmp_path, monkeypatch, capsys):
    from styletalk_core.formats import curves as curves_module

    # two hours and more at 1 fps, asked for as 60 fps Live Link rows: one line, nothing written
    slow = Curves(exp=np.zeros((7300, 64), np.float32), fps=1.0)
    slow.save(tmp_path / "slow.npz")
    with monkeypatch.context() as m:
        m.setattr(curves_module, "MAX_FRAMES", 7299)
        with pytest.raises(InputError, match="'exp' has 7300 frames; a curves file holds 1 to 7299"):
            load_curves(tmp_path / "slow.npz")
    out = tmp_path / "slow.csv"
    assert main(["export", "--curves", str(tmp_path / "slow.npz"), "--format", "arkit-csv", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "is 437941 rows; the limit is 432000" in err and len(err.splitlines()) == 1 and not out.exists()
    with pytest.raises(InputError, match=f"the limit is {MAX_TRANSCRIPT_CHARS}"):
        LabelOptions.of("a" * (MAX_TRANSCRIPT_CHARS + 1), "en")
    (tmp_path / "long.txt").write_text("a " * MAX_TRANSCRIPT_CHARS)
    with pytest.raises(InputError, match="long.txt: the transcript is"):
        read_transcript(tmp_path / "long.txt")
    (tmp_path / "huge.txt").write_bytes(b"a" * (4 * MAX_TRANSCRIPT_CHARS + 1))
    with pytest.raises(InputError, match="MiB; the limit is"):
        read_transcript(tmp_path / "huge.txt")
    with pytest.raises(InputError, match=f"a mix takes at most {MAX_STYLES}"):
        check_style_settings([StyleSpec("preset:happy")] * (MAX_STYLES + 1), 1.0)
    assert bounded.MAX_ARRAY_BYTES >= 216_000 * 73 * 8  # two hours of float64 curves fit
