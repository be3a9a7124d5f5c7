"""From per-frame probabilities to events (lib/shinobi_tools/models/detect.py): onsets, durations from the
active probabilities, confidences, and the tuning of the settings on validation runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shinobi_tools.models.detect import Detector, matched_ious, median_durations


def _probabilities(n: int, types: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, types), 0.01), np.full((n, types), 0.01)


def test_detect_gives_onset_duration_and_confidence_per_type():
    detector = Detector(["Press", "Boom"], durations=[0.3, 0.0])
    onset, active = _probabilities(30, 2)
    onset[5, 0], onset[20, 0], onset[12, 1] = 0.9, 0.7, 0.8
    active[5:9, 0] = 0.9          # the first press lasts 4 frames (0.4 s)
    active[12:16, 1] = 0.9        # an instantaneous type stays instantaneous
    found = detector.detect(np.hstack([onset, active]), np.arange(30) / 10, 10.0)
    assert [(d.trial_type, d.onset, round(d.duration, 3), d.confidence) for d in found] == [
        ("Press", 0.5, 0.4, pytest.approx(0.9)),
        ("Boom", 1.2, 0.0, pytest.approx(0.8)),
        ("Press", 2.0, 0.3, pytest.approx(0.7)),  # not active at its peak: the median training duration
    ]
    assert [d.trial_type for d in detector.detect(np.hstack([onset, active]), np.arange(30) / 10, 10.0, ["Boom"])] \
        == ["Boom"]
    # onset probabilities alone (no active head): every event lasts its type's median
    assert [round(d.duration, 3) for d in detector.detect(onset, np.arange(30) / 10, 10.0)] == [0.3, 0.0, 0.3]


def test_a_press_ends_before_the_next_press_of_its_type():
    detector = Detector(["Press"], durations=[0.3])
    onset, active = np.full((20, 1), 0.01), np.full((20, 1), 0.9)
    onset[2, 0] = onset[6, 0] = 0.9
    found = detector.detect(np.hstack([onset, active]), np.arange(20) / 10, 10.0)
    assert [(d.onset, round(d.duration, 3)) for d in found] == [(0.2, 0.4), (0.6, 1.4)]


def test_tuning_picks_thresholds_for_f1_and_active_thresholds_for_span_iou():
    """Two runs whose true presses last 0.5 s; the active probability is 0.45 over the press and 0.35 for 0.5 s
    after it: only an active threshold between the two gives the true spans."""
    fps, n = 10.0, 100
    series, truths = [], []
    for shift in (0, 3):
        onset, active = _probabilities(n, 1)
        rows = []
        for k in (10 + shift, 40 + shift, 70 + shift):
            onset[k, 0] = 0.6
            onset[k + 15, 0] = 0.3  # a weaker false peak
            active[k: k + 5, 0], active[k + 5: k + 10, 0] = 0.45, 0.35
            rows.append((k / fps, 0.5, "Press"))
        series.append((np.hstack([onset, active]), np.arange(n) / fps, fps))
        truths.append(pd.DataFrame(rows, columns=["onset", "duration", "trial_type"]))
    detector = Detector(["Press"], median_durations(pd.concat(truths), ["Press"]))
    assert detector.durations == [0.5]
    detector.tune(series, truths, tolerance=0.2)
    assert 0.3 < detector.thresholds[0] <= 0.6 and detector.validation["Press"]["val_f1"] == 1.0
    assert 0.35 < detector.active_thresholds[0] <= 0.45 and detector.validation["Press"]["val_iou"] == 1.0
    again = Detector.from_state(detector.state())
    assert again.detect(*series[0]) == detector.detect(*series[0])


def test_matched_ious_pair_detections_with_true_events_one_to_one():
    truth = pd.DataFrame({"onset": [1.0, 5.0], "duration": [1.0, 0.0], "trial_type": "A"})
    detector = Detector(["A"], [1.0])
    onset, active = _probabilities(80, 1)
    onset[11, 0], active[11:16, 0] = 0.9, 0.9   # 1.1–1.6 s against 1–2 s: IoU 0.5
    ious = matched_ious(detector.detect(np.hstack([onset, active]), np.arange(80) / 10, 10.0), truth, 0.5)
    assert ious == [pytest.approx(0.5)]
