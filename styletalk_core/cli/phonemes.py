"""`styletalk phonemes`: audio -> 30 fps phoneme labels (*_seq.json), offline with pocketsphinx."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..formats.errors import StyleTalkError
from .common import add_command, progress_for, wrote


def add(sub, common) -> None:
    ph = add_command(
        sub,
        "phonemes",
        run,
        "audio -> 30 fps phoneme labels (*_seq.json), offline with pocketsphinx",
        "Label audio with the official 41 phonemes at 30 fps: forced alignment when a transcript is given, "
        "otherwise recognition then alignment. Words missing from the dictionary are skipped with a warning.",
        [common["progress"]],
    )
    ph.add_argument("audio", type=Path, help="wav/flac/mp3/ogg/m4a, any sample rate or channel count")
    grp = ph.add_mutually_exclusive_group()
    grp.add_argument("--transcript", help="what is said, as plain text")
    grp.add_argument("--transcript-file", type=Path, help="UTF-8 text file with what is said")
    ph.add_argument("-o", "--output", required=True, type=Path, help="output labels (*_seq.json)")


def run(args: argparse.Namespace) -> None:
    from ..formats.fileio import check_output_path, require_file
    from ..formats.labels import SIL, save_phoneme_labels
    from ..speech.phonemes import phonemes_from_audio, read_transcript

    check_output_path(args.output)
    text = args.transcript
    if args.transcript_file is not None:
        text = read_transcript(require_file(args.transcript_file, "transcript file", StyleTalkError))
    t0 = time.perf_counter()
    ids = phonemes_from_audio(args.audio, text, progress=progress_for(args, "phonemes", "‰"))
    save_phoneme_labels(args.output, ids)
    speech = float((ids != SIL).mean())
    wrote(args.output, f"{len(ids)} frames at 30 fps ({speech:.0%} speech)", time.perf_counter() - t0)
