"""The IPA -> phones table keeps what the mouth does."""

from styletalk_core.formats.labels import PHONEME_IDS
from styletalk_core.speech.ipa import TABLE, phones_from_ipa


def test_the_ipa_table_keeps_what_the_mouth_does():
    def first(ipa):
        return phones_from_ipa(ipa)[0]

    for bilabial in "pbmβɸɓ":  # the lips close
        assert TABLE[bilabial][0] in ("P", "B", "M"), bilabial
    assert first("ɱ") == ["M"] and first("f") == ["F"] and first("ʋ") == ["V"]
    for rounded in ("u", "y", "o", "ø", "ɔ", "œ", "ʊ", "w", "ɥ"):  # rounded stays rounded
        assert first(rounded)[0] in ("UW", "UH", "OW", "AO", "W"), rounded
    for open_ in ("a", "ä", "ɑ", "æ"):  # open stays open
        assert first(open_)[0] in ("AA", "AE"), open_
    assert first("ɯᵝ") == ["UH"] and first("ɯ") == ["IH"]  # Japanese u compressed, Korean eu spread
    assert first("ɔ̃") == ["AO"] and first("ˈaːɪ") == ["AY"] and first("aɪ") == ["AY"]
    assert first("t͡ʃ") == ["CH"] and first("tʃ") == ["CH"] and first("ts") == ["T", "S"] and first("ɲ") == ["N", "Y"]
    assert first("rʲ") == ["R"] and first("kʰ") == ["K"]  # palatalised, aspirated: the same mouth
    assert phones_from_ipa("p☃a") == (["P", "AA"], "☃")  # what it cannot read, said
    assert all(p in PHONEME_IDS and p not in ("SIL", "NSN") for phones in TABLE.values() for p in phones)
