"""Any character: is its face found, and how, and how does our motion land on it, measured at the
character's own vertices. Run on every character file in ../shared/reference/characters and on ICT-FaceKit
identities cut to the skin alone (no eyeballs, teeth or mouth socket, as many heads come). Each gets our
64 keys the way `styletalk retarget` adds them, animated with a real clip's expression; then:

  found       how the face was found (the view the detector read, the axes, or the landmarks placed by hand
              in benchmarks/landmarks/NAME.json), or why not; how its mouth
              is made (an opening in the mesh, an inside, or sealed: one surface from lip to lip)
  fit px      the found points' residual against our face (px of its 139 px width; refused above 18)
  lip r       the character's lip gap against our face's, frame by frame; the gap is measured between
              the character's own upper and lower lip vertices: on its midline, the most forward
              vertex of each lip (picked from the mesh, not at our 468 points)
  lip range   that gap's travel as a share of the mouth width (ours: the same on our face)
  flipped     the worst frame's share of moving skin triangles turned over (goal <= 1%)
  outside     the largest motion farther than 1.5 face heights from the face, share of the face width
  s           time to find the face and transfer the keys (reading the file included)

Usage: .venv/bin/python benchmarks/character_fit.py [--identities 4] [--pictures docs/character_fit.png]
       [--low-poly 4000 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from styletalk_core.face.face_model import load_face_model, mouth_opening  # noqa: E402
from styletalk_core.face.landmarks import mouth_frame  # noqa: E402
from styletalk_core.formats.errors import InputError  # noqa: E402
from styletalk_core.formats.labels import PHONEME_IDS, load_phoneme_labels  # noqa: E402
from styletalk_core.retarget.character import character_keys  # noqa: E402
from styletalk_core.retarget.correspondence import render_front, triangulate  # noqa: E402
from styletalk_core.retarget.locate import FaceHints, FoundFace, find_face  # noqa: E402
from styletalk_core.retarget.topology import components  # noqa: E402
from styletalk_core.style.clip import load_expression  # noqa: E402

REF = ROOT.parent / "shared" / "reference"
SAMPLES = REF / "official_samples" / "samples" / "source_video"
SUFFIXES = (".glb", ".gltf", ".fbx", ".obj")
OUTSIDE_HEIGHTS = 1.5
VISEMES = {"open vowel": ("AA", "AE", "AY"), "closed M": ("B", "M", "P")}
LANDMARKS = Path(__file__).resolve().parent / "landmarks"  # NAME.json: landmarks placed on character NAME


@dataclass
class Row:
    name: str
    found: str
    fit_px: float = float("nan")
    lip_r: float = float("nan")
    lip_range: float = float("nan")
    flipped: float = float("nan")
    outside: float = float("nan")
    seconds: float = float("nan")


def ict_skin_only(ict: dict, sigma: float, rng: np.random.Generator, folder: Path, name: str) -> Path:
    """An ICT identity as an OBJ of its face and head-and-neck groups only: the eyes, mouth and teeth holes open."""
    w = rng.normal(size=len(ict["identity_deltas"]))
    verts = ict["neutral"] + np.einsum("i,ivc->vc", sigma * w / np.sqrt((w**2).mean()), ict["identity_deltas"])
    groups = json.loads(str(ict["vertex_groups"]))
    last = max(groups["face"][1], groups["head_and_neck"][1])
    tris = triangulate(ict["faces"])
    tris = tris[(tris <= last).all(1)]
    path = folder / f"{name}.obj"
    path.write_text(
        "".join(f"v {a} {b} {c}\n" for a, b, c in verts[: last + 1])
        + "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in tris)
    )
    return path


DECIMATE = """
import sys
import bpy
src, out, faces = sys.argv[1], sys.argv[2], int(sys.argv[3])
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.wm.obj_import(filepath=src, forward_axis="NEGATIVE_Z", up_axis="Y")
obj = bpy.context.selected_objects[0]
mod = obj.modifiers.new("decimate", "DECIMATE")
mod.ratio = faces / len(obj.data.polygons)
bpy.context.view_layer.objects.active = obj
bpy.ops.object.modifier_apply(modifier="decimate")
bpy.ops.wm.obj_export(filepath=out, forward_axis="NEGATIVE_Z", up_axis="Y", export_materials=False,
                      export_normals=False, export_uv=False)
"""


def decimated(path: Path, faces: int) -> Path:
    """`path` (an OBJ) cut down to about `faces` triangles by Blender's Decimate modifier (collapse)."""
    import subprocess

    out = path.with_name(f"{path.stem.removesuffix('_skin_only')}_{faces}_faces.obj")  # a short label
    subprocess.run([sys.executable, "-c", DECIMATE, str(path), str(out), str(faces)], check=True, capture_output=True)
    return out


def own_lips(rest: np.ndarray, tris: np.ndarray, points: np.ndarray) -> tuple[int, int, float]:
    """The character's own upper and lower lip vertices (on the mouth's midline, the front-surface
    skin vertex of each lip (on the skin's piece of the mesh, not the teeth) nearest the seam but at
    least 4% of the mouth's width from it: the lip's
    edge, not the seam itself) and the mouth's width, y up, face towards +z. Only where to look comes
    from the found points (the mouth's centre and corners)."""
    centre, width = mouth_frame(points)
    label = components(tris, len(rest))
    used = np.unique(tris)
    nearest_skin = label[used[np.argmin(np.linalg.norm(rest[used] - points[1], axis=1))]]  # the nose tip's piece
    used = used[label[used] == nearest_skin]  # not the teeth or tongue behind the lips
    v = rest[used]
    near = (np.abs(v[:, 0] - centre[0]) < 0.08 * width) & (np.abs(v[:, 1] - centre[1]) < 0.25 * width)
    near &= v[:, 2] > centre[2] - 0.5 * width
    picks = []
    for sign in (1, -1):  # the front-surface vertex nearest the seam, at least 4% of the width from it
        off = sign * (v[:, 1] - centre[1])
        cand = np.flatnonzero(near & (off >= 0.04 * width))
        if cand.size == 0:
            raise InputError("no lip vertex on the mouth's midline")
        picks.append(int(used[cand[np.argmin(off[cand])]]))
    return picks[0], picks[1], width


def animate(found: FoundFace, exp: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, str]:
    """(rest, frames, seconds, how the mouth is made): the face part's welded vertices in the front
    view, at rest and animated by our 64 keys as `retarget` adds them (keys in the part's object
    space, back to the view)."""
    t0 = time.perf_counter()
    keys = character_keys(found)[0]  # the face part's
    geo, part = found.geo, found.geo.part
    deltas = np.zeros((64, len(part.vertices), 3))
    deltas[:, keys.indices] = keys.offsets[:64] @ part.matrix[:3, :3].T
    view = deltas[:, geo.index] @ found.rot.T
    rest = geo.view[: len(geo.index)]
    frames = rest + np.einsum("tk,kvc->tvc", exp, view)
    return rest, frames, time.perf_counter() - t0, keys.extras["face_fit"]["mouth"]


def flipped_share(rest: np.ndarray, frames: np.ndarray, tris: np.ndarray) -> float:
    """The worst frame's share of moving triangles whose normal turned over."""
    moving = np.abs(frames - rest).max(0).max(1) > 0
    tris = tris[moving[tris].any(1)]
    if len(tris) == 0:
        return 0.0

    def normals(v: np.ndarray) -> np.ndarray:
        return np.cross(v[..., tris[:, 1], :] - v[..., tris[:, 0], :], v[..., tris[:, 2], :] - v[..., tris[:, 0], :])

    n0 = normals(rest)
    worst = max(float(((normals(f) * n0).sum(-1) < 0).mean()) for f in frames)
    return worst


def measure(path: Path, exp: np.ndarray, ours_range: float) -> tuple[Row, tuple | None]:
    row = Row(path.stem, "")
    t0 = time.perf_counter()
    placed = LANDMARKS / f"{path.stem}.json"  # points placed by hand, for a face the detector cannot read
    try:
        found = find_face(path, FaceHints(landmarks=placed if placed.is_file() else None))
    except InputError as exc:
        row.found = "no: " + str(exc).split(": ", 1)[-1][:90]
        return row, None
    found_s = time.perf_counter() - t0
    rest, frames, keys_s, mouth = animate(found, exp)
    tris = found.geo.tris[found.geo.skin]
    points = found.points.positions(found.geo.view, found.geo.tris)
    upper, lower, width = own_lips(rest, tris, points)
    gap = frames[:, upper, 1] - frames[:, lower, 1]
    face = load_face_model()
    ours = mouth_opening(face.mean + np.einsum("tk,kvc->tvc", exp, face.basis))  # y down: open is positive
    centre, height = points.mean(0), float(np.ptp(points[:, 1]))
    far = np.linalg.norm(rest - centre, axis=1) > OUTSIDE_HEIGHTS * height
    motion = np.linalg.norm(frames[:, far] - rest[far], axis=-1).max() if far.any() else 0.0
    row.found = f"{found.found_by}, {found.axes}; mouth {mouth}"
    row.fit_px, row.seconds = found.rms, found_s + keys_s
    row.lip_r = float(np.corrcoef(gap, ours)[0, 1])
    row.lip_range = float(np.ptp(gap) / width) / ours_range
    row.flipped = flipped_share(rest, frames, tris)
    row.outside = float(motion / np.ptp(points[:, 0]))
    return row, (found, rest, frames, tris, points)


def solved(
    path: Path,
    found: FoundFace,
    exp: np.ndarray,
    rest: np.ndarray,
    tris: np.ndarray,
    points: np.ndarray,
    ours_range: float,
) -> str:
    """The character's own shape keys solved from the clip (`retarget --solve`), measured the same way."""
    from styletalk_core.formats.curves import Curves
    from styletalk_core.retarget.character import character_solve

    part = found.geo.part
    t0 = time.perf_counter()
    solve = character_solve(found, Curves(exp=exp))[0]  # the face part's keys
    seconds = time.perf_counter() - t0
    w = solve.weights
    frames = rest + np.einsum("tk,kvc->tvc", w, part.target_array()[:, found.geo.index] @ found.rot.T)
    upper, lower, width = own_lips(rest, tris, points)
    gap = frames[:, upper, 1] - frames[:, lower, 1]
    face = load_face_model()
    opening = mouth_opening(face.mean + np.einsum("tk,kvc->tvc", exp, face.basis))
    lip_r = float(np.corrcoef(gap, opening)[0, 1]) if np.ptp(gap) > 0 else float("nan")
    pinned = int(((w >= 0.99).mean(0) > 0.5).sum())
    used, elsewhere = solve.extras["solve"]["keys_used"], solve.extras["solve"]["outside_residual_px"]
    lip_range, flips = np.ptp(gap) / width / ours_range, flipped_share(rest, frames, tris)
    return (
        f"{path.stem:<26}{len(part.target_names):>6} keys {used:>4} used {pinned:>3} pinned at 1   lip r "
        f"{lip_r:6.3f}  range {lip_range:5.2f}  flipped {flips:.3f}  outside the mouth {elsewhere:.2f} px  "
        f"{seconds:.2f} s"
    )


def pick_frames(labels: np.ndarray, opening: np.ndarray) -> dict[str, int]:
    """Rest (the most closed silent frame), the widest open vowel and the most closed bilabial."""
    n = min(len(labels), len(opening))
    labels, opening = labels[:n], opening[:n]
    sil = np.flatnonzero(labels == PHONEME_IDS["SIL"])
    out = {"rest": int(sil[np.argmin(opening[sil])]) if sil.size else int(np.argmin(opening))}
    for name, symbols in VISEMES.items():
        idx = np.flatnonzero(np.isin(labels, [PHONEME_IDS[s] for s in symbols]))
        order = idx[np.argsort(opening[idx])]
        out[name] = int(order[-1] if name == "open vowel" else order[0])
    return out


def picture(results: list[tuple[str, tuple]], picks: dict[str, int], target: Path, size: int = 240) -> None:
    """Each found character close up at rest, an open vowel and a closed M."""
    from PIL import Image, ImageDraw

    sheet = Image.new("RGB", (size * len(picks) + 170, size * len(results) + 24), "white")
    draw = ImageDraw.Draw(sheet)
    for j, (name, t) in enumerate(picks.items()):
        draw.text((170 + j * size + 8, 6), f"{name} (frame {t})", fill="black")
    for i, (label, (found, rest, frames, _, points)) in enumerate(results):
        draw.text((8, 24 + i * size + size // 2), label[:24], fill="black")
        view = found.geo.view.copy()
        n = len(rest)
        box = points[[10, 152, 234, 454]]  # forehead, chin, the face's sides
        for j, t in enumerate(picks.values()):
            view[:n] = frames[t]
            rgb = render_front(view, found.geo.tris, frame=box, size=size, margin=0.25).rgb
            sheet.paste(Image.fromarray(rgb), (170 + j * size, 24 + i * size))
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(target)
    print(f"wrote {target}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--identities", type=int, default=4, help="ICT identities cut to the skin (half at 1, half at 2 sigma)"
    )
    ap.add_argument("--pictures", type=Path, help="write the found characters speaking here (.png)")
    ap.add_argument(
        "--low-poly",
        type=int,
        nargs="*",
        default=[],
        metavar="FACES",
        help="also ICT's neutral skin decimated to about FACES triangles (Blender's Decimate)",
    )
    args = ap.parse_args()
    mat = next(
        m for m in sorted((SAMPLES / "3DMM").glob("*.mat")) if (SAMPLES / "phoneme" / f"{m.stem}_seq.json").exists()
    )
    exp = load_expression(mat)
    labels = load_phoneme_labels(SAMPLES / "phoneme" / f"{mat.stem}_seq.json")
    face = load_face_model()
    ours = mouth_opening(face.mean + np.einsum("tk,kvc->tvc", exp, face.basis))
    ours_range = float(np.ptp(ours) / mouth_frame(face.mean)[1])
    chars = sorted(p for p in (REF / "characters").iterdir() if p.suffix.lower() in SUFFIXES)
    with np.load(REF / "ict_facekit" / "ict_facekit.npz") as z:
        ict = {k: z[k] for k in ("neutral", "faces", "identity_deltas", "vertex_groups")}
    rng = np.random.default_rng(0)
    rows, found = [], []
    print(f"clip {mat.stem}: {len(exp)} frames; our lip range {ours_range:.3f} of the mouth width (= 1.00 below)")
    cols = ("fit px", "lip r", "lip range", "flipped", "outside", "s")
    print(f"{'character':<26}" + "".join(f"{c:>10}" for c in cols) + "  found")
    with tempfile.TemporaryDirectory() as tmp:
        sigmas = [0.0] + [1.0 if i < args.identities // 2 else 2.0 for i in range(args.identities)]
        for i, sigma in enumerate(sigmas):
            name = "ict_neutral_skin_only" if sigma == 0 else f"ict_{i}_{sigma:g}sigma_skin_only"
            chars.append(ict_skin_only(ict, sigma, rng, Path(tmp), name))
        chars += [decimated(chars[-len(sigmas)], faces) for faces in args.low_poly]
        for path in chars:
            row, result = measure(path, exp, ours_range)
            rows.append(row)
            if result is not None:
                found.append((row.name, result))
            values = (row.fit_px, row.lip_r, row.lip_range, row.flipped, row.outside, row.seconds)
            print(f"{row.name:<26}" + "".join(f"{v:>10.3f}" for v in values) + f"  {row.found}", flush=True)
    print(f"found {len(found)} of {len(rows)}; lip range is relative to ours; flipped and outside are shares")
    print("their own shape keys solved from the clip (retarget --solve), where they have some:")
    for name, (face_found, rest, _, tris, points) in found:
        if face_found.geo.part.target_names:
            print("  " + solved(Path(name), face_found, exp, rest, tris, points, ours_range))
    if args.pictures is not None and found:  # the development characters and ICT's neutral head
        shown = [f for f in found if not f[0].startswith("ict_") or f[0].startswith("ict_neutral")]
        picture(shown, pick_frames(labels, ours), args.pictures)


if __name__ == "__main__":
    main()
