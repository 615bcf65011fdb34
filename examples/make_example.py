"""Make the demo's bundled example in styletalk_core/data/examples/: hello.wav (espeak-ng text-to-speech
of hello.txt, 16 kHz mono) and hello_seq.json (its 30 fps labels by forced alignment with the transcript).

Needs espeak-ng (Debian: apt install espeak-ng) only to re-synthesise the wav.
Run: .venv/bin/python examples/make_example.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from styletalk_core.formats.labelling import LabelOptions
from styletalk_core.formats.labels import save_phoneme_labels
from styletalk_core.resources import EXAMPLES
from styletalk_core.speech.audio import load_audio
from styletalk_core.speech.phonemes import phonemes_from_audio
from styletalk_core.speech.segments import SAMPLE_RATE

HERE = EXAMPLES


def synthesise(text_file: Path, out: Path) -> None:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SystemExit("espeak-ng is not installed (apt install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "tts.wav"
        subprocess.run([exe, "-v", "en-us", "-s", "150", "-w", str(raw), "-f", str(text_file)], check=True)
        pcm = load_audio(raw)  # resampled to 16 kHz mono int16
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


def main() -> None:
    text = HERE / "hello.txt"
    wav = HERE / "hello.wav"
    synthesise(text, wav)
    ids = phonemes_from_audio(wav, LabelOptions(text.read_text()))
    save_phoneme_labels(HERE / "hello_seq.json", ids)
    print(f"wrote {wav} and {HERE / 'hello_seq.json'} ({len(ids)} frames, {len(ids) / 30:.2f} s)")


if __name__ == "__main__":
    main()
