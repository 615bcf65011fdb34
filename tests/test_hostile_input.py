"""Hostile input, by class: every failure is one line (exit 2, no traceback), no output or temporary
file is left, an existing output is byte-identical afterwards, nothing non-finite is written,
signals clean up, and progress covers every stage. Each class runs over the subcommands that share
the code path."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from styletalk_core.cli import main

from . import hostile
from .conftest import REPO, labelled_clips, sample_files, shared_path

KEEP = b"an existing file the user cares about"


@pytest.fixture()
def inputs(shared, tmp_path):
    phon = hostile.labels(tmp_path / "ok_seq.json", [31, 31, 2, 2, 21, 21, 31] * 4)
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=np.zeros((8, 64), np.float32), pose=np.zeros((8, 9), np.float32), fps=np.float32(30))
    return {
        "tmp": tmp_path,
        "phon": phon,
        "curves": curves,
        "style": shared_path("parity", "styletalk_case1_style.mat"),
        "ckpt": shared_path("parity", "styletalk_random_ckpt.pth"),
        "wav": labelled_clips()[0][0],
        "video": sample_files("style_clips/video", "*.mp4")[0],
    }


def generate(i, out, *extra):
    return [
        "generate",
        "--phonemes",
        str(i["phon"]),
        "--style",
        str(i["style"]),
        "--checkpoint",
        str(i["ckpt"]),
        "-o",
        str(out),
        *extra,
    ]


def fails_cleanly(argv, capsys, folder, *needles):
    """Exit 2, one stderr line naming the problem, no traceback, and `folder` exactly as before."""
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    rc = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before, f"files changed: {sorted(set(after) ^ set(before)) or 'contents'}"
    return err


# --- data loss: an output name the writer cannot honour is refused before anything is written -------------

WRONG_SUFFIX = {
    "generate -o NAME": lambda i, o: generate(i, o / "curves"),
    "generate -o x.txt": lambda i, o: generate(i, o / "x.txt"),
    "export npy -o x.dat": lambda i, o: ["export", "--curves", i["curves"], "--format", "npy", "-o", o / "x.dat"],
    "export csv -o x.json": lambda i, o: ["export", "--curves", i["curves"], "--format", "csv", "-o", o / "x.json"],
    "extract-style -o x.txt": lambda i, o: ["extract-style", i["video"], "-o", o / "x.txt"],
    "preview -o x.avi": lambda i, o: ["preview", "--curves", i["curves"], "--size", "64", "-o", o / "x.avi"],
}


@pytest.mark.parametrize("case", sorted(WRONG_SUFFIX))
@pytest.mark.parametrize("existing", [False, True])
def test_output_suffix_refused_and_existing_file_kept(case, existing, inputs, capsys):
    out = inputs["tmp"] / "out"
    out.mkdir()
    argv = WRONG_SUFFIX[case](inputs, out)
    if existing:
        (out / os.path.basename(str(argv[-1]))).write_bytes(KEEP)
    fails_cleanly(argv, capsys, inputs["tmp"], "name the output")


def test_upper_case_suffix_writes_a_real_file(inputs, capsys):
    from styletalk_core.formats.curves import load_curves

    out = inputs["tmp"] / "x.NPZ"
    assert main(generate(inputs, out)) == 0
    assert out.stat().st_size > 0 and load_curves(out).frames == 28
    assert not list(inputs["tmp"].glob(".*tmp*"))


BAD_OUTPUTS = {
    "a folder": lambda t: t,
    "an empty name": lambda t: "",
    "a 300-character name": lambda t: t / ("x" * 296 + ".npz"),
    "below a file": lambda t: t / "c.npz" / "x.npz",
}


@pytest.mark.parametrize("where", sorted(BAD_OUTPUTS))
@pytest.mark.parametrize("command", ["generate", "phonemes", "export", "preview", "train"])
def test_unwritable_output_is_one_line(where, command, inputs, capsys):
    t, o = inputs["tmp"], BAD_OUTPUTS[where](inputs["tmp"])
    argv = {
        "generate": generate(inputs, o),
        "phonemes": ["phonemes", inputs["wav"], "-o", o],
        "export": ["export", "--curves", inputs["curves"], "--format", "json", "-o", o],
        "preview": ["preview", "--curves", inputs["curves"], "--size", "64", "-o", o],
        "train": ["train", "--data", t, "--steps", "1", "-o", o],
    }[command]
    fails_cleanly(argv, capsys, t)


def test_demo_refuses_an_existing_file_and_a_bad_renderer_before_any_step(inputs, capsys):
    t = inputs["tmp"]
    (t / "taken").write_bytes(KEEP)
    fails_cleanly(["demo", "-o", t / "taken"], capsys, t, "not a folder")
    bad = t / "bad.pth"
    bad.write_bytes(b"not a checkpoint")
    image = t / "face.png"
    from PIL import Image

    Image.fromarray(np.zeros((256, 256, 3), np.uint8)).save(image)
    t0 = time.perf_counter()
    fails_cleanly(["demo", "-o", t / "demo_out", "--renderer", bad, "--image", image], capsys, t, "bad.pth")
    assert time.perf_counter() - t0 < 10 and not (t / "demo_out").exists()


# --- one line instead of a traceback ----------------------------------------------------------------------


def bad_input_cases(i):
    t = i["tmp"]
    return {
        "labels id 10**30": generate({**i, "phon": hostile.labels(t / "big_seq.json", [10**30])}, t / "o.npz"),
        "labels nested deep": generate(
            {**i, "phon": hostile.labels(t / "deep_seq.json", hostile.deep_list())}, t / "o.npz"
        ),
        "generate --device mps": generate(i, t / "o.npz", "--device", "mps"),
        "generate --device meta": generate(i, t / "o.npz", "--device", "meta"),
        "render --device meta": [
            "render",
            "--curves",
            i["curves"],
            "--image",
            t / "none.png",
            "--renderer",
            i["ckpt"],
            "--device",
            "meta",
            "-o",
            t / "o.mp4",
        ],
        "preview --size 100000": ["preview", "--curves", i["curves"], "--size", "100000", "-o", t / "o.mp4"],
        "binary transcript": ["phonemes", i["wav"], "--transcript-file", _binary(t / "b.txt"), "-o", t / "o_seq.json"],
        "phonemes of 1 sample": [
            "phonemes",
            hostile.write_wav(t / "one.wav", np.zeros(1, np.int16)),
            "-o",
            t / "p.json",
        ],
        "generate --audio of 1 sample": [
            "generate",
            "--audio",
            hostile.write_wav(t / "one.wav", np.zeros(1, np.int16)),
            "--style",
            "preset:happy",
            "-o",
            t / "o.npz",
        ],
        "phonemes of NaN audio": ["phonemes", hostile.nan_wav(t / "nan.wav"), "-o", t / "p.json"],
        "preview with NaN audio": [
            "preview",
            "--curves",
            i["curves"],
            "--audio",
            hostile.nan_wav(t / "nan.wav"),
            "--size",
            "64",
            "-o",
            t / "o.mp4",
        ],
        "complex style clip": generate(
            {**i, "style": hostile.style_mat(t / "cx.mat", np.ones((9, 64)) * (1 + 1j))}, t / "o.npz"
        ),
        "train --batch 0": ["train", "--data", t, "--batch", "0", "-o", t / "m.pth"],
        "train --lr nan": ["train", "--data", t, "--lr", "nan", "-o", t / "m.pth"],
        "train --steps 0": ["train", "--data", t, "--steps", "0", "-o", t / "m.pth"],
    }


def _binary(path):
    path.write_bytes(bytes(range(256)) * 4)
    return path


@pytest.mark.parametrize(
    "case",
    [
        "labels id 10**30",
        "labels nested deep",
        "generate --device mps",
        "generate --device meta",
        "render --device meta",
        "preview --size 100000",
        "binary transcript",
        "phonemes of 1 sample",
        "generate --audio of 1 sample",
        "phonemes of NaN audio",
        "preview with NaN audio",
        "complex style clip",
        "train --batch 0",
        "train --lr nan",
        "train --steps 0",
    ],
)
def test_bad_input_is_one_line(case, inputs, capsys):
    argv = bad_input_cases(inputs)[case]
    fails_cleanly(argv, capsys, inputs["tmp"])


@pytest.mark.parametrize("command", ["extract-style", "generate --style"])
def test_video_corrupt_mid_stream(command, inputs, capsys):
    video = hostile.corrupt_video(inputs["tmp"] / "broken.mp4", inputs["video"])
    t = inputs["tmp"]
    argv = (
        ["extract-style", video, "-o", t / "s.mat"]
        if command == "extract-style"
        else generate({**inputs, "style": video}, t / "o.npz")
    )
    err = fails_cleanly(argv, capsys, t, "broken.mp4", "corrupt at frame")
    assert "TensorFlow" not in err


# --- nothing non-finite is ever written -------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        ["--style-strength", "nan"],
        ["--style-strength", "inf"],
        ["--style-strength", "1e38"],
        ["--style-weights", "nan"],
        ["--style-weights", "inf"],
    ],
)
def test_settings_that_would_make_nan_curves_are_refused(extra, inputs, capsys):
    fails_cleanly(generate(inputs, inputs["tmp"] / "o.npz", *extra), capsys, inputs["tmp"])


def test_style_weights_overflowing_their_sum_are_refused(inputs, capsys):
    style = str(inputs["style"])
    argv = generate(inputs, inputs["tmp"] / "o.npz", "--style-weights", "1e308", "1e308")
    argv[argv.index("--style") + 1 : argv.index("--style") + 2] = [style, style]
    fails_cleanly(argv, capsys, inputs["tmp"], "weights")


@pytest.mark.parametrize("source", ["style clip of 1e30", "checkpoint with NaN weights"])
def test_inputs_that_make_the_network_non_finite(source, inputs, capsys):
    t = inputs["tmp"]
    if source.startswith("style"):
        argv = generate({**inputs, "style": hostile.style_mat(t / "huge.mat", np.full((9, 64), 1e30))}, t / "o.npz")
    else:
        argv = generate({**inputs, "ckpt": hostile.nan_checkpoint(t / "nan.pth", inputs["ckpt"])}, t / "o.npz")
    fails_cleanly(argv, capsys, t)


CURVES_DEFECTS = {
    "exp as strings": {"exp": np.array([["a"] * 64] * 3)},
    "1e300 in float64": {"exp": np.full((3, 64), 1e300)},
    "fps inf": {"exp": np.zeros((3, 64)), "fps": np.float64("inf")},
    "fps 1e-300": {"exp": np.zeros((3, 64)), "fps": np.float64(1e-300)},
    "fps 0.001": {"exp": np.zeros((3, 64)), "fps": np.float64(0.001)},
    "exp 3e38 (finite in float32)": {"exp": np.full((2, 64), 3e38, np.float32)},
    "pose of the wrong shape": {"exp": np.zeros((3, 64)), "pose": np.zeros((3, 5))},
    "pose with NaN": {"exp": np.zeros((3, 64)), "pose": np.full((3, 9), np.nan)},
    "pose as strings": {"exp": np.zeros((3, 64)), "pose": np.array([["x"] * 9] * 3)},
    "meta audio not a string": {"exp": np.zeros((3, 64)), "meta": np.array(json.dumps({"audio": 5}))},
}


@pytest.mark.parametrize("defect", sorted(CURVES_DEFECTS))
@pytest.mark.parametrize("command", ["export", "arkit-csv", "retarget --arkit", "preview", "addon reader"])
def test_defective_curves_files(blender, defect, command, inputs, capsys):
    t = inputs["tmp"]
    bad = t / "bad.npz"
    np.savez(bad, **CURVES_DEFECTS[defect])
    if command == "addon reader":  # the add-on reads curves with the very same module
        from styletalk_core.formats.curves import load_curves
        from styletalk_core.formats.errors import InputError

        with pytest.raises(InputError, match="bad.npz"):
            load_curves(bad)
        return
    argv = {
        "export": ["export", "--curves", bad, "--format", "json", "-o", t / "o.json"],
        "arkit-csv": ["export", "--curves", bad, "--format", "arkit-csv", "-o", t / "o.csv"],
        "retarget --arkit": ["retarget", "--mesh", t / "none.obj", "--curves", bad, "--arkit", "-o", t / "o.glb"],
        "preview": ["preview", "--curves", bad, "--size", "64", "-o", t / "o.mp4"],
    }[command]
    fails_cleanly(argv, capsys, t, "bad.npz")


def test_two_outputs_are_written_both_or_neither(inputs, capsys):
    """generate -o and --arkit: when the ARKit file cannot be written, the curves file is not written
    (or replaced) either."""
    t = inputs["tmp"]
    (t / "c_out.npz").write_bytes(KEEP)
    (t / "take.csv").mkdir()  # a folder where the ARKit file should go
    fails_cleanly(generate(inputs, t / "c_out.npz", "--arkit", t / "take.csv"), capsys, t, "take.csv")
    fails_cleanly(generate(inputs, t / "same.npz", "--arkit", t / "same.npz"), capsys, t)  # one file, two outputs
    assert main([str(a) for a in generate(inputs, t / "c_out.npz", "--arkit", t / "take.json")]) == 0
    assert (t / "c_out.npz").read_bytes() != KEEP and (t / "take.json").stat().st_size > 0


SPECIAL_OUTPUTS = {
    "generate -o": lambda i, o: generate(i, o),
    "export -o": lambda i, o: ["export", "--curves", i["curves"], "--format", "csv", "-o", o],
    "export arkit -o": lambda i, o: ["export", "--curves", i["curves"], "--format", "arkit-csv", "-o", o],
}


@pytest.mark.parametrize("command", sorted(SPECIAL_OUTPUTS))
def test_special_files_are_never_replaced_and_links_are_written_through(command, inputs, capsys):
    t = inputs["tmp"]
    suffix = ".npz" if command.startswith("generate") else ".csv"
    fifo = t / f"fifo{suffix}"
    os.mkfifo(fifo)
    fails_cleanly(SPECIAL_OUTPUTS[command](inputs, fifo), capsys, t, "not a regular file")
    assert fifo.is_fifo()
    link_to_fifo = t / f"to_fifo{suffix}"
    link_to_fifo.symlink_to(fifo)
    fails_cleanly(SPECIAL_OUTPUTS[command](inputs, link_to_fifo), capsys, t, "not a regular file")
    assert link_to_fifo.is_symlink() and fifo.is_fifo()
    real, link = t / "sub" / f"real{suffix}", t / f"link{suffix}"
    real.parent.mkdir()
    real.write_bytes(KEEP)
    link.symlink_to(real)
    assert main([str(a) for a in SPECIAL_OUTPUTS[command](inputs, link)]) == 0
    assert link.is_symlink() and real.is_file() and real.read_bytes() != KEEP  # written through the link


# --- signals: the add-on's cancel (SIGTERM) cleans up like Ctrl-C ------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("command", ["preview", "render"])
def test_sigterm_leaves_no_temporary_file(shared, command, tmp_path):
    frames = 3000 if command == "preview" else 200
    curves = tmp_path / "long.npz"
    np.savez(curves, exp=np.zeros((frames, 64), np.float32), pose=np.zeros((frames, 9), np.float32))
    out = tmp_path / "o.mp4"
    argv = [
        sys.executable,
        "-m",
        "styletalk_core.cli",
        command,
        "--curves",
        str(curves),
        "--progress",
        "lines",
        "-o",
        str(out),
    ]
    if command == "render":
        from PIL import Image

        Image.fromarray(np.full((256, 256, 3), 128, np.uint8)).save(tmp_path / "face.png")
        argv += [
            "--image",
            str(tmp_path / "face.png"),
            "--renderer",
            str(shared_path("parity", "renderer_random_ckpt.pth")),
            "--engine",
            "torch",  # a stop during OpenVINO's conversion is the timing test below
            "--batch",
            "1",  # a stop while frames are written, from the first
        ]
    else:
        argv += ["--size", "128"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    first = proc.stdout.readline()  # the first progress line: frames are being written
    assert first.startswith("progress"), proc.stderr.read()[-2000:]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["long.npz"] + (["face.png"] if command == "render" else [])
    )


@pytest.mark.slow
@pytest.mark.timing
def test_sigterm_during_the_openvino_conversion_stops_cleanly(shared, tmp_path):
    """OpenVINO's converter runs Python callbacks and used to swallow the interrupt (exit 0) or wrap it
    in its own error (a traceback): now the render stops within 2 s, leaves no file and no cache entry."""
    pytest.importorskip("openvino", reason="openvino is not installed (the [cpu] extra)")
    from PIL import Image

    frames = 40
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=np.zeros((frames, 64), np.float32), pose=np.zeros((frames, 9), np.float32))
    Image.fromarray(np.full((256, 256, 3), 128, np.uint8)).save(tmp_path / "face.png")
    cache = tmp_path / "cache"
    argv = [
        sys.executable,
        "-m",
        "styletalk_core.cli",
        "render",
        "--curves",
        str(curves),
        "--image",
        str(tmp_path / "face.png"),
        "--renderer",
        str(shared_path("parity", "renderer_random_ckpt.pth")),
        "--engine",
        "openvino",
        "-o",
        str(tmp_path / "o.mp4"),
    ]
    env = {**os.environ, "STYLETALK_CACHE_DIR": str(cache)}
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    assert proc.stderr.readline().startswith("renderer: compiling")
    time.sleep(1.0)  # into the trace and conversion
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    stopped = time.perf_counter() - t0
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err[-2000:]
    assert stopped < 2.0, stopped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz", "cache", "face.png"] or not cache.exists()
    assert not list(cache.rglob("*.xml")) and not list(cache.rglob(".tmp-*"))


def test_render_inputs_are_checked_before_the_engine_is_set_up(shared, inputs, capsys):
    t = inputs["tmp"]
    (t / "face.png").write_text("not an image")
    argv = [
        "render",
        "--curves",
        inputs["curves"],
        "--image",
        t / "face.png",
        "--renderer",
        shared_path("parity", "renderer_random_ckpt.pth"),
        "--engine",
        "torch",
        "-o",
        t / "o.mp4",
    ]
    err = fails_cleanly(argv, capsys, t, "face.png")
    assert "compiling" not in err
    (t / "bad\nname.png").write_text("also not an image")
    argv[argv.index("--image") + 1] = t / "bad\nname.png"
    err = fails_cleanly(argv, capsys, t, "bad\\nname.png")  # a newline in a name stays on one line


# --- progress moves in every stage ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("command", ["generate --audio", "phonemes"])
def test_progress_lines_cover_labelling(command, inputs, tmp_path):
    wav = inputs["wav"]
    argv = (
        ["generate", "--audio", str(wav), "--style", "preset:happy", "-o", str(tmp_path / "o.npz")]
        if command == "generate --audio"
        else ["phonemes", str(wav), "-o", str(tmp_path / "o_seq.json")]
    )
    proc = subprocess.run(
        [sys.executable, "-m", "styletalk_core.cli", *argv, "--progress", "lines"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    steps = [tuple(map(int, line.split()[1:])) for line in proc.stdout.splitlines() if line.startswith("progress")]
    done = [d / t for d, t in steps]
    assert len(steps) >= 4 and done == sorted(done) and done[-1] == 1.0
    assert any(0 < d < 0.1 for d in done), "decoding reports progress"
    assert any(0.1 < d < 1.0 for d in done), "labelling reports progress"


@pytest.mark.slow
def test_extract_style_error_is_one_line_even_from_native_code(tmp_path):
    """MediaPipe's C++ side writes to file descriptor 2 directly: only a subprocess sees it."""
    import av

    video = tmp_path / "noface.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width = stream.height = 128
        stream.pix_fmt = "yuv420p"
        for i in range(6):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.full((128, 128, 3), 40 * i, np.uint8))):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    proc = subprocess.run(
        [sys.executable, "-m", "styletalk_core.cli", "extract-style", str(video), "-o", str(tmp_path / "s.mat")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "no face found" in lines[0], proc.stderr


def test_validation_speakers_covering_every_clip(tmp_path, capsys):
    import scipy.io

    for name in ("spk_a_clip1", "spk_b_clip1"):
        coeff = np.zeros((40, 257), np.float32)
        scipy.io.savemat(tmp_path / f"{name}.mat", {"coeff": coeff})
        hostile.labels(tmp_path / f"{name}_seq.json", [31] * 40)
    argv = ["train", "--data", tmp_path, "--val-speakers", "spk_a", "spk_b", "--steps", "1", "-o", tmp_path / "m.pth"]
    fails_cleanly(argv, capsys, tmp_path, "nothing is left to train on")


@pytest.mark.slow
def test_empty_transcript_warns_and_labels_by_recognition(inputs, tmp_path, caplog):
    from styletalk_core.formats.labelling import LabelOptions
    from styletalk_core.formats.labels import SIL
    from styletalk_core.speech.phonemes import phonemes_from_audio

    ids = phonemes_from_audio(inputs["wav"], LabelOptions("  ?! "))
    assert "no words" in caplog.text and (ids != SIL).mean() > 0.3
