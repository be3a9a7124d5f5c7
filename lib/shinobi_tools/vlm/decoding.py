"""Decoding a window's answer with the model's own per-frame event head (the auxiliary head trained with it).

``text``: the language model's events as written. ``checked``: only those the head confirms, moved to the
frame it scores highest (:func:`check_events`). ``assisted``: checked, plus the head's confident detections
the language model left out (:func:`missing_peaks`), which the language model then names and describes
by continuing an answer that starts with the frame's time and the event type.
"""

from __future__ import annotations

import numpy as np

from ..answers import AnswerEvent
from ..spotter import pick_peaks

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


def missing_peaks(events: list[AnswerEvent], probabilities: np.ndarray, times: np.ndarray, types: list[str],
                  thresholds: list[float], proposable: list[str], radius: float) -> list[tuple[float, str]]:
    """``(time, type)`` of the head's detections of ``proposable`` types with no event of that type within
    ``radius`` s among ``events``."""
    period = float(times[1] - times[0]) if len(times) > 1 else 1.0
    gap = int(radius / period + 1e-6) + 1  # frames: detections more than ``radius`` apart
    missing = []
    for kind in proposable:
        k = types.index(kind)
        for index in pick_peaks(probabilities[:, k], thresholds[k], gap)[0]:
            t = float(times[index])
            if not any(e.trial_type == kind and abs(e.onset - t) <= radius + 1e-6 for e in events):
                missing.append((t, kind))
    return missing


def first_line(text: str) -> str:
    """The first line of a continuation, trimmed (the description the model wrote after ``TYPE:``)."""
    return " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
