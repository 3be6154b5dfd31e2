"""A randomised campaign with known uplift, for testing uplift models and metrics.

Each unit has features x₀..x₃ ~ N(0, 1) and is treated with probability ``treated_share``.
Response probabilities: control σ(−1 + 0.5·x₁ − 0.3·x₂), treated σ(−1 + 0.5·x₁ − 0.3·x₂ +
``effect``·x₀ + ``lift``): the true uplift (treated minus control probability) rises with
x₀, is negative for low x₀, and does not depend on x₃ (noise). The truth is returned with
the data, so a test can ask how much planted incremental response a targeting captures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class UpliftData:
    x: np.ndarray  # (n, 4) features
    treatment: np.ndarray  # 0/1
    outcome: np.ndarray  # 0/1
    true_uplift: np.ndarray  # P(y=1 | x, t=1) - P(y=1 | x, t=0)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def randomised_campaign(n: int = 20_000, *, seed: int = 0, treated_share: float = 0.5,
                        effect: float = 0.8, lift: float = 0.1) -> UpliftData:
    """``n`` units of a randomised campaign with heterogeneous, known uplift."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    t = (rng.random(n) < treated_share).astype(int)
    base = -1 + 0.5 * x[:, 1] - 0.3 * x[:, 2]
    p_c = _sigmoid(base)
    p_t = _sigmoid(base + effect * x[:, 0] + lift)
    y = (rng.random(n) < np.where(t == 1, p_t, p_c)).astype(int)
    return UpliftData(x, t, y, p_t - p_c)
