"""Bounded, regularised least squares over a whole sequence, vectorised over frames:

    min_W  1/2 sum_t |A^T w_t - b_t|^2 + l2/2 |W|^2 + smooth/2 sum_t |w_t - w_{t-1}|^2
           + sum_t sum_k (sparse + outside s_k) w_tk + mirror/2 sum_t sum_(a,b) (w_ta - w_tb)^2,  0 <= W <= 1

(sparse: keys that do not help stay at 0; outside: a key costs more the more of its motion lies outside
the mouth, s_k its share; mirror: a key and its mirror twin, left and right, move alike)

solved by accelerated projected gradient (FISTA) in the weights' space: only G = A A^T (K x K) and
C = B A^T (T x K) are needed, so the cost per iteration is T x K x K whatever the vertex count."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SolveSettings:
    l2: float = 1e-5  # relative to the largest eigenvalue of G: keeps unused shapes at 0
    smooth: float = 1e-4  # relative likewise: frame-to-frame smoothness
    iterations: int = 150
    lower: float = 0.0
    upper: float = 1.0
    sparse: float = 0.0  # relative likewise: the cost of using a key at all (with lower 0, an L1 term)
    mirror: float = 0.0  # relative likewise: the cost of a key and its mirror twin moving differently
    outside: float = 0.0  # relative likewise: a key's extra cost per unit share of its motion outside the mouth


def _temporal_laplacian(w: np.ndarray) -> np.ndarray:
    """(L W)_t = 2 w_t - w_{t-1} - w_{t+1}, with free ends (the gradient of the smoothness term)."""
    out = np.zeros_like(w)
    if len(w) > 1:
        d = np.diff(w, axis=0)
        out[:-1] -= d
        out[1:] += d
    return out


def mirror_laplacian(size: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    """(K, K): the gradient of 1/2 sum over pairs (w_a - w_b)^2 is this times w."""
    lap = np.zeros((size, size))
    for a, b in pairs:
        lap[a, a] += 1
        lap[b, b] += 1
        lap[a, b] -= 1
        lap[b, a] -= 1
    return lap


def solve_weights(
    gram: np.ndarray,
    cross: np.ndarray,
    settings: SolveSettings | None = None,
    pairs: list[tuple[int, int]] = (),
    outside_share: np.ndarray | None = None,
) -> np.ndarray:
    """Weights (T, K) from G = A A^T (K, K) and C = B A^T (T, K) (see the module docstring); `pairs`:
    the keys that mirror each other; `outside_share` (K,): each key's share of motion outside the mouth."""
    settings = settings or SolveSettings()
    gram = np.asarray(gram, np.float64)
    cross = np.asarray(cross, np.float64)
    scale = float(np.linalg.eigvalsh(gram)[-1]) or 1.0
    l2, smooth = settings.l2 * scale, settings.smooth * scale
    mirror = settings.mirror * scale * mirror_laplacian(len(gram), list(pairs))
    step = 1.0 / (scale + l2 + 4 * smooth + 4 * settings.mirror * scale)
    g = (gram + l2 * np.eye(len(gram)) + mirror).astype(np.float32)
    cost = settings.sparse + settings.outside * (np.zeros(len(gram)) if outside_share is None else outside_share)
    c = (cross - cost * scale).astype(np.float32)  # the L1 terms' gradient, where w >= 0
    w = np.clip(np.linalg.solve(g, c.T).T, settings.lower, settings.upper).astype(np.float32)  # a warm start
    y, t = w.copy(), 1.0
    for _ in range(settings.iterations):
        grad = y @ g - c + smooth * _temporal_laplacian(y)
        w_next = np.clip(y - step * grad, settings.lower, settings.upper)
        t_next = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
        y = w_next + ((t - 1) / t_next) * (w_next - w)
        w, t = w_next, t_next
    return w


def objective(
    basis: np.ndarray,
    targets: np.ndarray,
    w: np.ndarray,
    settings: SolveSettings,
    pairs: list[tuple[int, int]] = (),
    outside_share: np.ndarray | None = None,
) -> float:
    """The solved objective (for tests and benchmarks): basis (K, D), targets (T, D), weights (T, K)."""
    scale = float(np.linalg.eigvalsh(basis @ basis.T)[-1])
    fit = 0.5 * ((w @ basis - targets) ** 2).sum()
    mirror = sum(((w[:, a] - w[:, b]) ** 2).sum() for a, b in pairs)
    return float(
        fit
        + 0.5 * settings.l2 * scale * (w**2).sum()
        + 0.5 * settings.smooth * scale * (np.diff(w, axis=0) ** 2).sum()
        + settings.sparse * scale * w.sum()
        + (0.0 if outside_share is None else settings.outside * scale * (w @ outside_share).sum())
        + 0.5 * settings.mirror * scale * mirror
    )
