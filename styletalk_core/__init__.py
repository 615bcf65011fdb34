"""StyleTalk toolkit: speech + a speaking-style clip -> stylised 3DMM expression curves.

The user-level API (imported on first use, so `import styletalk_core` stays light):

    import styletalk_core as st

    model = st.load_model()                                # the bundled model, or load_model("ckpt.pth")
    ids = st.phonemes_from_audio("voice.wav", st.LabelOptions.of("lo que se dice", "es"))
    curves = st.generate_curves(ids, [st.StyleSpec("preset:happy")], generator=model)
    # settings: st.GenerateSettings(style_strength=1.5, sync_offset_ms=20, lip_closure=False, ...)
    curves.save("voice_curves.npz")
    st.export_curves(curves, "voice.csv", "csv")
"""

from __future__ import annotations

import importlib

_API = {
    "load_model": "inference",
    "generate_curves": "inference",
    "GenerateSettings": "settings",
    "StyleSpec": "formats.style",
    "phonemes_from_audio": "speech.phonemes",
    "LabelOptions": "formats.labelling",
    "load_phoneme_labels": "formats.labels",
    "extract_style": "style.extract",
    "Curves": "formats.curves",
    "load_curves": "formats.curves",
    "export_curves": "formats.export",
    "StyleTalkError": "formats.errors",
}
__all__ = sorted(_API)


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'styletalk_core' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_API[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
