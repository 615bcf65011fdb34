"""The lag between the generated mouth and the speech, before and after the sync calibration
(settings.MODEL_SYNC_MS), against the natural reference: real talking faces recorded in sync.

Lag: the shift, in 30 fps frames, at which the mouth opening (face_model.mouth_opening of the curves)
correlates best with the speech (within +-8 frames); negative = the mouth early.
  against loudness  the audio's log RMS per frame
  against phones    the true phones' openness (exact espeak-ng timings: benchmarks/synthetic_speech.py)
Sets:
  samples    the official sample clips' audio: labels from our labeller, and the official labels
  synthetic  espeak-ng sentences of benchmarks/languages.py, true phones as labels and our labels
  natural    real recordings' own mouths (extract-style) against their own audio: the official sample
             videos, and with --grid FOLDER the GRID corpus clips (CC BY 4.0, Cooke et al. 2006; ten
             of them sit in the rizkiarm/LipNet repository's evaluation/samples/GRID)
"before" is the network's own timing (--sync-offset -MODEL_SYNC_MS), "after" the default.
Usage: .venv/bin/python benchmarks/av_sync.py [--grid FOLDER] [--picture docs/av_sync.png]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from languages import SENTENCES, Judge, spoken_text  # noqa: E402
from synthetic_speech import OPENNESS, ipa_class, speak, true_labels  # noqa: E402

from styletalk_core.formats.labelling import LabelOptions  # noqa: E402
from styletalk_core.formats.languages import language  # noqa: E402
from styletalk_core.formats.layout import FPS  # noqa: E402
from styletalk_core.speech.audio import SAMPLE_RATE, load_audio  # noqa: E402
from styletalk_core.speech.phonemes import phonemes_from_audio  # noqa: E402
from styletalk_core.training.lipsync import best_lag_r  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared/reference/official_samples/samples/source_video"
MAX_LAG = 8


def loudness(path: Path, n_frames: int) -> np.ndarray:
    """log RMS of the audio per 30 fps frame."""
    pcm = load_audio(path).astype(np.float64)
    hop = SAMPLE_RATE // FPS
    pcm = np.pad(pcm, (0, max(0, n_frames * hop - len(pcm))))[: n_frames * hop]
    return np.log(np.sqrt((pcm.reshape(n_frames, hop) ** 2).mean(1)) + 1.0)


def lag(mouth: np.ndarray, reference: np.ndarray) -> int:
    return best_lag_r(mouth, reference, MAX_LAG)[1]


def samples(judge: Judge) -> list[dict]:
    rows = []
    for wav in sorted((SOURCE / "wav").glob("*.wav")):
        official = SOURCE / "phoneme" / f"{wav.stem}_seq.json"
        ours = phonemes_from_audio(wav, LabelOptions())
        for labels_name, ids in (("ours", ours), ("official", np.array(json.loads(official.read_text())))):
            if labels_name == "official" and not official.exists():
                continue
            loud = loudness(wav, len(ids))
            row = {"set": "samples", "clip": wav.stem, "labels": labels_name}
            row.update({when: lag(judge.mouth(ids, when == "after"), loud) for when in ("before", "after")})
            rows.append(row)
    return rows


def synthetic(judge: Judge, work: Path, codes: list[str]) -> list[dict]:
    rows = []
    for code in codes:
        for k, text in enumerate(SENTENCES[code]):
            spoken = speak(spoken_text(text, code), language(code).voice)
            wav = spoken.write(work / f"{code}{k}.wav")
            n = int(spoken.seconds * FPS)
            openness = np.array([OPENNESS[ipa_class(p)] for p in spoken.at_frames(n)])
            loud = loudness(wav, n)
            for labels_name, ids in (("true phones", true_labels(spoken, n)), ("ours", None)):
                if ids is None:
                    ids = phonemes_from_audio(wav, LabelOptions.of(text, code))[:n]
                row = {"set": "synthetic", "clip": f"{code}{k}", "labels": labels_name}
                for when in ("before", "after"):
                    m = judge.mouth(ids, when == "after")
                    row[when] = lag(m, openness)
                    row[f"{when} (loudness)"] = lag(m, loud)
                rows.append(row)
    return rows


def natural(videos: list[tuple[str, Path]]) -> list[dict]:
    """A real mouth against its own audio: the measure's own zero, where the recording is in sync."""
    from styletalk_core.face.face_model import load_face_model
    from styletalk_core.style.extract import extract_style
    from styletalk_core.training.lipsync import opening

    face, rows = load_face_model(), []
    for source, video in videos:
        exp = extract_style(video, face).exp
        beside = SOURCE / "wav" / f"{video.stem}.wav"  # the sample videos' sound is a file beside them
        value = lag(opening(exp, face), loudness(beside if beside.exists() else video, len(exp)))
        rows.append({"set": "natural", "clip": video.stem, "labels": source, "before": value, "after": value})
    return rows


def summary(rows: list[dict]) -> str:
    lines = [
        "| set | labels | clips | lag before: mean ± sd (median) | lag after: mean ± sd (median) |",
        "|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["set"], r["labels"]), []).append(r)
    for (name, labels), group in groups.items():
        b, a = np.array([r["before"] for r in group]), np.array([r["after"] for r in group])
        cells = [f"{x.mean():+.2f} ± {x.std():.2f} ({np.median(x):+.0f})" for x in (b, a)]
        lines.append(f"| {name} | {labels} | {len(group)} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=Path, help="a folder of GRID corpus clips (.mpg) for the natural reference")
    parser.add_argument("--languages", default="en,es,de,ja,cmn,hi", help="synthetic speech languages")
    parser.add_argument("--json", type=Path, help="also write every row here")
    args = parser.parse_args()
    judge = Judge()
    videos = [("sample videos", v) for v in sorted((SOURCE / "video").glob("*.mp4"))]
    videos += [("GRID", v) for v in sorted(args.grid.glob("*.mpg"))] if args.grid else []
    with tempfile.TemporaryDirectory() as work:
        rows = samples(judge) + synthetic(judge, Path(work), args.languages.split(",")) + natural(videos)
    for r in rows:
        extra = "".join(f"  {k} {v:+d}" for k, v in r.items() if k.endswith("(loudness)"))
        print(f"{r['set']:<10}{r['clip']:<16}{r['labels']:<12} before {r['before']:+d}  after {r['after']:+d}{extra}")
    print(summary(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
