"""Peak picking and its tuning, shared by the spotter and the video LLM's event head."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shinobi_tools.evaluation.metrics import evaluate
from shinobi_tools.models.peaks import PeakSettings, pick_peaks, tune_peaks

DEFAULT = PeakSettings(0.5, 1)


def test_pick_peaks_keeps_the_highest_peak_per_gap():
    probs = np.array([0.1, 0.9, 0.8, 0.2, 0.1, 0.1, 0.7, 0.3, 0.95])
    index, score = pick_peaks(probs, threshold=0.5, gap=3)
    assert index.tolist() == [1, 8] and score.tolist() == [0.9, 0.95]
    index, score = pick_peaks(probs, threshold=0.5, gap=1)
    assert index.tolist() == [1, 2, 6, 8]
    assert pick_peaks(probs, threshold=0.99, gap=1)[0].size == 0


def _series(rng, n, onsets, noise_peaks):
    """A probability series at 10 frames/s: 0.8–0.95 at true onsets, 0.3–0.6 at distractor frames."""
    probs = rng.uniform(0.0, 0.1, n)
    probs[onsets] = rng.uniform(0.8, 0.95, len(onsets))
    probs[noise_peaks] = rng.uniform(0.3, 0.6, len(noise_peaks))
    return probs


def test_tuning_finds_the_threshold_between_true_and_false_peaks():
    rng = np.random.default_rng(0)
    onsets = [np.array([5, 30, 31, 60]), np.array([12, 70])]      # two onsets one frame apart
    noise = [np.array([45, 80]), np.array([40])]
    series = [_series(rng, 100, o, n) for o, n in zip(onsets, noise)]
    tuned = tune_peaks(series, [o / 10 for o in onsets], lambda index: index / 10, gaps=(1, 5), tolerance=0.05,
                       default=DEFAULT)
    assert 0.6 <= tuned.threshold <= 0.8 and tuned.gap == 1    # gap 5 would merge frames 30 and 31
    assert tuned.val_f1 == 1.0 and tuned.val_events == 6


def test_tuned_f1_is_the_evaluations_f1():
    """Greedy matching in score order would pair the 1.2 s peak with the 1.3 s event and leave 1.5 s unmatched;
    the evaluation (and so the tuning) pairs 1.2 with 1.0 and 1.5 with 1.3."""
    truth = np.array([1.0, 1.3])
    probs = np.zeros(40)
    probs[[12, 15]] = [0.9, 0.85]        # peaks at 1.2 s and 1.5 s (10 frames/s)
    tuned = tune_peaks([probs], [truth], lambda index: index / 10, gaps=(1,), tolerance=0.25, default=DEFAULT)
    found = np.flatnonzero(probs >= tuned.threshold) / 10
    table = evaluate(pd.DataFrame({"onset": truth, "trial_type": "A"}),
                     pd.DataFrame({"onset": found, "trial_type": "A"}), tolerances=(0.25,))
    assert tuned.val_f1 == 1.0
    assert tuned.val_f1 == pytest.approx(float(table.loc[table["event_type"] == "A", "f1"].iloc[0]))


def test_types_without_true_events_keep_the_default():
    assert tune_peaks([np.ones(10)], [np.array([])], lambda i: i / 10, (1,), 0.5, DEFAULT) == DEFAULT
