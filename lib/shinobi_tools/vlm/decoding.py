"""Decoding a window's answer with the model's own per-frame event head (the auxiliary head trained with it).

``text``: the language model's events as written. ``checked``: only those the head confirms, moved to the
frame it scores highest (:func:`check_events`). ``assisted``: checked, plus the head's confident detections
the language model left out (:func:`missing_peaks`), which the language model then names and describes
by continuing an answer that starts with the frame's time and the event type.
"""

from __future__ import annotations

import numpy as np

from ..answers import AnswerEvent

DECODINGS = ("text", "checked", "assisted")


def check_events(events: list[AnswerEvent], probabilities: np.ndarray, times: np.ndarray, types: list[str],
                 thresholds: list[float], radius: float) -> tuple[list[AnswerEvent], int]:
    """Keep the model's events that its per-frame head confirms; return them and the number rejected.

    An event of a type the head knows is kept when the head's probability for that type reaches the type's
    threshold on a frame within ``radius`` seconds of the onset, and moved to that frame's time (the most
    probable one); events of other types pass unchanged. ``probabilities``: frames × types.
    """
    kept, rejected = [], 0
    for e in events:
        if e.trial_type not in types:
            kept.append(e)
            continue
        k = types.index(e.trial_type)
        near = np.flatnonzero(np.abs(times - e.onset) <= radius + 1e-6)
        if not len(near) or probabilities[near, k].max() < thresholds[k]:
            rejected += 1
            continue
        onset = float(times[near[int(np.argmax(probabilities[near, k]))]])
        kept.append(AnswerEvent(onset, onset + max(e.offset - e.onset, 0.0), e.trial_type, e.description))
    return kept, rejected


def detector_peaks(probabilities: np.ndarray, times: np.ndarray, threshold: float, gap: float) -> list[float]:
    """Times of the local maxima at or above ``threshold``, strongest first kept, at least ``gap`` s apart."""
    above = [i for i in range(len(probabilities)) if probabilities[i] >= threshold
             and probabilities[i] >= probabilities[max(0, i - 1):i + 2].max()]
    kept: list[int] = []
    for i in sorted(above, key=lambda i: -probabilities[i]):
        if all(abs(times[i] - times[j]) > gap for j in kept):
            kept.append(i)
    return sorted(float(times[i]) for i in kept)


def missing_peaks(events: list[AnswerEvent], probabilities: np.ndarray, times: np.ndarray, types: list[str],
                  thresholds: list[float], proposable: list[str], radius: float) -> list[tuple[float, str]]:
    """``(time, type)`` of the head's detections of ``proposable`` types with no event of that type within
    ``radius`` s among ``events``."""
    missing = []
    for kind in proposable:
        k = types.index(kind)
        for t in detector_peaks(probabilities[:, k], times, thresholds[k], radius):
            if not any(e.trial_type == kind and abs(e.onset - t) <= radius + 1e-6 for e in events):
                missing.append((t, kind))
    return missing


def first_line(text: str) -> str:
    """The first line of a continuation, trimmed (the description the model wrote after ``TYPE:``)."""
    return " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
