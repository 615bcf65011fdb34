"""Make examples/hello_seq.json: 30 fps phoneme labels for examples/hello.txt.

Pronunciations come from the CMU dictionary shipped in the pocketsphinx wheel; timing is
synthetic (vowels 4 frames, diphthongs 5, consonants 2, 6 frames of SIL between sentences and
8 at each end), a stand-in until audio alignment (`styletalk phonemes`) is available.
Run: .venv/bin/python examples/make_example_phonemes.py
"""

from __future__ import annotations

import re
from pathlib import Path

import pocketsphinx

from styletalk_core.labels import PHONEME_IDS, SIL, save_phoneme_labels

HERE = Path(__file__).parent
DIPHTHONGS = {"AW", "AY", "EY", "OW", "OY"}
VOWELS = {"AA", "AE", "AH", "AO", "EH", "ER", "IH", "IY", "UH", "UW"} | DIPHTHONGS


def cmu_dictionary() -> dict[str, list[str]]:
    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    entries: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        word, *phones = line.split()
        entries.setdefault(word, phones)  # first pronunciation wins; variants are "word(2)"
    return entries


def frames_for(phone: str) -> int:
    return 5 if phone in DIPHTHONGS else 4 if phone in VOWELS else 2


def main() -> None:
    text = (HERE / "hello.txt").read_text()
    lexicon = cmu_dictionary()
    ids = [SIL] * 8
    for sentence in filter(None, (s.strip() for s in re.split(r"[.!?]", text))):
        for word in re.findall(r"[a-z']+", sentence.lower()):
            if word not in lexicon:
                raise SystemExit(f"{word!r} is not in the CMU dictionary; rephrase examples/hello.txt")
            for phone in lexicon[word]:
                ids += [PHONEME_IDS[phone]] * frames_for(phone)
        ids += [SIL] * 6
    ids += [SIL] * 2
    save_phoneme_labels(HERE / "hello_seq.json", ids)
    print(f"wrote {HERE / 'hello_seq.json'}: {len(ids)} frames ({len(ids) / 30:.2f} s)")


if __name__ == "__main__":
    main()
