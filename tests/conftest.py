"""Shared fixtures: paths into ../shared/reference (tests skip with a clear message if it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "reference"
PARITY = SHARED / "parity"
SAMPLES = SHARED / "official_samples" / "samples"


def shared_path(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"reference data not found at {p} (expected ../shared beside the repository)")
    return p


@pytest.fixture(scope="session")
def parity_case():
    import numpy as np

    with np.load(shared_path("parity", "styletalk_case1.npz")) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="session")
def random_generator():
    from styletalk_core.checkpoint import load_generator

    return load_generator(shared_path("parity", "styletalk_random_ckpt.pth"))
