"""Each adversarial loss: output shapes, and the direction a gradient step pushes."""

import numpy as np
import pytest
import torch

from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.labels import phoneme_windows
from styletalk_core.training.discriminators import (
    LipSyncDiscriminator,
    StyleDiscriminator,
    TemporalDiscriminator,
    hinge_d_loss,
    hinge_g_loss,
    style_loss,
    sync_discriminator_loss,
    sync_generator_loss,
)


def _synthetic(batch=8, frames=32, seed=0):
    """Jaw opening is a fixed function of the phoneme: aligned pairs are 'in sync'."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(rng.integers(0, 41, (batch, frames // 4)), 4, axis=1)
    exp = np.zeros((batch, frames, 64), np.float32)
    exp[..., 0] = -2.0 * (ids % 5) / 4
    windows = np.stack([phoneme_windows(row) for row in ids])
    return torch.from_numpy(exp), torch.from_numpy(windows)


@pytest.mark.slow
def test_sync_discriminator_learns_and_pushes_generator():
    torch.manual_seed(0)
    d = LipSyncDiscriminator(load_face_model())
    exp, win = _synthetic()
    assert d(exp, win).shape == (8, 32)
    opt = torch.optim.Adam(d.parameters(), 1e-3)
    first = sync_discriminator_loss(d, exp, win).item()
    for _ in range(150):
        opt.zero_grad()
        sync_discriminator_loss(d, exp, win).backward()
        opt.step()
    assert sync_discriminator_loss(d, exp, win).item() < 0.7 * first
    shifted = torch.roll(win, 8, dims=1)
    assert d(exp, win).mean() > d(exp, shifted).mean()
    # generator side: a step on the motion lowers the sync loss against the phonemes
    d.requires_grad_(False)
    fake = (exp + 0.5 * torch.randn_like(exp)).requires_grad_()
    loss = sync_generator_loss(d, fake, win)
    loss.backward()
    assert sync_generator_loss(d, fake - 0.5 * fake.grad / fake.grad.norm(), win) < loss


def test_temporal_hinge_losses():
    d = TemporalDiscriminator()
    assert d(torch.zeros(2, 32, 64)).shape == (2, 8)
    assert hinge_d_loss(torch.full((4,), 2.0), torch.full((4,), -2.0)).item() == 0
    assert hinge_d_loss(torch.full((4,), -1.0), torch.full((4,), 1.0)).item() == 4
    assert hinge_g_loss(torch.full((4,), 3.0)) < hinge_g_loss(torch.full((4,), -3.0))


def test_style_discriminator_direction():
    torch.manual_seed(0)
    d = StyleDiscriminator(num_styles=3)
    exp = torch.randn(4, 32, 64)
    assert d(exp).shape == (4, 3, 8)
    target = torch.tensor([0, 1, 2, 0])
    x = exp.clone().requires_grad_()
    loss = style_loss(d, x, target)
    loss.backward()
    assert style_loss(d, x - 0.1 * x.grad / x.grad.norm(), target) < loss
