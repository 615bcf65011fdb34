"""`styletalk phonemes`: audio -> 30 fps phoneme labels (*_seq.json), offline with pocketsphinx."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .common import add_command, label_options, progress_for, wrote


def add(sub, common) -> None:
    ph = add_command(
        sub,
        "phonemes",
        run,
        "audio -> 30 fps phoneme labels (*_seq.json), offline with pocketsphinx",
        "Label audio with the official 41 phonemes at 30 fps, in any language --language names: forced "
        "alignment when a transcript is given (English from its dictionary, other languages read by espeak-ng), "
        "otherwise recognition (English words; phones for other languages). Words that cannot be pronounced "
        "are skipped with a warning.",
        [common["progress"], common["speech"]],
    )
    ph.add_argument("audio", type=Path, help="wav/flac/mp3/ogg/m4a, any sample rate or channel count")
    ph.add_argument("-o", "--output", required=True, type=Path, help="output labels (*_seq.json)")


def run(args: argparse.Namespace) -> None:
    from ..formats.fileio import check_output_path
    from ..formats.labels import SIL, save_phoneme_labels
    from ..speech.phonemes import phonemes_from_audio

    check_output_path(args.output)
    options = label_options(args)
    t0 = time.perf_counter()
    ids = phonemes_from_audio(args.audio, options, progress=progress_for(args, "phonemes", "‰"))
    save_phoneme_labels(args.output, ids)
    speech = float((ids != SIL).mean())
    wrote(args.output, f"{len(ids)} frames at 30 fps ({speech:.0%} speech)", time.perf_counter() - t0)
