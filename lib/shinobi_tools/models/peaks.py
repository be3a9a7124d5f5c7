"""From per-frame event probabilities to events: peak picking, and its settings tuned for the evaluation's F1.

Both models (the spotter and the video LLM's event head) turn one probability series per event type into events
the same way: peaks above a threshold, at least a gap apart (greedy non-maximum suppression, highest first). The
threshold and gap of each type are tuned on validation data for F1 at a time tolerance, matching predictions to
true onsets with the evaluation's own optimal one-to-one matcher (:func:`shinobi_tools.evaluation.metrics.
match_onsets`), so a model is tuned for the metric it is judged by.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from shinobi_tools.evaluation.metrics import match_onsets

#: Thresholds tried when tuning.
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


@dataclass(frozen=True)
class PeakSettings:
    """How one type's probabilities become events: the least probability of a peak and the least gap (frames of
    the series) between two peaks; ``val_f1`` and ``val_events``: what the tuning saw (NaN / 0 untuned)."""

    threshold: float
    gap: int
    val_f1: float = float("nan")
    val_events: int = 0


def pick_peaks(probabilities: np.ndarray, threshold: float, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Greedy NMS on one type's per-frame probabilities: (indices, scores) of peaks ≥ ``threshold`` at least
    ``gap`` frames apart, the highest kept first; returned sorted by index."""
    probabilities = np.asarray(probabilities, dtype=float)
    candidates = np.flatnonzero(probabilities >= threshold)
    order = candidates[np.argsort(-probabilities[candidates], kind="stable")]
    taken = np.zeros(len(probabilities), dtype=bool)
    kept = []
    for i in order:
        if not taken[max(i - gap + 1, 0): i + gap].any():
            kept.append(i)
            taken[i] = True
    kept = np.array(sorted(kept), dtype=int)
    return kept, probabilities[kept]


def tune_peaks(probabilities: Sequence[np.ndarray], onsets: Sequence[np.ndarray],
               to_seconds: Callable[[np.ndarray], np.ndarray], gaps: Sequence[int], tolerance: float,
               default: PeakSettings) -> PeakSettings:
    """The threshold and gap with the best F1 pooled over several series of one event type.

    ``probabilities[i]``: series ``i`` (one value per frame); ``onsets[i]``: its true onsets (s);
    ``to_seconds``: peak indices → onset times (s) in the same clock. Ties: the largest gap, then the middle of
    the best thresholds' plateau. Without true events, ``default``.
    """
    n_true = sum(len(o) for o in onsets)
    if n_true == 0:
        return default
    f1 = np.zeros((len(gaps), len(THRESHOLDS)))
    for g, gap in enumerate(gaps):
        peaks = [pick_peaks(p, float(THRESHOLDS[0]), gap) for p in probabilities]
        for i, threshold in enumerate(THRESHOLDS):
            tp = n_pred = 0
            for (index, score), truth in zip(peaks, onsets):
                found = to_seconds(index[score >= threshold])
                tp += len(match_onsets(truth, found, tolerance).truth)
                n_pred += len(found)
            f1[g, i] = 2 * tp / (n_true + n_pred)
    g = int(np.flatnonzero(f1.max(axis=1) >= f1.max() - 1e-9)[-1])
    best = np.flatnonzero(f1[g] >= f1[g].max() - 1e-9)
    return PeakSettings(float(THRESHOLDS[best[len(best) // 2]]), int(gaps[g]), round(float(f1.max()), 4), n_true)
