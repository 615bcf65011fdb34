"""Labels and lip-sync per language, on speech whose phone timings are exact (espeak-ng's library:
benchmarks/synthetic_speech.py), with English as the baseline and the true phones fed to the network
as the ceiling. Per language, with and without a transcript:
  within +-1   frames whose visual class (bilabial, labiodental, rounded, open vowel, other vowel,
               other consonant, silence) the labels give at that frame or a neighbouring one
  closure      share of the true p/b/m (and other bilabials) where the generated mouth closes
               (training.lipsync.bilabial_closure: the clip's own 25th percentile within 2 frames)
  opening r    the generated mouth opening against the true phones' openness, at the best lag
               within 3 frames
  x RT         labelling time over the audio's length, one process (the machine's other core idle)
The sentences are this benchmark's own, written for it; the style is the default model's neutral
preset. Usage: .venv/bin/python benchmarks/languages.py [--languages es,ja] [--sentences N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from phoneme_agreement import near_frames  # noqa: E402
from synthetic_speech import CLASSES, OPENNESS, Spoken, ipa_class, label_class, speak, true_labels  # noqa: E402

from styletalk_core.formats.labelling import LabelOptions  # noqa: E402
from styletalk_core.formats.languages import language  # noqa: E402
from styletalk_core.formats.layout import FPS  # noqa: E402
from styletalk_core.formats.style import StyleSpec  # noqa: E402
from styletalk_core.speech.g2p import _japanese, _mandarin, transcript_tokens  # noqa: E402
from styletalk_core.speech.phonemes import phonemes_from_audio  # noqa: E402

SENTENCES = {
    "en": [
        "Peter bought a big map of the bay before the boat left.",
        "My mother made warm bread and apple pie for breakfast.",
        "Bob will meet the team by the palm trees at nine.",
        "A tall man walked his dog along the quiet river.",
        "Please bring me the blue cup from the kitchen table.",
        "We found seven small shells on the warm sand.",
    ],
    "es": [
        "Pablo bebe mucho vino blanco en la playa con su madre.",
        "Mañana vamos a comprar pan y manzanas en el mercado.",
        "El perro de mi primo bebe agua de una botella pequeña.",
        "Mi padre trabaja todos los días en el puerto.",
        "La niña busca su muñeca bajo la cama.",
        "Vamos a bailar en la fiesta del pueblo.",
    ],
    "de": [
        "Peter bringt morgen Brot und Milch mit nach Bremen.",
        "Meine Mutter backt am Montag einen großen Apfelkuchen.",
        "Der Bär schwimmt im blauen Wasser bei der alten Brücke.",
        "Wir fahren im Sommer mit dem Boot über den See.",
        "Bitte bring mir das Buch vom Tisch.",
        "Mein Bruder spielt jeden Abend Gitarre.",
    ],
    "fr": [
        "Pierre boit du vin blanc avec sa mère à Paris.",
        "Mon petit frère mange une pomme dans le jardin.",
        "Le beau bateau passe sous le pont au matin.",
        "Nous partons demain matin pour la montagne.",
        "Ma tante prépare un bon repas pour la famille.",
        "Le petit chat dort sur le banc du parc.",
    ],
    "it": [
        "Paolo beve un bicchiere di vino bianco con la mamma.",
        "Domani mattina compriamo il pane e le mele al mercato.",
        "Il bambino mangia una pizza buona in piazza.",
        "Mio padre lavora ogni giorno al porto.",
        "La bambina cerca la sua bambola sotto il letto.",
        "Andiamo a ballare alla festa del paese.",
    ],
    "pt": [
        "Paulo bebe muito vinho branco na praia com a mãe.",
        "Amanhã vamos comprar pão e maçãs no mercado.",
        "O menino pequeno brinca com a bola no parque.",
        "Meu pai trabalha todos os dias no porto.",
        "A menina procura a boneca debaixo da cama.",
        "Vamos dançar na festa da cidade.",
    ],
    "ru": [
        "Папа пьёт много молока по утрам.",
        "Мама купила большой арбуз на базаре.",
        "Бабушка печёт пироги с малиной.",
        "Мой брат работает в большом порту.",
        "Мы пойдём в парк после обеда.",
        "Девочка ищет свою куклу под кроватью.",
    ],
    "ja": [
        "私の母は毎朝パンを食べます。",
        "明日は友達と海で泳ぎます。",
        "この本はとても面白いです。",
        "父は毎日港で働いています。",
        "妹は部屋で本を読んでいます。",
        "明日の晩ご飯はカレーです。",
    ],
    "cmn": [
        "爸爸每天早上喝牛奶。",
        "妈妈买了一个大苹果。",
        "我们明天去北京看朋友。",
        "我爸爸在北京工作。",
        "明天我们一起去公园。",
        "妹妹喜欢吃面包和苹果。",
    ],
    "hi": [
        "मेरी माँ बाज़ार से आम लाई।",
        "बच्चे पार्क में फुटबॉल खेलते हैं।",
        "पापा हर सुबह पानी पीते हैं।",
        "मेरे भाई बंबई में काम करते हैं।",
        "हम कल बाग में घूमने जाएंगे।",
        "बिल्ली पलंग के नीचे सो रही है।",
    ],
    "ko": [
        "엄마는 매일 아침 밥을 먹어요.",
        "바다에서 배를 보고 싶어요.",
        "우리 반 친구들은 모두 바빠요.",
        "아빠는 매일 바다에서 일해요.",
        "내일 우리는 공원에 갈 거예요.",
        "동생은 빵과 사과를 좋아해요.",
    ],
    "ar": [
        "ذهب أبي إلى المدينة بالباص.",
        "أمي تحب الموز والتفاح.",
        "الباب مفتوح في الصباح.",
        "يعمل أبي في الميناء كل يوم.",
        "نذهب غدا إلى الحديقة.",
        "البنت تبحث عن دميتها تحت السرير.",
    ],
}


def spoken_text(text: str, code: str) -> str:
    """What espeak-ng is given to say the sentence: Han characters first read as the labeller reads
    them (pinyin, kana), since espeak-ng's own Mandarin and Japanese voices do not read them."""
    lang = language(code)
    if lang.reading == "pinyin":
        return " ".join(_mandarin(transcript_tokens(text)))
    if lang.reading == "kana":
        return " ".join(_japanese(transcript_tokens(text), "benchmark"))
    return text


@dataclass
class Row:
    language: str
    mode: str  # transcript, recognition, true phones
    within: float | None
    closure: float | None
    opening_r: float
    rt: float | None


class Judge:
    """The network and the face model, loaded once: the mouth opening the default model gives labels,
    calibrated (`after`) or at the network's own timing (settings.MODEL_SYNC_MS taken back)."""

    def __init__(self, lip_closure: bool = True):
        from styletalk_core.face.face_model import load_face_model
        from styletalk_core.inference import load_model

        self.model, self.face, self.lip_closure = load_model(), load_face_model(), lip_closure

    def mouth(self, ids: np.ndarray, after: bool = True) -> np.ndarray:
        from styletalk_core.inference import generate_curves
        from styletalk_core.settings import MODEL_SYNC_MS, GenerateSettings
        from styletalk_core.training.lipsync import opening

        offset = 0.0 if after else -MODEL_SYNC_MS
        settings = GenerateSettings(sync_offset_ms=offset, lip_closure=self.lip_closure)
        curves = generate_curves(ids, [StyleSpec("preset:neutral")], settings, generator=self.model)
        return opening(curves.exp, self.face)


def scores(judge: Judge, ids: np.ndarray, spoken: Spoken) -> tuple[float, float | None, float]:
    """(within +-1 of the true visual class, bilabial closure, opening r) of labels `ids`."""
    from styletalk_core.formats.labels import PHONEME_IDS
    from styletalk_core.training.lipsync import best_lag_r, bilabial_closure

    n = len(ids)
    classes = [ipa_class(p) for p in spoken.at_frames(n)]
    true_class = np.array([CLASSES.index(c) for c in classes])
    within = float(near_frames(label_class(ids), true_class).mean())
    mouth = judge.mouth(ids)
    bilabial_runs = np.where(true_class == CLASSES.index("bilabial"), PHONEME_IDS["P"], PHONEME_IDS["SIL"])
    closure = bilabial_closure(mouth, bilabial_runs)
    r, _ = best_lag_r(mouth, np.array([OPENNESS[c] for c in classes]), max_lag=3)
    return within, closure, r


def run(codes: list[str], sentences: int, work: Path, judge: Judge) -> list[Row]:
    rows = []
    for code in codes:
        lang = language(code)
        per_mode: dict[str, list] = {"transcript": [], "recognition": [], "true phones": []}
        for k, text in enumerate(SENTENCES[code][:sentences]):
            spoken = speak(spoken_text(text, code), lang.voice)
            wav = spoken.write(work / f"{code}_{k}.wav")
            for mode, transcript in (("transcript", text), ("recognition", None)):
                t0 = time.perf_counter()
                ids = phonemes_from_audio(wav, LabelOptions.of(transcript, code))
                rt = (time.perf_counter() - t0) / spoken.seconds
                per_mode[mode].append((*scores(judge, ids, spoken), rt))
            truth = true_labels(spoken, int(spoken.seconds * FPS))
            _, closure, r = scores(judge, truth, spoken)
            per_mode["true phones"].append((None, closure, r, None))
        for mode, values in per_mode.items():
            cols = list(zip(*values, strict=True))
            mean = [
                None if all(v is None for v in c) else float(np.mean([v for v in c if v is not None])) for c in cols
            ]
            rows.append(Row(code, mode, *mean))
    return rows


def _mean(values: list) -> float | None:
    return float(np.mean(values)) if values else None


def table(rows: list[Row]) -> str:
    def cell(v, fmt):
        return f"{v:{fmt}}" if v is not None else "—"

    lines = ["| language | mode | within ±1 | closure | opening r | x RT |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r.language} | {r.mode} | {cell(r.within, '.0%')} | {cell(r.closure, '.0%')} | "
            f"{r.opening_r:.2f} | {cell(r.rt, '.2f')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default=",".join(SENTENCES), help="comma-separated codes")
    parser.add_argument("--sentences", type=int, default=6, help="sentences per language")
    parser.add_argument("--no-lip-closure", dest="lip_closure", action="store_false", help="the network's mouth alone")
    args = parser.parse_args()
    from styletalk_core.threads import set_cpu_threads

    set_cpu_threads(1)
    with tempfile.TemporaryDirectory() as work:
        rows = run(args.languages.split(","), args.sentences, Path(work), Judge(args.lip_closure))
    print(table(rows))


if __name__ == "__main__":
    main()
