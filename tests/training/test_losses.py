"""The training losses push the right way."""

import torch

from styletalk_core.training.losses import reconstruction_loss, ssim_1d, triplet_accuracy, triplet_loss


def test_reconstruction_loss_direction():
    torch.manual_seed(0)
    target = torch.randn(2, 32, 64)
    assert reconstruction_loss(target, target).item() < 1e-5
    assert abs(ssim_1d(target, target).item() - 1) < 1e-5
    near, far = target + 0.05 * torch.randn_like(target), target + 0.5 * torch.randn_like(target)
    assert reconstruction_loss(near, target) < reconstruction_loss(far, target)
    pred = far.clone().requires_grad_()
    reconstruction_loss(pred, target).backward()
    stepped = pred - 0.1 * pred.grad  # a gradient step moves towards the target
    assert reconstruction_loss(stepped, target) < reconstruction_loss(far, target)


def test_triplet_loss_direction():
    labels = torch.tensor([0, 0, 1, 1])
    separated = torch.tensor([[0.0, 0], [0.1, 0], [10, 0], [10.1, 0]])
    mixed = torch.tensor([[0.0, 0], [10, 0], [0.1, 0], [10.1, 0]])
    assert triplet_loss(separated, labels).item() == 0
    assert triplet_loss(mixed, labels).item() > 5
    assert triplet_accuracy(separated, labels) == 1.0 and triplet_accuracy(mixed, labels) == 0.0
    codes = mixed.clone().requires_grad_()
    triplet_loss(codes, labels).backward()
    assert triplet_loss(codes - 0.5 * codes.grad, labels) < triplet_loss(mixed, labels)
