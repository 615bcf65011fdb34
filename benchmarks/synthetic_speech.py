"""Test speech with exact phone timings: espeak-ng's library speaks a text and reports every phone it
says (IPA) with the millisecond it starts, so the truth is known to the sample. Used by
benchmarks/languages.py and benchmarks/av_sync.py; Debian's libespeak-ng1 (GPL-3) is loaded in the
benchmark's own process, never by the toolkit.

Also the visual classes a phone's mouth falls in (bilabial, labiodental, rounded, open vowel, other
vowel, other consonant, silence), read from the IPA directly for the truth and from the 41 labels for
what the labeller said, and each phone's openness, the mouth opening the phones call for."""

from __future__ import annotations

import ctypes
import ctypes.util
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from styletalk_core.formats.labels import PHONEME_IDS, PHONEME_SYMBOLS
from styletalk_core.formats.layout import FPS
from styletalk_core.speech.ipa import bare_letters, phones_from_ipa

CLASSES = ("bilabial", "labiodental", "rounded", "open", "vowel", "consonant", "silence")
# IPA by visual class (base letters: diacritics, length and stress removed first)
IPA_CLASS = {
    **dict.fromkeys("pbmβɸɓʙ", "bilabial"),
    **dict.fromkeys("fvʋɱ", "labiodental"),
    **dict.fromkeys("uyʉʊʏɵoøɔœɞwɥ", "rounded"),
    **dict.fromkeys("aäɑæɐɒɶ", "open"),
    **dict.fromkeys("iɪɨɯeɛɘəɜʌɤɚɝ", "vowel"),
}
LABEL_CLASS = {
    **dict.fromkeys(("P", "B", "M"), "bilabial"),
    **dict.fromkeys(("F", "V"), "labiodental"),
    **dict.fromkeys(("UW", "UH", "OW", "AO", "OY", "W"), "rounded"),
    **dict.fromkeys(("AA", "AE", "AW", "AY"), "open"),
    **dict.fromkeys(("IY", "IH", "EY", "EH", "AH", "ER"), "vowel"),
    **dict.fromkeys(("SIL", "NSN"), "silence"),
}
# how open the mouth is for each class (0 closed .. 1 wide), the phones' openness
OPENNESS = {
    "bilabial": 0.0,
    "labiodental": 0.15,
    "rounded": 0.45,
    "open": 1.0,
    "vowel": 0.6,
    "consonant": 0.25,
    "silence": 0.0,
}


def ipa_class(phone: str) -> str:
    """The visual class of one IPA phone as espeak-ng names it ('' is a pause); a diphthong or an
    affricate counts by its first letter (what the mouth does as the phone starts)."""
    base = bare_letters(phone)
    if not base:
        return "silence"
    if base[0] == "ɯ" and "ᵝ" in phone:
        return "rounded"  # Japanese u: compressed lips
    return IPA_CLASS.get(base[0], "consonant")


def label_class(ids: np.ndarray) -> np.ndarray:
    return np.array([CLASSES.index(LABEL_CLASS.get(PHONEME_SYMBOLS[i], "consonant")) for i in ids])


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


PHONEME_EVENT, SYNCHRONOUS, PHONEME_EVENTS, PHONEME_IPA, CHARS_UTF8 = 7, 2, 0x1, 0x2, 1
_lib = None


def _espeak():
    global _lib
    if _lib is None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        _lib = ctypes.CDLL(name)
        _lib.espeak_Initialize(SYNCHRONOUS, 0, None, PHONEME_EVENTS | PHONEME_IPA)
    return _lib


@dataclass
class Spoken:
    """A synthetic utterance: its samples and each phone with its start and end in seconds."""

    samples: np.ndarray  # int16
    rate: int
    phones: list[tuple[str, float, float]]

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def write(self, path: Path) -> Path:
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.rate)
            w.writeframes(self.samples.tobytes())
        return path

    def at_frames(self, n_frames: int | None = None) -> list[str]:
        """The phone spoken at each 30 fps frame's time ('' for a pause)."""
        n = n_frames if n_frames is not None else int(self.seconds * FPS)
        out = [""] * n
        for phone, start, end in self.phones:
            for i in range(max(0, int(np.ceil(start * FPS))), min(n, int(np.ceil(end * FPS)))):
                out[i] = phone
        return out


def speak(text: str, voice: str, rate_wpm: int = 160) -> Spoken:
    """`text` spoken by espeak-ng in `voice`, with the phone events it says it made."""
    lib = _espeak()
    chunks, events = [], []
    callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))

    def collect(wav, n, ev):
        if n > 0:
            chunks.append(np.ctypeslib.as_array(wav, (n,)).copy())
        i = 0
        while ev[i].type != 0:
            if ev[i].type == PHONEME_EVENT:
                events.append(
                    (ev[i].audio_position / 1000.0, bytes(ev[i].id).split(b"\0")[0].decode("utf-8", "replace"))
                )
            i += 1
        return 0

    keep = callback_type(collect)
    lib.espeak_SetSynthCallback(keep)
    wanted = _Voice(languages=voice.encode())
    if lib.espeak_SetVoiceByProperties(ctypes.byref(wanted)) != 0:
        raise ValueError(f"espeak-ng has no voice for {voice!r}")
    lib.espeak_SetParameter(1, rate_wpm, 0)  # espeakRATE
    data = text.encode("utf-8")
    lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, CHARS_UTF8, None, None)
    lib.espeak_Synchronize()
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    rate = 22050
    end = len(samples) / rate
    phones = [(p, t, events[k + 1][0] if k + 1 < len(events) else end) for k, (t, p) in enumerate(events)]
    samples = samples.astype(np.int16)
    return Spoken(samples, rate, with_closures([(p, a, b) for p, a, b in phones if b > a], samples, rate))


STOPS = set("pbtdkgcɟqɢʈɖʔ")  # a stop's or an affricate's first letter
SILENT = 8  # |sample| at or below: espeak-ng's digital silence


def with_closures(phones: list[tuple[str, float, float]], samples: np.ndarray, rate: int) -> list:
    """Each stop's closure given back to the stop. espeak-ng's event for a stop comes at its release (the
    burst); the closure before it, 40-130 ms of digital silence, is reported as the end of the phone
    before. A person's lips (for p, b) are closed through that silence, and phoneticians label it as
    the stop's (TIMIT's closure segments), so the truth's stop starts where the silence does. A pause
    before a stop keeps its silence (how long the lips were shut before speaking is not in the audio)."""
    out = list(phones)
    quiet = np.abs(samples.astype(np.int32)) <= SILENT
    for k in range(1, len(out)):
        phone, start, end = out[k]
        before, b_start, _ = out[k - 1]
        if not bare_letters(phone)[:1] or bare_letters(phone)[0] not in STOPS or not bare_letters(before):
            continue
        i = min(int(round(start * rate)), len(quiet))
        j = i
        while j > int(b_start * rate) + 1 and quiet[j - 1]:
            j -= 1
        if j < i:
            out[k - 1], out[k] = (before, b_start, j / rate), (phone, j / rate, end)
    return out


def true_labels(spoken: Spoken, n_frames: int) -> np.ndarray:
    """The truth in the network's 41 phones (each IPA phone through speech.ipa's table; a pause is SIL):
    what feeding the network the true phones means."""
    out = np.full(n_frames, PHONEME_IDS["SIL"], np.int64)
    for i, phone in enumerate(spoken.at_frames(n_frames)):
        mapped, _ = phones_from_ipa(phone) if phone else ([], "")
        if mapped:
            out[i] = PHONEME_IDS[mapped[0]]
    return out
