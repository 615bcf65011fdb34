"""What the commands share: the help formatter, parent parsers for common options, progress (a tqdm
bar, or `progress DONE TOTAL` lines for front ends), and the one-line messages."""

from __future__ import annotations

import argparse
from pathlib import Path


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each default once, as `(default: X)`, and nothing for options without one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, False) or "default:" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action)


def common_parents() -> dict[str, argparse.ArgumentParser]:
    """Parent parsers for the options that several commands share."""
    device = argparse.ArgumentParser(add_help=False)
    device.add_argument("--device", help="cpu, cuda or cuda:N (default: CUDA when available)")
    progress = argparse.ArgumentParser(add_help=False)
    progress.add_argument(
        "--progress",
        choices=("bar", "lines", "none"),
        default="bar",
        help="progress display (lines: `progress DONE TOTAL` for front ends)",
    )
    curves_in = argparse.ArgumentParser(add_help=False)
    curves_in.add_argument(
        "--curves", required=True, type=Path, help="curves file (.npz/.json) or official (T, 73) .npy"
    )
    audio_mux = argparse.ArgumentParser(add_help=False)
    audio_mux.add_argument("--audio", type=Path, help="audio to mux (trimmed to the video length)")
    return {
        "device": device,
        "progress": progress,
        "curves": curves_in,
        "audio": audio_mux,
        "speech": speech_options(),
        "sync": sync_option(),
    }


def speech_options() -> argparse.ArgumentParser:
    """How audio is labelled: what is said and the language it is said in (formats.labelling)."""
    from ..formats.languages import DEFAULT_LANGUAGE

    speech = argparse.ArgumentParser(add_help=False)
    said = speech.add_mutually_exclusive_group()
    said.add_argument("--transcript", help="what is said, as plain text (forced alignment)")
    said.add_argument("--transcript-file", type=Path, help="UTF-8 text file with what is said")
    speech.add_argument(
        "--language",
        default=DEFAULT_LANGUAGE,
        help="the language spoken, a BCP-47 / ISO 639 code: es, pt-BR, de, fr, ja, zh (Mandarin), hi, ko, ...",
    )
    return speech


def sync_option() -> argparse.ArgumentParser:
    """--sync-offset (the user's own shift of the mouth against the sound) and --no-lip-closure."""
    from ..settings import GenerateSettings

    sync = argparse.ArgumentParser(add_help=False)
    sync.add_argument(
        "--sync-offset",
        type=float,
        default=GenerateSettings.sync_offset_ms,
        metavar="MS",
        help="move the mouth this many milliseconds later against the sound (negative: earlier), on top of "
        "the model's calibrated timing",
    )
    sync.add_argument(
        "--no-lip-closure",
        dest="lip_closure",
        action="store_false",
        help="leave the mouth as the network makes it on p, b and m (by default the lips are brought to "
        "the style's own closed lips on every one)",
    )
    return sync


def label_options(args: argparse.Namespace):
    """The command's formats.labelling.LabelOptions: its transcript (or transcript file) and language."""
    from ..formats.errors import StyleTalkError
    from ..formats.fileio import require_file
    from ..formats.labelling import LabelOptions, read_transcript

    text = args.transcript
    if args.transcript_file is not None:
        text = read_transcript(require_file(args.transcript_file, "transcript file", StyleTalkError))
    return LabelOptions.of(text, args.language)


def add_command(sub, name: str, func, help: str, description: str, parents=()) -> argparse.ArgumentParser:
    """A subcommand whose handler is `func` (args.func)."""
    p = sub.add_parser(name, help=help, description=description, parents=list(parents), formatter_class=HelpFormatter)
    p.set_defaults(func=func)
    return p


def progress_bar(desc: str, unit: str = "frame", min_total: int = 2048):
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            # disable=None: no bar when stderr is not a terminal (logs, pipes), so errors stay one line
            bar = tqdm(total=total, desc=desc, unit=unit, leave=False, disable=True if total < min_total else None)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def progress_lines():
    """Machine-readable progress for front ends (the Blender add-on): `progress DONE TOTAL`, a line
    each time the value changes."""
    last = None

    def update(done: int, total: int) -> None:
        nonlocal last
        if (done, total) != last:
            last = (done, total)
            print(f"progress {done} {total}", flush=True)

    return update


def progress_for(args: argparse.Namespace, desc: str, unit: str = "frame", min_total: int = 1):
    mode = getattr(args, "progress", "bar")
    if mode == "none":
        return None
    return progress_lines() if mode == "lines" else progress_bar(desc, unit, min_total)


def wrote(output: Path, what: str, seconds: float) -> None:
    print(f"wrote {output}: {what} in {seconds:.2f} s")


def one_line(text: str) -> str:
    """A message on one line whatever the file names in it hold (newlines written as \\n)."""
    return text.replace("\r", "\\r").replace("\n", "\\n")
