"""Random draws from the planted mixes: one key, or many, with the given probabilities."""

from __future__ import annotations

import numpy as np


def draw(rng: np.random.Generator, mix: dict) -> str:
    """One key of ``mix`` drawn with the probabilities given as its values."""
    u = rng.random() * sum(mix.values())
    total = 0.0
    for key, weight in mix.items():
        total += weight
        if u < total:
            return key
    return key


def draw_many(rng: np.random.Generator, mix: dict, size: int) -> np.ndarray:
    """``size`` keys of ``mix`` drawn independently with the probabilities given as its values."""
    keys = np.array(list(mix), dtype=object)
    probs = np.array(list(mix.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=probs / probs.sum())]
