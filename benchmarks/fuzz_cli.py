"""Fuzz the CLI with malformed inputs of every kind (audio, labels, style clips, videos, checkpoints,
curves, paths, options, batch manifests, characters, placed landmarks and masks) and check each run
keeps the promises: exit 0 with a valid, finite output, or exit 2 with one stderr line and no
traceback (a batch: exit 1 when takes failed, every stderr line its own `styletalk batch:` line);
never a temporary file left, never an existing output changed; and each run, in a process of its
own, within MAX_SECONDS and with its whole process tree (Blender, workers) within MAX_RSS_GB at every
moment (sampled every 50 ms). Prints tried / OK / defects, each defect, and the largest peak memory
and time seen.

Then the runs that are more than one command (benchmarks/fuzz_scenarios.py): batches stopped by
SIGTERM at several moments, two batches on one folder.

Usage: .venv/bin/python benchmarks/fuzz_cli.py [--seed N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks import fuzz_scenarios  # noqa: E402
from styletalk_core.formats.curves import load_curves  # noqa: E402
from tests import hostile  # noqa: E402

SHARED = ROOT.parent / "shared" / "reference"
CKPT = SHARED / "parity" / "styletalk_random_ckpt.pth"
STYLE = SHARED / "parity" / "styletalk_case1_style.mat"
WAVS = sorted((SHARED / "official_samples" / "samples" / "source_video" / "wav").glob("*.wav"))
VIDEOS = sorted((SHARED / "official_samples" / "samples" / "style_clips" / "video").glob("*.mp4"))
MAX_SECONDS = 60.0
MAX_RSS_GB = 3.0
PEAKS: list[tuple[float, float, str]] = []  # (GB, seconds, command) of every run
ODD_NUMBERS = ["nan", "inf", "-inf", "-1", "0", "1e308", "1e-308", "99999999999", "abc", ""]


def junk_values(rng: np.random.Generator) -> list:
    return [
        [10**30],
        [-1],
        [41],
        [1.5],
        ["a"],
        [True],
        [],
        {},
        "x",
        None,
        [[1, 2]],
        [31] * 3 + [None],
        list(rng.integers(-5, 50, 20).tolist()),
    ]


def curves_files(tmp: Path, rng: np.random.Generator) -> list[Path]:
    files = []
    shapes = [(0, 64), (3, 63), (3,), (3, 64, 1), (2, 64)]
    for i, shape in enumerate(shapes):
        p = tmp / f"curves{i}.npz"
        np.savez(p, exp=rng.normal(size=shape))
        files.append(p)
    for i, extra in enumerate(
        [
            {"fps": np.float64("nan")},
            {"fps": np.array("x")},
            {"pose": np.ones((2, 9)) * np.inf},
            {"phonemes": np.array([0.5, 1.5])},
            {"meta": np.array("not json")},
        ]
    ):
        p = tmp / f"curves_extra{i}.npz"
        np.savez(p, exp=np.zeros((2, 64)), **extra)
        files.append(p)
    for i, data in enumerate([b"", b"PK\x03\x04garbage", rng.bytes(300)]):
        p = tmp / f"raw{i}.npz"
        p.write_bytes(data)
        files.append(p)
    (tmp / "c.json").write_text(json.dumps({"exp": [[1e400] * 64]}).replace("Infinity", "1e400"))
    return [*files, tmp / "c.json"]


def cases(tmp: Path, rng: np.random.Generator) -> list[list[str]]:
    good_labels = hostile.labels(tmp / "good_seq.json", [31, 2, 2, 21, 31] * 3)
    gen = ["generate", "--phonemes", str(good_labels), "--style", str(STYLE), "--checkpoint", str(CKPT)]
    out = []
    for i, v in enumerate(junk_values(rng)):  # labels
        f = hostile.labels(tmp / f"junk{i}_seq.json", v)
        out.append(["generate", "--phonemes", str(f), "--style", str(STYLE), "--checkpoint", str(CKPT), "-o", "o.npz"])
    out.append([*gen[:2], str(hostile.labels(tmp / "deep_seq.json", hostile.deep_list())), *gen[3:], "-o", "o.npz"])
    for opt in ("--style-strength", "--style-weights", "--batch"):  # options
        out += [[*gen, opt, v, "-o", "o.npz"] for v in ODD_NUMBERS]
    out += [[*gen, "--device", d, "-o", "o.npz"] for d in ("mps", "meta", "cuda:7", "xpu", "cpu:0", "")]
    for i, clip in enumerate(
        [np.full((5, 64), 1e30), np.ones((5, 64)) * 1j, np.zeros((0, 64)), np.full((5, 64), np.nan)]
    ):
        f = hostile.style_mat(tmp / f"style{i}.mat", clip)
        out.append([*gen[:4], str(f), *gen[5:], "-o", "o.npz"])
    for i, data in enumerate([b"", rng.bytes(1000), b"\x80\x02garbage"]):  # checkpoints
        f = tmp / f"ckpt{i}.pth"
        f.write_bytes(data)
        out.append([*gen[:-1], str(f), "-o", "o.npz"])
    out.append([*gen[:-1], str(hostile.nan_checkpoint(tmp / "nan.pth", CKPT)), "-o", "o.npz"])
    audio = [
        hostile.write_wav(tmp / "one.wav", np.zeros(1, np.int16)),
        hostile.nan_wav(tmp / "nan.wav"),
        hostile.write_wav(tmp / "silence.wav", np.zeros(16000, np.int16)),
    ]
    (tmp / "noise.wav").write_bytes(rng.bytes(5000))
    (tmp / "-dash.wav").write_bytes((tmp / "silence.wav").read_bytes())
    for a in [*audio, tmp / "noise.wav"]:
        out.append(["phonemes", str(a), "-o", "p_seq.json"])
    out.append(["phonemes", str(WAVS[0]), "--transcript", "", "-o", "p_seq.json"])
    out.append(["phonemes", str(WAVS[0]), "--transcript", "¿Qué pasó? 你好", "-o", "p_seq.json"])
    out.append(["phonemes", "--", str(tmp / "-dash.wav"), "-o", "p_seq.json"])
    (tmp / "bin.txt").write_bytes(bytes(range(256)))
    out.append(["phonemes", str(WAVS[0]), "--transcript-file", str(tmp / "bin.txt"), "-o", "p_seq.json"])
    for c in curves_files(tmp, rng):  # curves into every reader
        out += [["export", "--curves", str(c), "--format", fmt, "-o", f"e.{fmt}"] for fmt in ("npy", "csv", "json")]
        out.append(["preview", "--curves", str(c), "--size", "64", "-o", "p.mp4"])
    ok_curves = tmp / "ok.npz"
    np.savez(ok_curves, exp=np.zeros((4, 64), np.float32))
    for name in ("x.dat", "noext", "", "sub/", "x" * 300 + ".npz", "ok.npz/x.csv"):  # paths
        out.append(["export", "--curves", str(ok_curves), "--format", "csv", "-o", name])
        out.append([*gen, "-o", name])
    out += [["preview", "--curves", str(ok_curves), "--size", s, "-o", "p.mp4"] for s in ("100000", "63", "0", "-2")]
    out.append(["preview", "--curves", str(ok_curves), "--audio", str(tmp / "nan.wav"), "--size", "64", "-o", "p.mp4"])
    video = hostile.corrupt_video(tmp / "broken.mp4", VIDEOS[0])  # videos
    (tmp / "fake.mp4").write_bytes(rng.bytes(4000))
    for v in (video, tmp / "fake.mp4", tmp / "silence.wav"):
        out.append(["extract-style", str(v), "-o", "s.mat"])
    face = tmp / "face.png"
    from PIL import Image

    Image.fromarray(np.full((64, 48, 3), 100, np.uint8)).save(face)
    (tmp / "notimage.png").write_bytes(rng.bytes(500))
    render = ["render", "--curves", str(ok_curves), "--renderer", str(SHARED / "parity" / "renderer_random_ckpt.pth")]
    out += [
        [*render, "--image", str(face), "--still-pose", "--audio", str(tmp / "nan.wav"), "-o", "r.mp4"],
        [*render, "--image", str(tmp / "notimage.png"), "--still-pose", "-o", "r.mp4"],
        [*render, "--image", str(face), "-o", "r.mp4"],  # curves without pose
        [*render, "--image", str(face), "--still-pose", "--precision", "fp16", "-o", "r.mp4"],
        [*render[:4], str(CKPT), "--image", str(face), "--still-pose", "-o", "r.mp4"],
    ]
    for opt in ("--batch", "--seq-len", "--lr", "--steps", "--level-shift"):  # training options
        out += [["train", "--data", str(tmp), opt, v, "-o", "m.pth"] for v in ("0", "nan", "-1")]
    out += round_three(tmp, rng, gen, ok_curves, render, face) + character_rounds(tmp, rng, ok_curves)
    out += landmark_rounds(tmp, ok_curves)
    return out + round_four(tmp, gen)


def _claiming(shape: tuple, dtype: str = "<f4") -> bytes:
    """An .npy whose header claims `shape`, with 16 bytes of data."""
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, {"descr": dtype, "fortran_order": False, "shape": shape})
    return f.getvalue() + bytes(16)


def round_four(tmp: Path, gen: list[str]) -> list[list[str]]:
    """Hostile input round 4: files that claim gigabytes, curves at 1 fps exported at 60, long
    transcripts, huge style mixes, batch manifests that lie or name the folder's own files."""
    import zipfile

    from styletalk_core.formats.curves import Curves

    bomb = tmp / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("exp.npy", _claiming((3 * 10**8, 64)))
    (tmp / "bomb.npy").write_bytes(_claiming((10**9, 73)))
    Curves(exp=np.zeros((7300, 64), np.float32), fps=1.0).save(tmp / "slow.npz")
    out = [
        ["export", "--curves", str(c), "--format", f, "-o", f"e.{f.split('-')[-1]}"]
        for c in (bomb, tmp / "bomb.npy")
        for f in ("csv", "arkit-csv")
    ]
    out += [
        ["export", "--curves", str(tmp / "slow.npz"), "--format", f, "-o", f"e.{f.split('-')[-1]}"]
        for f in ("arkit-csv", "arkit-json", "csv")
    ]
    (tmp / "long.txt").write_text("pa " * 200_000)
    out.append(["phonemes", str(WAVS[0]), "--transcript-file", str(tmp / "long.txt"), "-o", "p_seq.json"])
    out.append([*gen[:4], *["preset:neutral"] * 10_000, *gen[5:], "-o", "o.npz"])
    wav = tmp / "silence.wav"
    rows = {
        "reserved": "summary.json,silence.wav,preset:happy,curves",
        "many styles": "a,silence.wav," + ";".join(["preset:happy"] * 10_000) + ",curves",
        "gone audio": "a,gone.wav,preset:happy,curves",
        "fifo audio": "a,fifo.csv,preset:happy,curves",
        "strength list": 'a,silence.wav,preset:happy,"[1]"',
    }
    for i, row in enumerate(rows.values()):
        m = tmp / f"m{i}.csv"
        m.write_text("id,audio,style,outputs\n" + row + "\n")
        out.append(["batch", str(m), "-o", "out", "--threads", "1000"])
    assert wav.exists()
    return out


def special_outputs(tmp: Path) -> list[Path]:
    """A FIFO, a link to it and a link to a regular file: outputs that must never be replaced (the
    first two) or must be written through (the last)."""
    fifo, to_fifo, regular, to_regular = tmp / "fifo.csv", tmp / "to_fifo.csv", tmp / "real.csv", tmp / "link.csv"
    os.mkfifo(fifo)
    to_fifo.symlink_to(fifo)
    regular.write_text("the user's file")
    to_regular.symlink_to(regular)
    return [fifo, to_fifo, to_regular]


def round_three(tmp: Path, rng: np.random.Generator, gen: list[str], ok_curves: Path, render: list[str], face: Path):
    """The classes of the third hostile round: slow or huge curves through the ARKit and character
    exports, a command's two outputs, special files as outputs, style videos at other frame rates,
    training data and option mix-ups, file names with newlines."""
    out = []
    cube = [(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    faces = [(1, 2, 4), (1, 4, 3), (5, 7, 8), (5, 8, 6), (1, 5, 6), (1, 6, 2), (3, 4, 8), (3, 8, 7)]
    (tmp / "head.obj").write_text(
        "".join(f"v {a} {b} {c}\n" for a, b, c in cube) + "".join(f"f {a} {b} {c}\n" for a, b, c in faces)
    )
    for i, (fps, value) in enumerate([(0.001, 0.0), (0.4, 0.0), (30, 3e38), (30, -2e3)]):
        c = tmp / f"odd_curves{i}.npz"
        np.savez(c, exp=np.full((3, 64), value, np.float32), fps=np.float64(fps))
        out += [["export", "--curves", str(c), "--format", f, "-o", f"a.{f[6:]}"] for f in ("arkit-csv", "arkit-json")]
        out.append(["retarget", "--mesh", str(tmp / "head.obj"), "--curves", str(c), "--arkit", "-o", "h.glb"])
    (tmp / "folder.csv").mkdir()
    out += [
        [*gen, "-o", "c.npz", "--arkit", str(tmp / "folder.csv")],
        [*gen, "-o", "c.npz", "--arkit", "c.npz"],
        [*gen, "-o", "c.json", "--arkit", "take.csv"],
    ]
    for target in special_outputs(tmp):
        out.append(["export", "--curves", str(ok_curves), "--format", "csv", "-o", str(target)])
        out.append(["export", "--curves", str(ok_curves), "--format", "arkit-csv", "-o", str(target)])
    for rate in (25, 60):
        out.append(
            [
                "extract-style",
                str(hostile.reencoded(VIDEOS[0], tmp / f"v{rate}.mp4", rate, frames=20)),
                "-o",
                f"s{rate}.npz",
            ]
        )
    out += [
        ["train", "--data", str(tmp), "--val-speakers", "Nobody", "--steps", "1", "-o", "m.pth"],
        ["evaluate", "--data", str(tmp / "no_such_folder"), "--speakers", "x"],
    ]
    (tmp / "m.txt").write_text("0 0 0")
    out.append(["retarget", "--mesh", str(tmp / "head.obj"), "--mask", str(tmp / "m.txt"), "-o", "h.glb"])
    newline = tmp / "bad\nname.png"
    newline.write_bytes(rng.bytes(200))
    out.append([*render, "--image", str(newline), "--still-pose", "-o", "r.mp4"])
    out.append([*render, "--image", str(face), "--still-pose", "--audio", str(tmp / "m.txt"), "-o", "r.mp4"])
    return out


def character_rounds(tmp: Path, rng: np.random.Generator, ok_curves: Path) -> list[list[str]]:
    """Malformed character files (glTF, FBX, OBJ): the crafted classes of tests/hostile.py, then a
    valid glb and a Blender-written FBX cut at random lengths and with random bytes overwritten, and
    OBJ files with odd lines."""
    import subprocess

    folder = tmp / "characters"
    folder.mkdir()
    code = (
        "import bpy, sys, os; bpy.ops.wm.read_factory_settings(use_empty=True); bpy.ops.mesh.primitive_cube_add(); "
        "bpy.ops.export_scene.fbx(filepath=sys.argv[1]); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code, str(folder / "cube.fbx")], capture_output=True, check=True)
    fbx = (folder / "cube.fbx").read_bytes()
    files = [p for p, _ in hostile.character_files(folder, fbx).values()]
    for i, valid in enumerate([hostile.triangle_glb(), fbx] * 10):
        data = bytearray(valid)
        if i % 4 < 2:
            data = data[: int(rng.integers(1, len(data)))]
        else:
            at = rng.integers(0, len(data), 8)
            data[at[0] : at[0] + 1] = b""
            for k in at[1:]:
                data[min(k, len(data) - 1)] = int(rng.integers(0, 256))
        f = folder / f"mutant{i}.{'glb' if i % 2 == 0 else 'fbx'}"
        f.write_bytes(bytes(data))
        files.append(f)
    for i, body in enumerate(
        [
            "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 99\n",
            "v nan 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
            "f 1 2 3\n",
            "v 1e999 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
            "o only\n",
            "v 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -9\nvt 0 0\nvn 0 0 1\n",
        ]
    ):
        (folder / f"odd{i}.obj").write_text(body)
        files.append(folder / f"odd{i}.obj")
    return [["retarget", "--mesh", str(f), "--curves", str(ok_curves), "-o", f"c{i}.glb"] for i, f in enumerate(files)]


def landmark_rounds(tmp: Path, ok_curves: Path) -> list[list[str]]:
    """Placed landmarks and face masks a careless or hostile user gives (hostile round 4, classes 7 and
    12): points in another frame's coordinates, far off, tiny, bunched at one spot, not numbers; masks
    far off, at one point, or claiming terabytes in their header."""
    robot = SHARED / "characters" / "RobotExpressive.glb"
    placed = json.loads((ROOT / "benchmarks" / "landmarks" / "RobotExpressive.json").read_text())
    marks = {
        "shifted": {k: [x + 1e8 for x in v] for k, v in placed.items()},
        "tiny": {k: [x * 1e-30 for x in v] for k, v in placed.items()},
        "huge": {k: [x * 1e300 for x in v] for k, v in placed.items()},
        "bunched": {k: [0.01 * i, 0.0, 0.0] if i else v for i, (k, v) in enumerate(placed.items())},
        "words": {k: ["a", "b", "c"] for k in placed},
    }
    out = []
    for name, points in marks.items():
        (tmp / f"marks_{name}.json").write_text(json.dumps(points))
        out.append(["retarget", "--mesh", str(robot), "--landmarks", str(tmp / f"marks_{name}.json"), "-o", "l.glb"])
    masks = {"far": np.full((468, 3), 1e308), "one_point": np.zeros((468, 3))}
    for name, mask in masks.items():
        np.save(tmp / f"mask_{name}.npy", mask)
    (tmp / "mask_claims.npy").write_bytes(_claiming((10**12, 3), "<f8"))
    for name in (*masks, "claims"):
        out.append(["retarget", "--mesh", str(robot), "--mask", str(tmp / f"mask_{name}.npy"), "-o", "k.glb"])
    return out + [["retarget", "--mesh", str(robot), "--curves", str(ok_curves), "-o", "k.glb", "--landmarks", "-"]]


def judge(argv: list[str], work: Path, inputs: Path) -> str | None:
    """None if the run kept every promise, else what went wrong."""
    (work / "keep.npz").write_bytes(b"KEEP")  # an existing output that must survive failures
    before = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    problem = _judge_run(argv, work, before)
    fifos = [p for p in (inputs / "fifo.csv", inputs / "to_fifo.csv") if p.exists() or p.is_symlink()]
    if any(not stat.S_ISFIFO(p.stat().st_mode) for p in fifos) or not (inputs / "to_fifo.csv").is_symlink():
        return "a FIFO (or the link to it) was replaced"
    if not (inputs / "link.csv").is_symlink():
        return "a symbolic link was replaced by a file"
    return problem


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


def _rss_gb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1])
    return total * os.sysconf("SC_PAGE_SIZE") / 2**30


def _watched(argv: list[str], work: Path) -> tuple[int | None, str, str | None]:
    """(exit status, stderr, a memory or time problem) of the CLI run in a process of its own."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-P", "-m", "styletalk_core.cli", *argv]
    proc = subprocess.Popen(
        cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    t0, peak, problem = time.monotonic(), 0.0, None
    while proc.poll() is None:
        peak = max(peak, _rss_gb(_tree(proc.pid)))
        seconds = time.monotonic() - t0
        if peak > MAX_RSS_GB or seconds > MAX_SECONDS:
            problem = f"peak memory {peak:.2f} GB" if peak > MAX_RSS_GB else f"still running after {seconds:.0f} s"
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    _, err = proc.communicate()
    PEAKS.append((peak, time.monotonic() - t0, " ".join(argv)[:100]))
    return proc.returncode, err.decode("utf-8", "replace"), problem


def _judge_run(argv: list[str], work: Path, before: dict) -> str | None:
    rc, err, problem = _watched(argv, work)
    if problem:
        return problem
    lines = [x for x in err.splitlines() if x.strip() and ": warning: " not in x]  # warnings may be said
    temps = [p.name for p in work.rglob(".*tmp*")]
    if temps:
        return f"temporary files left: {temps}"
    if "Traceback" in err:
        return f"a traceback: {' | '.join(lines[-2:])[:200]}"
    if rc == 0:
        outputs = [p for p in work.rglob("*") if p.is_file() and p not in before and p.parent == work]
        for p in outputs:
            if p.stat().st_size == 0:
                return f"empty output {p.name}"
            if p.suffix == ".npz":
                load_curves(p)  # raises on non-finite or malformed curves
        return None
    if rc == 2 and argv and any("usage:" in x for x in lines):
        return None
    batch_lines = argv[0] == "batch" and rc in (1, 2) and all(x.startswith("styletalk batch: ") for x in lines)
    if not batch_lines and (rc != 2 or len(lines) != 1):
        return f"exit {rc}, stderr {len(lines)} lines: {' | '.join(lines)[:200]}"
    after = {p: p.read_bytes() for p in before if p.exists()}
    if after != before:
        return "an existing file changed"
    return None


def run(seed: int) -> tuple[int, list[tuple[list[str], str]]]:
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d) / "inputs"
        tmp.mkdir()
        all_cases = cases(tmp, rng)
        defects = []
        for i, argv in enumerate(all_cases):
            work = Path(d) / f"run{i}"
            work.mkdir()
            cwd = os.getcwd()
            os.chdir(work)
            try:
                problem = judge(argv, work, tmp)
            finally:
                os.chdir(cwd)
            if problem:
                defects.append((argv, problem))
        more = fuzz_scenarios.scenarios()  # signals and concurrency
        for i, scenario in enumerate(more):
            work = Path(d) / f"scenario{i}"
            work.mkdir()
            t0 = time.monotonic()
            problem = scenario(work, WAVS[0], STYLE)
            PEAKS.append((0.0, time.monotonic() - t0, scenario.__name__))
            if problem:
                defects.append(([scenario.__name__], problem))
        return len(all_cases) + len(more), defects


def main_fuzz() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    import logging

    logging.disable(logging.WARNING)  # warnings are allowed output; the error line is what is judged
    tried, defects = run(args.seed)
    print(f"tried {tried}  OK {tried - len(defects)}  defects {len(defects)}")
    gb, seconds, command = max(PEAKS)
    print(f"largest peak memory {gb:.2f} GB (limit {MAX_RSS_GB:g}): styletalk {command}")
    gb, seconds, command = max(PEAKS, key=lambda p: p[1])
    print(f"longest run {seconds:.1f} s (limit {MAX_SECONDS:g}): styletalk {command}")
    for argv, problem in defects:
        print(f"- styletalk {' '.join(a if len(a) < 60 else a[:57] + '...' for a in argv)}\n    {problem}")


if __name__ == "__main__":
    main_fuzz()
