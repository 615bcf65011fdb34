"""Build styletalk_core/data/face_model.npz: the embedded linear face model on MediaPipe's topology.

Paired sample data (videos + official 3DMM .mat) is tracked with MediaPipe's offline face mesh,
aligned by a similarity fit on stable points, and a ridge regression of aligned landmarks on the
64 expression coefficients is fitted with each clip's own mean absorbing identity. The video/.mat
frame offset is chosen per clip. Reports held-out (leave speakers out) lip-landmark error against
the per-clip mean baseline and writes it, with provenance, next to the model.

Usage: .venv/bin/python scripts/build_face_model.py [--data DIR ...] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION
from tqdm import tqdm

from styletalk_core.face.face_model import FaceModel, orient_towards_camera, triangles_from_edges
from styletalk_core.face.landmarks import LIP_VERTICES, align_frames
from styletalk_core.face.tracking import track_landmarks
from styletalk_core.formats.layout import LOWER_INDICES
from styletalk_core.resources import FACE_MODEL_FILE
from styletalk_core.style.clip import load_expression
from styletalk_core.style.extract import fit_expression, landmark_features
from styletalk_core.training.dataset import style_labels

REF = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
OFFSETS = (0, 1, 2, 3)
LAMBDAS = (1.0, 10.0, 100.0, 1000.0)
INVERSE_LAMBDA = 1000.0  # landmarks -> coefficients ridge; 1e2..1e4 give the same held-out r
LEVEL_LAMBDAS = (100.0, 1000.0, 10000.0)  # clip mean shape -> clip mean expression ridge


def paired_clips(roots: list[Path]) -> list[tuple[str, Path, Path]]:
    mats = {p.stem: p for root in roots for p in root.rglob("*.mat")}
    videos = {p.stem: p for root in roots for p in root.rglob("*.mp4")}
    return [(name, mats[name], videos[name]) for name in sorted(mats.keys() & videos.keys())]


def tracked(video: Path, cache: Path, refine: bool) -> np.ndarray:
    f = cache / f"{video.parent.parent.parent.name}_{video.stem}{'_refined' if refine else ''}.npy"
    if not f.exists():
        np.save(f, track_landmarks(video, refine=refine)[0])
    return np.load(f)


def aligned_clips(raw: list[dict], key: str) -> list[dict]:
    """Clips with landmarks `key` aligned (to the first clip's first frame, then twice to the mean
    aligned shape), frames without a face dropped."""
    reference = raw[0][key][~np.isnan(raw[0][key]).any((1, 2))][0]
    for _ in range(3):
        aligned = [align_frames(c[key], reference)[0] for c in raw]
        reference = np.nanmean(np.concatenate(aligned), axis=0)
    clips = []
    for c, a in zip(raw, aligned, strict=True):
        ok = ~np.isnan(a).any((1, 2))
        clips.append({**c, "lm": a[ok], "exp": c["exp"][ok], "lost": int((~ok).sum())})
    return clips


def pick_offset(exp: np.ndarray, lm: np.ndarray) -> tuple[int, np.ndarray]:
    """The video frame offset whose lip landmarks a within-clip linear fit explains best."""
    best = None
    for off in OFFSETS:
        n = min(len(exp), len(lm) - off)
        if n < len(exp) - 3:
            continue
        y = lm[off : off + n][:, LIP_VERTICES, :2].reshape(n, -1)
        ok = ~np.isnan(y).any(1)
        x, y = exp[:n][ok], y[ok]
        x, y = x - x.mean(0), y - y.mean(0)
        coef = np.linalg.solve(x.T @ x + 10 * np.eye(64), x.T @ y)
        resid = float(np.mean((y - x @ coef) ** 2))
        if best is None or resid < best[0]:
            best = (resid, off, n)
    assert best is not None
    return best[1], best[2]


def fit_basis(clips: list[dict], lam: float) -> np.ndarray:
    xtx, xty = np.zeros((64, 64)), np.zeros((64, 468 * 3))
    for c in clips:
        x = c["exp"] - c["exp"].mean(0)
        y = (c["lm"] - c["lm"].mean(0)).reshape(len(x), -1)
        xtx += x.T @ x
        xty += x.T @ y
    return np.linalg.solve(xtx + lam * np.eye(64), xty).reshape(64, 468, 3)


def lip_errors(clips: list[dict], basis: np.ndarray) -> tuple[float, float]:
    """Mean 2-D lip-vertex error (px): per-clip mean + basis vs the per-clip mean alone."""
    model, base = [], []
    lips = list(LIP_VERTICES)
    for c in clips:
        mean_lm = c["lm"].mean(0)
        pred = mean_lm + np.tensordot(c["exp"] - c["exp"].mean(0), basis, axes=(1, 0))
        model.append(np.linalg.norm(pred[:, lips, :2] - c["lm"][:, lips, :2], axis=-1).mean())
        base.append(np.linalg.norm(mean_lm[None, lips, :2] - c["lm"][:, lips, :2], axis=-1).mean())
    return float(np.mean(model)), float(np.mean(base))


def fit_inverse(clips: list[dict], lam: float = INVERSE_LAMBDA) -> np.ndarray:
    x = np.concatenate([landmark_features(c["lm"]) for c in clips])
    y = np.concatenate([c["exp"] - c["exp"].mean(0) for c in clips])
    return np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T @ y)


def clip_shapes(landmarks: list[np.ndarray], target: np.ndarray) -> np.ndarray:
    """(N, 468, 2): each clip's mean 2-D shape aligned to `target` (as extraction aligns a video)."""
    return np.stack([np.nanmean(align_frames(lm, target)[0], axis=0)[:, :2] for lm in landmarks])


def fit_level(shapes: np.ndarray, levels: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ridge (dual form: few clips, many features) from clip mean shapes to clip mean expressions:
    (level_shape (468, 2), level_map (936, 64), exp_mean (64,))."""
    mu, em = shapes.mean(0), levels.mean(0)
    x = (shapes - mu).reshape(len(shapes), -1)
    return mu, x.T @ np.linalg.solve(x @ x.T + lam * np.eye(len(x)), levels - em), em


def level_errors(clips: list[dict], shapes: np.ndarray, lam: float) -> tuple[float, float]:
    """Leave each speaker out: mouth-dim L1 of the estimated clip level vs the population mean's."""
    levels = np.stack([c["exp"].mean(0) for c in clips])
    speakers = np.array([c["speaker"] for c in clips])
    lower = list(LOWER_INDICES)
    est, base = [], []
    for s in sorted(set(speakers)):
        train, test = speakers != s, speakers == s
        mu, w, em = fit_level(shapes[train], levels[train], lam)
        pred = em + (shapes[test] - mu).reshape(test.sum(), -1) @ w
        est += list(np.abs(pred - levels[test])[:, lower].mean(1))
        base += list(np.abs(em - levels[test])[:, lower].mean(1))
    return float(np.mean(est)), float(np.mean(base))


def extraction_correlation(test: list[dict], model: FaceModel) -> np.ndarray:
    """Per-dimension Pearson r (averaged over clips) between coefficients fitted from landmarks by
    styletalk_core.style_extract and the official ones."""
    rs = []
    for c in test:
        fitted = fit_expression(align_frames(c["lm"], model.mean)[0], model)
        a, b = fitted - fitted.mean(0), c["exp"] - c["exp"].mean(0)
        rs.append((a * b).sum(0) / np.sqrt((a * a).sum(0) * (b * b).sum(0) + 1e-12))
    return np.mean(rs, axis=0)


def mouth_and_rest(per_dim: np.ndarray) -> tuple[float, float]:
    """Mean of a per-dimension score over the 13 mouth (lower-face) dims, and over the other 51."""
    lower = list(LOWER_INDICES)
    return float(per_dim[lower].mean()), float(np.delete(per_dim, lower).mean())


def split_half_correlation(clips: list[dict], mean: np.ndarray) -> np.ndarray:
    """Per-dimension r as `extraction_correlation`, with the inverse map fitted on the first half of
    every clip and tested on the second halves: speakers seen in training, so the map's speaker
    generalisation is out of the question. Bounds what this linear landmark map can reach."""
    halves = [(c, len(c["exp"]) // 2) for c in clips]
    train = [{**c, "lm": c["lm"][:h], "exp": c["exp"][:h]} for c, h in halves]
    test = [{**c, "lm": c["lm"][h:], "exp": c["exp"][h:]} for c, h in halves]
    fold = FaceModel(
        mean, np.zeros((64, *mean.shape)), np.zeros((0, 3), np.int32), np.zeros(64), fit_inverse(train), {}
    )
    return extraction_correlation(test, fold)


def track_clips(data: list[Path], cache: Path) -> tuple[list[dict], int, float]:
    """Every paired clip tracked (plain and refined mesh, cached), offset-matched to its coefficients."""
    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    raw, frames = [], 0
    for name, mat, video in tqdm(paired_clips(data), desc="track", unit="clip"):
        lm, fine = tracked(video, cache, refine=False), tracked(video, cache, refine=True)
        frames += len(lm)
        exp = load_expression(mat)
        off, n = pick_offset(exp, lm)
        raw.append(
            {
                "name": name,
                "speaker": style_labels(name)[1],
                "exp": exp[:n],
                "offset": off,
                "lm": lm[off : off + n],
                "refined": fine[off : off + n],
            }
        )
    return raw, frames, time.perf_counter() - t0


def choose_lambda(clips: list[dict], speakers: list[str]) -> tuple[dict, float]:
    """Leave-speakers-out lip error (each speaker held out once) per ridge strength, and the best one."""
    results = {}
    for lam in LAMBDAS:
        errs = []
        for s in speakers:
            train = [c for c in clips if c["speaker"] != s]
            test = [c for c in clips if c["speaker"] == s]
            errs.append(lip_errors(test, fit_basis(train, lam)))
        results[lam] = (float(np.mean([e[0] for e in errs])), float(np.mean([e[1] for e in errs])))
    return results, min(results, key=lambda k: results[k][0])


def clip_mean_shape(clips: list[dict], basis: np.ndarray) -> np.ndarray:
    """The neutral shape: mean over clips of each clip's mean landmarks minus its mean expression."""
    return np.mean([c["lm"].mean(0) - np.tensordot(c["exp"].mean(0), basis, axes=(0, 0)) for c in clips], axis=0)


def held_out_extraction(clips: list[dict], fine_clips: list[dict], speakers: list[str], lam: float) -> np.ndarray:
    """Per-dim video -> coefficient r on held-out speakers, with a basis and maps fitted without them."""
    corr = []
    for s in speakers:
        train = [c for c in clips if c["speaker"] != s]
        b = fit_basis(train, lam)
        e = np.mean([c["exp"].mean(0) for c in train], axis=0)
        inverse = fit_inverse([c for c in fine_clips if c["speaker"] != s])
        fold = FaceModel(clip_mean_shape(train, b), b, np.zeros((0, 3), np.int32), e, inverse, {})
        corr.append(extraction_correlation([c for c in fine_clips if c["speaker"] == s], fold))
    return np.mean(corr, axis=0)


def provenance_of(clips: list[dict], frames: int, track_s: float, lam: float, results: dict) -> dict:
    return {
        "built_by": "scripts/build_face_model.py",
        "tracker": "mediapipe 0.10.21 FaceMesh, 468 landmarks: geometry from refine_landmarks=False, "
        "extraction maps (inverse, level) from refine_landmarks=True",
        "clips": [
            {
                "name": c["name"],
                "speaker": c["speaker"],
                "frames": len(c["exp"]),
                "video_offset": c["offset"],
                "lost_frames": c["lost"],
            }
            for c in clips
        ],
        "frames_tracked": frames,
        "tracking_seconds": round(track_s, 1),
        "ridge_lambda": lam,
        "held_out_lip_error_px": {str(k): {"model": v[0], "per_clip_mean_baseline": v[1]} for k, v in results.items()},
        "units": "pixels of a 256x256 face crop; x right, y down, z towards the back (MediaPipe)",
    }


def level_map_of(
    raw: list[dict], fine_clips: list[dict], mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, dict]:
    """Per-clip level from the clip's mean shape, aligned to the final mean shape as extraction does."""
    shapes = clip_shapes([c["refined"] for c in raw], mean)
    level_results = {lam_l: level_errors(fine_clips, shapes, lam_l) for lam_l in LEVEL_LAMBDAS}
    level_lam = min(level_results, key=lambda k: level_results[k][0])
    level_shape, level_map, _ = fit_level(shapes, np.stack([c["exp"].mean(0) for c in fine_clips]), level_lam)
    return level_shape, level_map, level_lam, level_results


def report_text(model: FaceModel, clips: list[dict], speakers: list[str], results: dict, level_results: dict) -> str:
    p = model.provenance
    lam, level_lam = p["ridge_lambda"], p["level_ridge_lambda"]
    err, base = results[lam]
    n_tri = len(model.triangles)
    mouth_r, rest_r = p["held_out_extraction_r"]["mouth_13_dims"], p["held_out_extraction_r"]["other_51_dims"]
    seen_mouth, seen_rest = (
        p["seen_speaker_extraction_r"]["mouth_13_dims"],
        p["seen_speaker_extraction_r"]["other_51_dims"],
    )
    return f"""# Embedded face model (`face_model.npz`)

Built by `scripts/build_face_model.py` from {len(clips)} paired clips ({sum(len(c["exp"]) for c in clips)} frames,
{len(speakers)} speakers) of the MIT-licensed official StyleTalk and DreamTalk samples in ../shared/reference:
MediaPipe 0.10.21 face mesh (468 landmarks) → similarity alignment on stable points → ridge regression
(λ = {lam}) of aligned landmarks on the official 64 expression coefficients, each clip's mean absorbing identity.
The style-extraction maps (landmarks → coefficients, clip level) use the refined mesh (`refine_landmarks=True`),
whose lip contours are finer.
Video/.mat frame offsets chosen per clip (see `provenance` in the file).

- {n_tri} triangles (3-cliques of MediaPipe's tesselation edges, spurious ones removed; mouth and eyes open).
- Held-out lip-landmark error, leave each speaker out: **{err:.2f} px** vs per-clip mean baseline
  {base:.2f} px (256² crop).
- Video → coefficients (styletalk_core.style.extract) on held-out speakers, frame-to-frame Pearson r
  averaged over clips: mouth (13 dims) **{mouth_r:.2f}**, other 51 dims {rest_r:.2f}. With the speakers seen
  (map fitted on the first half of every clip, tested on the second halves): mouth {seen_mouth:.2f}, other
  {seen_rest:.2f}, so the limit is what the landmarks carry, not generalisation to new speakers.
- A clip's level (mean expression) from its mean aligned shape, leave each speaker out: mouth L1
  **{level_results[level_lam][0]:.3f}** vs population mean {level_results[level_lam][1]:.3f} (ridge λ = {level_lam}).
- Per λ: {json.dumps({str(k): [round(v[0], 3), round(v[1], 3)] for k, v in results.items()})}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", nargs="+", type=Path, default=[REF / "official_samples", REF / "dreamtalk_samples"])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/styletalk_landmarks"))
    args = ap.parse_args()
    raw, frames, track_s = track_clips(args.data, args.cache)
    clips = aligned_clips(raw, "lm")  # geometry: the plain mesh (its neutral lips meet cleanly)
    fine_clips = aligned_clips(raw, "refined")  # style extraction: the refined lips
    speakers = sorted({c["speaker"] for c in clips})
    results, lam = choose_lambda(clips, speakers)
    mouth_r, rest_r = mouth_and_rest(corr := held_out_extraction(clips, fine_clips, speakers, lam))
    basis = fit_basis(clips, lam)
    mean = clip_mean_shape(clips, basis)
    mean = mean - mean.mean(0) + np.array([128.0, 128.0, 0.0])  # centred in a 256x256 crop, z mean 0
    triangles = orient_towards_camera(triangles_from_edges(list(FACEMESH_TESSELATION)), mean)
    provenance = provenance_of(clips, frames, track_s, lam, results)
    exp_mean = np.mean([c["exp"].mean(0) for c in clips], axis=0)
    level_shape, level_map, level_lam, level_results = level_map_of(raw, fine_clips, mean)
    provenance["level_ridge_lambda"] = level_lam
    provenance["held_out_level_mouth_l1"] = {
        str(k): {"estimated": v[0], "population_mean": v[1]} for k, v in level_results.items()
    }
    provenance["held_out_extraction_r"] = {
        "mouth_13_dims": mouth_r,
        "other_51_dims": rest_r,
        "per_dim": [round(float(r), 3) for r in corr],
    }
    seen_mouth, seen_rest = mouth_and_rest(split_half_correlation(fine_clips, mean))
    provenance["seen_speaker_extraction_r"] = {"mouth_13_dims": seen_mouth, "other_51_dims": seen_rest}
    model = FaceModel(
        mean.astype(np.float32),
        basis.astype(np.float32),
        triangles,
        exp_mean,
        fit_inverse(fine_clips),
        provenance,
        level_shape.astype(np.float32),
        level_map.astype(np.float32),
    )
    model.save(FACE_MODEL_FILE)
    report = report_text(model, clips, speakers, results, level_results)
    FACE_MODEL_FILE.with_name("face_model.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
