"""The public API in ten lines: labels from audio, curves with a style preset, a curves file and a CSV.

Run: .venv/bin/python examples/api_example.py [OUT_DIR]
"""

import sys
from pathlib import Path

import styletalk_core as st
from styletalk_core.resources import EXAMPLES

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
model = st.load_model()  # the bundled default model; st.load_model("styletalk_checkpoint.pth") for the official one
ids = st.phonemes_from_audio(EXAMPLES / "hello.wav", st.LabelOptions.of((EXAMPLES / "hello.txt").read_text(), "en"))
curves = st.generate_curves(ids, [st.StyleSpec("preset:happy")], generator=model)
curves.save(out / "hello_curves.npz")
st.export_curves(curves, out / "hello.csv", "csv")
print(f"{curves.frames} frames -> {out / 'hello_curves.npz'}, {out / 'hello.csv'}")
