"""Where the package's own data lives: the bundled model, the embedded face model, the demo's example."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DEFAULT_CHECKPOINT = PACKAGE / "weights" / "default.pth"
FACE_MODEL_FILE = PACKAGE / "data" / "face_model.npz"
EXAMPLES = PACKAGE / "data" / "examples"  # hello.wav (+ its transcript and labels): the demo's input
ARKIT_BASIS_FILE = PACKAGE / "data" / "arkit_basis.npz"  # ARKit-52 on our face model, from ICT-FaceKit (MIT)
