"""Character I/O, old path and new side by side: the hand-written glTF codec this project had until
commit f631136 (first mesh, first primitive only) against Blender's importers and exporters in a child
process (meshio). Read and write time and peak memory on a 26 k-vertex head and a 2 M-vertex body,
then the whole `styletalk retarget` on a 2 M-vertex character whose head is its own object, and on one
whose head and body are one mesh, with the longest gap between progress lines. A .glb gets the additions
straight into its own bytes (meshio.glb_append); --fbx adds the 2 M body written as FBX through Blender.
Each measurement runs in a fresh process.

Run: .venv/bin/python benchmarks/character_io.py [--skip-2m] [--fbx]"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OLD_COMMIT = "f631136"
ICT = REPO.parent / "shared" / "reference" / "ict_facekit" / "ict_facekit.npz"
PART = {"head": "Head", "body": "character"}  # the mesh object the keys go onto

RUNNER = r"""
import json, resource, sys, time
import numpy as np
sys.path[:0] = [sys.argv[1], sys.argv[2]]
mode, path, out = sys.argv[3:6]
t = time.perf_counter()
if mode == "old-read":
    from old_formats.gltf import read_glb
    v = len(read_glb(path)["positions"])
elif mode == "new-read":
    from styletalk_core.meshio import read_character
    v = sum(len(p.vertices) for p in read_character(path).parts)
elif mode == "old-write":
    from old_formats.gltf import read_glb, write_glb
    g = read_glb(path); t = time.perf_counter()
    rng = np.random.default_rng(0)
    targets = {f"exp{i:02d}": np.zeros_like(g["positions"], np.float32) for i in range(64)}
    for d in targets.values():
        d[:26719] = rng.normal(0, 1e-3, (26719, 3))
    write_glb(out, g["positions"], g["triangles"], targets, rng.normal(0, 1, (540, 64)))
    v = len(g["positions"])
else:
    from styletalk_core.formats.character import Additions, load_character
    from styletalk_core.meshio import write_character
    character = load_character(path + ".npz")  # read beforehand, in another process
    rng = np.random.default_rng(0)
    idx = np.arange(26719)
    add = Additions(sys.argv[6], tuple(f"exp{i:02d}" for i in range(64)), idx,
                    rng.normal(0, 1e-3, (64, len(idx), 3)).astype(np.float32),
                    tuple(f"exp{i:02d}" for i in range(64)), rng.normal(0, 1, (540, 64)), 30.0, 10.0)
    t = time.perf_counter()
    how = write_character(path, character, [add], out)
    v = -1
dt = time.perf_counter() - t
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
print("RESULT " + json.dumps({"s": dt, "self_gb": me, "child_gb": child, "vertices": v,
                              "how": locals().get("how", "")}))
"""


def old_codec(tmp: Path) -> Path:
    """The old modules, from git, as a package `old_formats` under tmp."""
    pkg = tmp / "old" / "old_formats"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for name in ("gltf", "errors", "fileio", "morph"):
        src = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{OLD_COMMIT}:styletalk_core/formats/{name}.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (pkg / f"{name}.py").write_text(src)
    return tmp / "old"


def measure(old: Path, mode: str, path: Path, out: Path, part: str = "") -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(old), str(REPO), mode, str(path), str(out), part],
        capture_output=True,
        text=True,
    )
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if not line:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1][:160]}
    return json.loads(line[0][7:])


def make_files(old: Path, tmp: Path, big: bool) -> dict[str, Path]:
    """head.glb (an ICT identity, 26,719 vertices); body.glb (that head and a 2 M-vertex body in one
    mesh); parts.glb (the same as two objects, Head and Body, written by Blender)."""
    sys.path.insert(0, str(old))
    from old_formats.gltf import write_glb

    with np.load(ICT) as z:
        head, faces = z["neutral"].astype(np.float64), z["faces"]
    tris = np.concatenate(
        [faces[faces[:, 3] < 0, :3], faces[faces[:, 3] >= 0][:, [0, 1, 2]], faces[faces[:, 3] >= 0][:, [0, 2, 3]]]
    )
    files = {"head": tmp / "head.glb"}
    write_glb(files["head"], head, tris, {}, name="Head")
    if not big:
        return files
    n = 1414  # a closed-ish tube of n x n vertices below the head: a body's worth of vertices
    a, h = np.meshgrid(np.linspace(0, 2 * np.pi, n, endpoint=False), np.linspace(-150, -10, n))
    body = np.stack([12 * np.cos(a), h, 10 * np.sin(a)], -1).reshape(-1, 3)
    grid = np.arange(n * n).reshape(n, n)
    quads = np.stack([grid[:-1, :-1], grid[:-1, 1:], grid[1:, 1:], grid[1:, :-1]], -1).reshape(-1, 4)
    body_tris = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    files["body"] = tmp / "body.glb"
    write_glb(files["body"], np.concatenate([head, body]), np.concatenate([tris, body_tris + len(head)]), {})
    write_glb(tmp / "body_only.glb", body, body_tris, {}, name="Body")
    files["parts"] = tmp / "parts.glb"
    script = (
        "import bpy, sys, os; bpy.ops.wm.read_factory_settings(use_empty=True); "
        "[bpy.ops.import_scene.gltf(filepath=f) for f in sys.argv[1:3]]; "
        "bpy.ops.export_scene.gltf(filepath=sys.argv[3], export_normals=False); os._exit(0)"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(files["head"]), str(tmp / "body_only.glb"), str(files["parts"])],
        capture_output=True,
        check=True,
    )
    return files


def retarget_run(mesh: Path, out: Path, curves: Path) -> dict:
    """The whole command with --progress lines: time, peak memory (self, Blender child), longest gap."""
    code = (
        "import resource, runpy, sys; sys.argv = ['styletalk'] + sys.argv[1:]; "
        "from styletalk_core.cli import main; rc = main(sys.argv[1:]); "
        "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6, flush=True); sys.exit(rc)"
    )
    argv = [
        sys.executable,
        "-c",
        code,
        "retarget",
        "--mesh",
        str(mesh),
        "--curves",
        str(curves),
        "-o",
        str(out),
        "--progress",
        "lines",
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    stamps, peak = [t0], None
    for line in proc.stdout:
        if line.startswith("progress"):
            stamps.append(time.perf_counter())
        elif line.startswith("PEAK"):
            peak = [float(x) for x in line.split()[1:]]
    err = proc.stderr.read()
    proc.wait()
    stamps.append(time.perf_counter())
    return {
        "rc": proc.returncode,
        "s": stamps[-1] - t0,
        "gap_s": float(np.diff(stamps).max()),
        "peak": peak,
        "err": err.strip()[-200:],
        "mb": out.stat().st_size / 1e6 if out.exists() else 0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-2m", action="store_true", help="only the 26 k head")
    ap.add_argument("--fbx", action="store_true", help="also the 2 M body written as .fbx (Blender's exporter)")
    ap.add_argument("--make", type=Path, help=argparse.SUPPRESS)  # (internal) write the files into this folder
    args = ap.parse_args()
    if args.make:
        from styletalk_core.formats.character import save_character
        from styletalk_core.meshio import read_character

        for path in make_files(args.make / "old", args.make, not args.skip_2m).values():
            save_character(read_character(path), f"{path}.npz")  # the part the new writer is given
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        old = old_codec(tmp)
        # made in another process: a process's peak memory survives fork and exec into the ones it starts
        subprocess.run([sys.executable, __file__, "--make", str(tmp)] + (["--skip-2m"] * args.skip_2m), check=True)
        files = {n: tmp / f"{n}.glb" for n in ("head", "body", "parts") if (tmp / f"{n}.glb").exists()}
        print(f"{'file':<10}{'step':<7}{'old s':>8}{'old GB':>8}{'new s':>8}{'new GB (self+Blender)':>24}{'ratio':>7}")
        for name in [n for n in ("head", "body") if n in files]:
            for step in ("read", "write"):
                o = measure(old, f"old-{step}", files[name], tmp / f"o_{name}.glb")
                n = measure(old, f"new-{step}", files[name], tmp / f"n_{name}.glb", PART[name])
                if "error" in o or "error" in n:
                    print(f"{name:<10}{step:<7} old: {o.get('error', 'ok')} | new: {n.get('error', 'ok')}")
                    continue
                print(
                    f"{name:<10}{step:<7}{o['s']:>8.1f}{o['self_gb']:>8.2f}{n['s']:>8.1f}"
                    f"{n['self_gb']:>12.2f} + {n['child_gb']:.2f}{n['s'] / o['s']:>7.1f}  {n['how']}"
                )
        if "body" in files and args.fbx:
            n = measure(old, "new-write", files["body"], tmp / "n_body.fbx", PART["body"])
            print(f"body -> .fbx (Blender's exporter): {n}")
        if "parts" in files:
            curves = tmp / "curves.npz"
            np.savez(curves, exp=np.random.default_rng(0).normal(0, 1, (540, 64)).astype(np.float32), fps=30.0)
            for name, what in (("parts", "Head + Body objects"), ("body", "one mesh: its face found head first")):
                r = retarget_run(files[name], tmp / f"talking_{name}.glb", curves)
                print(
                    f"retarget on a 2 M-vertex character ({what}), 540 frames: exit {r['rc']}, "
                    f"{r['s']:.1f} s, peak {r['peak']} GB (self, Blender), longest gap between progress lines "
                    f"{r['gap_s']:.1f} s, output {r['mb']:.1f} MB {r['err']}"
                )


if __name__ == "__main__":
    main()
