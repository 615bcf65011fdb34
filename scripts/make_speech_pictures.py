"""Pictures of speech and the mouth, from espeak-ng speech with exact phone timings:
  docs/languages.png  one sentence in English, Spanish and Japanese: the phones espeak-ng said (coloured
                      by what the mouth does), their openness, and the generated mouth opening from our
                      labels (transcript and --language), with lip closure and without
  docs/av_sync.png    two seconds: the waveform, the phones, and the mouth opening at the network's own
                      timing (before) and calibrated (after)
Usage: .venv/bin/python scripts/make_speech_pictures.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from languages import Judge, spoken_text  # noqa: E402
from synthetic_speech import CLASSES, OPENNESS, ipa_class, speak  # noqa: E402

from styletalk_core.formats.labelling import LabelOptions  # noqa: E402
from styletalk_core.formats.languages import language  # noqa: E402
from styletalk_core.formats.layout import FPS  # noqa: E402
from styletalk_core.speech.phonemes import phonemes_from_audio  # noqa: E402

COLOURS = {
    "bilabial": "#d62728",
    "labiodental": "#ff7f0e",
    "rounded": "#9467bd",
    "open": "#2ca02c",
    "vowel": "#8fd18f",
    "consonant": "#7f7f7f",
    "silence": "#ffffff",
}
SENTENCE = {
    "en": "My mother buys bread and milk every morning.",
    "es": "Mi madre compra pan y leche cada mañana.",
    "ja": "母は毎朝パンと牛乳を買います。",
}
SHOWN = {"ja": "haha wa maiasa pan to gyūnyū o kaimasu (the transcript in kanji and kana)"}  # the font has no kana


def _phones(ax, spoken, seconds):
    for phone, start, end in spoken.phones:
        if start >= seconds:
            break
        cls = ipa_class(phone)
        ax.axvspan(start, min(end, seconds), color=COLOURS[cls], alpha=0.85, lw=0)
        if phone and end - start > 0.04:
            ax.text((start + min(end, seconds)) / 2, 0.5, phone, ha="center", va="center", fontsize=8)
    ax.set_yticks([])
    ax.set_xlim(0, seconds)


def languages_picture(judge: Judge, alone: Judge, work: Path, out: Path) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(6, 1, figsize=(12, 9), gridspec_kw={"height_ratios": [1, 3] * 3})
    for i, (code, text) in enumerate(SENTENCE.items()):
        spoken = speak(spoken_text(text, code), language(code).voice)
        wav = spoken.write(work / f"{code}.wav")
        ids = phonemes_from_audio(wav, LabelOptions.of(text, code))
        n = len(ids)
        t = np.arange(n) / FPS
        opening = judge.mouth(ids)
        openness = np.array([OPENNESS[ipa_class(p)] for p in spoken.at_frames(n)])
        _phones(axes[2 * i], spoken, n / FPS)
        axes[2 * i].set_title(f"{language(code).name}: {SHOWN.get(code, text)}", fontsize=10, loc="left")
        ax = axes[2 * i + 1]
        ax.fill_between(t, 0, openness * opening.max(), step="post", color="#cccccc", label="the phones' openness")
        ax.plot(t, alone.mouth(ids), color="#1f77b4", lw=1, ls="--", label="the network alone (--no-lip-closure)")
        ax.plot(t, opening, color="black", lw=1.6, label="generated mouth opening (px), lips closed on p/b/m")
        ax.set_xlim(0, n / FPS)
        ax.set_ylabel("opening (px)")
        if i == 0:
            handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLOURS.values()][:-1]
            ax.legend(loc="upper right", fontsize=8)
            axes[0].legend(handles, CLASSES[:-1], ncol=6, fontsize=7, loc="upper right", bbox_to_anchor=(1, 2.4))
    axes[-1].set_xlabel("seconds")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def sync_picture(judge: Judge, work: Path, out: Path, seconds: float = 2.0) -> None:
    import matplotlib.pyplot as plt

    code, text = "en", "Peter bought a big map of the bay before the boat left."
    spoken = speak(text, language(code).voice)
    wav = spoken.write(work / "sync.wav")
    ids = phonemes_from_audio(wav, LabelOptions.of(text, code))
    n = int(seconds * FPS)
    t = np.arange(n) / FPS
    fig, axes = plt.subplots(4, 1, figsize=(12, 7), sharex=True, gridspec_kw={"height_ratios": [2, 1, 2, 2]})
    samples = spoken.samples[: int(seconds * spoken.rate)]
    axes[0].plot(np.arange(len(samples)) / spoken.rate, samples, color="#555555", lw=0.5)
    axes[0].set_title("the sound (espeak-ng)", fontsize=10, loc="left")
    axes[0].set_yticks([])
    _phones(axes[1], spoken, seconds)
    axes[1].set_title("the phones, as said (red: lips closed)", fontsize=10, loc="left")
    openness = np.array([OPENNESS[ipa_class(p)] for p in spoken.at_frames(n)])
    for ax, after, title in (
        (axes[2], False, "mouth opening, the network's own timing: it opens and closes ~3 frames (100 ms) early"),
        (axes[3], True, "mouth opening, calibrated (default): one frame (33 ms) ahead of the sound"),
    ):
        opening = judge.mouth(ids, after)[:n]
        ax.fill_between(t, 0, openness * opening.max(), step="post", color="#cccccc")
        ax.plot(t, opening, color="black", lw=1.6)
        for phone, start, _ in spoken.phones:
            if ipa_class(phone) == "bilabial" and start < seconds:
                ax.axvline(start, color=COLOURS["bilabial"], lw=1, ls="--")
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_ylabel("px")
    axes[-1].set_xlabel("seconds (dashed red: a bilabial starts; grey: the phones' openness)")
    axes[-1].set_xlim(0, seconds)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main() -> None:
    judge = Judge()
    with tempfile.TemporaryDirectory() as work:
        languages_picture(judge, Judge(lip_closure=False), Path(work), ROOT / "docs" / "languages.png")
        sync_picture(judge, Path(work), ROOT / "docs" / "av_sync.png")
    print("wrote docs/languages.png, docs/av_sync.png")


if __name__ == "__main__":
    main()
