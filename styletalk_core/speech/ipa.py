"""IPA -> the network's phones (CMU ARPAbet, the official 41 less SIL and NSN), chosen for what the
mouth does, then for what the English acoustic model hears: bilabials stay bilabials (the lips close),
labiodentals stay labiodentals, rounded vowels stay rounded, open vowels stay open. One table, grouped
by the reason for each choice; a symbol it lacks is read through its base letter (diacritics, length
and stress carry no mouth shape of their own here) or, for a diphthong, letter by letter."""

from __future__ import annotations

import unicodedata

# --- consonants -------------------------------------------------------------------------------------
# Lips closed: every bilabial stop, nasal, trill, click and implosive is P, B or M. The bilabial
# fricatives (Spanish b between vowels, Japanese f) bring the lips together too: B and P, not F.
LIPS_CLOSED = {
    "p": ("P",),
    "b": ("B",),
    "m": ("M",),
    "ɓ": ("B",),
    "ʙ": ("B",),
    "ʘ": ("P",),
    "β": ("B",),
    "ɸ": ("P",),
    "ɱ": ("M",),  # ɱ: a nasal before f/v, the lips meet the teeth and close
}
# Lower lip to the upper teeth.
LABIODENTAL = {"f": ("F",), "v": ("V",), "ʋ": ("V",), "ⱱ": ("V",), "pf": ("P", "F")}
# Tongue between the teeth.
DENTAL = {"θ": ("TH",), "ð": ("DH",)}
# Tongue tip, blade or body against the roof of the mouth, lips free: stops by place and voice.
# Retroflex and palatal stops keep their voicing; uvular ones are back stops like k and g.
STOPS = {
    "t": ("T",),
    "d": ("D",),
    "ʈ": ("T",),
    "ɖ": ("D",),
    "c": ("K",),
    "ɟ": ("G",),
    "k": ("K",),
    "g": ("G",),
    "ɡ": ("G",),
    "q": ("K",),
    "ɢ": ("G",),
    "ʔ": ("T",),  # ʔ: a closure, heard as a stop
}
NASALS = {"n": ("N",), "ɳ": ("N",), "ɲ": ("N", "Y"), "ŋ": ("NG",), "ɴ": ("NG",)}  # ɲ: n with a y glide
# Sibilants: teeth close together, lips spread (s, z) or pushed forward (the postalveolars and the
# alveolo-palatals and retroflexes, which sound and look like English sh and zh).
SIBILANTS = {
    "s": ("S",),
    "z": ("Z",),
    "ʃ": ("SH",),
    "ʒ": ("ZH",),
    "ɕ": ("SH",),
    "ʑ": ("ZH",),
    "ʂ": ("SH",),
    "ʐ": ("ZH",),
    "ts": ("T", "S"),
    "dz": ("D", "Z"),
    "tʃ": ("CH",),
    "dʒ": ("JH",),
    "tɕ": ("CH",),
    "dʑ": ("JH",),
    "tʂ": ("CH",),
    "ʈʂ": ("CH",),
    "dʐ": ("JH",),
    "ɖʐ": ("JH",),
    "tsʲ": ("T", "S"),
}
# Back and throat fricatives: the mouth stays as the vowels around them have it, which HH does.
THROAT = {
    "h": ("HH",),
    "ɦ": ("HH",),
    "x": ("HH",),
    "χ": ("HH",),
    "ħ": ("HH",),
    "ʕ": ("HH",),
    "ç": ("HH",),
    "ʜ": ("HH",),
    "ʢ": ("HH",),
    "ɣ": ("G",),
    "ʁ": ("R",),
    "ʀ": ("R",),  # voiced uvulars: the model hears them as g, r
}
# Rhotics and laterals: taps are heard as the English flap (D), trills and approximants as R.
LIQUIDS = {
    "r": ("R",),
    "ɹ": ("R",),
    "ɻ": ("R",),
    "ɾ": ("D",),
    "ɽ": ("D",),
    "ɺ": ("L",),
    "l": ("L",),
    "ɫ": ("L",),
    "ɭ": ("L",),
    "ʎ": ("L", "Y"),
    "ʟ": ("L",),
    "ɬ": ("L",),
    "ɮ": ("L",),
}
# Glides: w and its kin round the lips (W); j and its kin spread them (Y).
GLIDES = {"j": ("Y",), "ʝ": ("Y",), "w": ("W",), "ʍ": ("W",), "ɥ": ("W",), "ɰ": ("W",)}

# --- vowels -----------------------------------------------------------------------------------------
# Open: the jaw drops. Front and central open vowels are AA (the widest English opening), the
# near-open central one too (espeak-ng writes Korean and Portuguese a as ɐ); the near-open front vowel
# is AE; the open rounded back vowel is AO.
OPEN = {"a": ("AA",), "ä": ("AA",), "ɑ": ("AA",), "ɐ": ("AA",), "æ": ("AE",), "ɶ": ("AO",), "ɒ": ("AO",)}
# Rounded: the lips push forward. Close rounded vowels (front or back) are UW, their lax ones UH,
# mid rounded ones OW, open-mid rounded ones AO.
ROUNDED = {
    "u": ("UW",),
    "y": ("UW",),
    "ʉ": ("UW",),
    "ʊ": ("UH",),
    "ʏ": ("UH",),
    "ɵ": ("UH",),
    "o": ("OW",),
    "ø": ("OW",),
    "ɔ": ("AO",),
    "œ": ("AO",),
    "ɞ": ("AO",),
}
# Spread or neutral: close front vowels are IY / IH, mid front EY / EH, central and back unrounded
# ones the English schwa (AH), r-coloured ones ER. The close back unrounded ɯ (Korean eu) is IH;
# Japanese u, written ɯᵝ, is compressed: UH.
SPREAD = {
    "i": ("IY",),
    "ɪ": ("IH",),
    "ɨ": ("IH",),
    "ɯ": ("IH",),
    "ɯᵝ": ("UH",),
    "e": ("EY",),
    "ɛ": ("EH",),
    "ɘ": ("AH",),
    "ə": ("AH",),
    "ɜ": ("ER",),
    "ʌ": ("AH",),
    "ɤ": ("AH",),
    "ɚ": ("ER",),
    "ɝ": ("ER",),
}
# Diphthongs the English model has whole.
DIPHTHONGS = {
    "aɪ": ("AY",),
    "ai": ("AY",),
    "aʊ": ("AW",),
    "au": ("AW",),
    "ɑu": ("AW",),
    "ɔɪ": ("OY",),
    "ɔʏ": ("OY",),
    "oi": ("OY",),
    "eɪ": ("EY",),
    "ei": ("EY",),
    "oʊ": ("OW",),
    "əʊ": ("OW",),
    "ou": ("OW",),
}

TABLE: dict[str, tuple[str, ...]] = {
    **LIPS_CLOSED, **LABIODENTAL, **DENTAL, **STOPS, **NASALS, **SIBILANTS, **THROAT, **LIQUIDS, **GLIDES,
    **OPEN, **ROUNDED, **SPREAD, **DIPHTHONGS,
}  # fmt: skip
LONGEST = max(map(len, TABLE))
# marks with no mouth shape of their own: stress, length, syllable and tone marks, ties, espeak's '-'
SILENT_MARKS = set("ˈˌːˑ.‿͜͡-|‖↗↘˥˦˧˨˩0123456789")


def bare_letters(text: str) -> str:
    """Combining diacritics (nasal, voiceless, syllabic ...) and modifier letters (ʲ ʰ ʷ) removed."""
    out = []
    for c in unicodedata.normalize("NFD", text):
        if unicodedata.combining(c) or unicodedata.category(c) == "Lm" or c in SILENT_MARKS:
            continue
        out.append(c)
    return unicodedata.normalize("NFC", "".join(out))


def phones_from_ipa(ipa: str) -> tuple[list[str], str]:
    """The phones of an IPA string (one phone, a word, or several), read by longest match against
    TABLE, first as written (ɯᵝ, tʃ) then without its diacritics; and what could not be read."""
    phones, unknown = [], []
    for text in ipa.split():
        text = "".join(c for c in text if c not in SILENT_MARKS)
        i = 0
        while i < len(text):
            for size in range(min(LONGEST + 2, len(text) - i), 0, -1):
                piece = text[i : i + size]
                found = TABLE.get(piece) or TABLE.get(bare_letters(piece))
                if found:
                    phones.extend(found)
                    i += size
                    break
            else:
                if bare_letters(text[i]):
                    unknown.append(text[i])
                i += 1
    return phones, "".join(unknown)
