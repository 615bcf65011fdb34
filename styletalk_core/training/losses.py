"""Training losses: L1 + SSIM reconstruction of expression sequences, batch-hard triplet on style codes."""

from __future__ import annotations

import torch
import torch.nn.functional as F

# SSIM's stabilising constants scale with the data range: 3DMM expression coefficients span about
# [-4, 4]. With the image defaults (range 1) near-constant dims make SSIM chase noise and swamp L1.
EXP_RANGE = 8.0


def ssim_1d(x: torch.Tensor, y: torch.Tensor, window: int = 11, data_range: float = EXP_RANGE) -> torch.Tensor:
    """Mean SSIM along time of (B, T, D) sequences, per dimension, with a uniform window."""
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    x, y = x.transpose(1, 2), y.transpose(1, 2)  # (B, D, T)
    window = min(window, x.shape[-1])

    def pool(t: torch.Tensor) -> torch.Tensor:
        return F.avg_pool1d(t, window, stride=1)

    mx, my = pool(x), pool(y)
    vx = pool(x * x) - mx * mx
    vy = pool(y * y) - my * my
    cov = pool(x * y) - mx * my
    ssim = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return ssim.mean()


def reconstruction_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 + (1 - SSIM) on (B, T, 64) expression sequences."""
    return F.l1_loss(pred, target) + (1 - ssim_1d(pred, target))


def lip_loss(pred: torch.Tensor, target: torch.Tensor, lip_basis: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean L1 (px) of the lip vertices' 2-D positions and of their per-frame velocities, for (B, T, 64)
    sequences; `lip_basis` (64, K) maps coefficients to the lip coordinates (the face model is linear)."""
    diff = (pred - target) @ lip_basis
    return diff.abs().mean(), (diff[:, 1:] - diff[:, :-1]).abs().mean()


def upper_lip_motion(pred: torch.Tensor, upper: torch.Tensor, lip_basis: torch.Tensor) -> torch.Tensor:
    """Mean per-frame lip-vertex velocity (px) that the upper-face dims alone cause, for (B, T, 64)
    sequences: the upper decoder may set the lips' level, but their motion is the lower face's."""
    moved = pred[..., upper] @ lip_basis[upper]
    return (moved[:, 1:] - moved[:, :-1]).abs().mean()


def closure_loss(
    pred: torch.Tensor, closing: torch.Tensor, closed: torch.Tensor, opening: torch.Tensor
) -> torch.Tensor:
    """How far (opening units, px) the mouth stays open above the clip's closed level on bilabial
    frames: lips meet on B/M/P whatever the speaker. pred (B, T, 64), closing (B, T) bool, closed (B,),
    opening (64,) the opening per unit of each coefficient."""
    if not closing.any():
        return pred.sum() * 0.0
    gap = pred @ opening - closed[:, None]
    return torch.relu(gap)[closing].mean()


def triplet_loss(codes: torch.Tensor, labels: torch.Tensor, margin: float = 5.0) -> torch.Tensor:
    """Batch-hard triplet loss on style codes (N, C): for each anchor, the farthest same-style code
    and the nearest other-style code; anchors without both are skipped."""
    dist = torch.cdist(codes, codes)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=codes.device)
    pos_mask, neg_mask = same & ~eye, ~same
    valid = pos_mask.any(1) & neg_mask.any(1)
    if not valid.any():
        return codes.sum() * 0.0
    hardest_pos = dist.masked_fill(~pos_mask, float("-inf")).amax(1)
    hardest_neg = dist.masked_fill(~neg_mask, float("inf")).amin(1)
    return F.relu(hardest_pos - hardest_neg + margin)[valid].mean()


def triplet_accuracy(codes: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of anchors whose nearest other code (leave-one-out) has the same style."""
    dist = torch.cdist(codes, codes).fill_diagonal_(float("inf"))
    nearest = dist.argmin(1)
    has_pos = (labels[:, None] == labels[None, :]).sum(1) > 1
    return float((labels[nearest] == labels)[has_pos].float().mean()) if has_pos.any() else float("nan")
