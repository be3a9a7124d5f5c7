"""Decoding a video's answers with the model's own per-frame event head (the auxiliary head trained with it).

The head's probabilities of the overlapping windows are averaged into one series per video (:class:`FrameSeries`),
whose peaks (per-type threshold and gap, tuned on validation clips) are the head's detections.

``text``: the language model's events as written. ``checked``: only those the head confirms, each matched to
one of its detections within a radius and moved to it (:func:`check_events`). ``assisted``: checked, plus the
head's detections the language model left out (those :func:`check_events` leaves unmatched), which the language
model then names and describes by continuing an answer that starts with the frame's time and the event type.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from shinobi_tools.evaluation.metrics import match_onsets
from shinobi_tools.models.peaks import pick_peaks

DECODINGS = ("text", "checked", "assisted", "head")


@dataclass
class Peak:
    #: The frame the head fired on (index in the video's series) and the onset it stands for (s): the first
    #: frame showing an event comes on average half a frame period after the event began.
    frame: int
    time: float
    trial_type: str
    score: float


class FrameSeries:
    """Per-frame probabilities of a whole video, averaged over the windows that cover each frame."""

    def __init__(self, n_types: int) -> None:
        self.total = np.zeros((0, n_types))
        self.count = np.zeros(0)

    def add(self, first: int, probabilities: np.ndarray) -> None:
        """Add one window's frames × types probabilities; ``first`` = the video frame index of its first frame."""
        end = first + len(probabilities)
        if end > len(self.count):
            grow = end - len(self.count)
            self.total = np.concatenate([self.total, np.zeros((grow, self.total.shape[1]))])
            self.count = np.concatenate([self.count, np.zeros(grow)])
        self.total[first:end] += probabilities
        self.count[first:end] += 1

    def mean(self) -> np.ndarray:
        return self.total / np.maximum(self.count, 1)[:, None]


def frame_onsets(frames: np.ndarray, fps: float) -> np.ndarray:
    """Onsets (s) of the head's peaks at sampled ``frames``: the head fires on the first frame showing an event,
    on average half a frame period after it began."""
    return np.maximum(0.0, (np.asarray(frames) - 0.5) / fps)


def peak_onsets(probabilities: np.ndarray, fps: float, threshold: float, gap: int) -> tuple[np.ndarray, ...]:
    """(frames, onsets in s, scores) of one type's peaks above ``threshold`` at least ``gap`` frames apart."""
    frames, scores = pick_peaks(probabilities, threshold, gap)
    return frames, frame_onsets(frames, fps), scores


def head_peaks(probabilities: np.ndarray, fps: float, types: list[str], thresholds: list[float],
               gaps: list[int], kinds: list[str]) -> list[Peak]:
    """The head's detections of ``kinds``: per type, peaks above its threshold at least its gap (frames) apart."""
    peaks = []
    for kind in kinds:
        k = types.index(kind)
        for frame, onset, score in zip(*peak_onsets(probabilities[:, k], fps, thresholds[k], gaps[k])):
            peaks.append(Peak(int(frame), float(onset), kind, float(score)))
    return sorted(peaks, key=lambda p: (p.time, p.trial_type))


def check_events(events: list, peaks: list[Peak], types: list[str], radius: float) -> tuple[list, list[Peak], int]:
    """Match the language model's events to the head's detections of their type, one to one within ``radius``.

    Returns the kept events (matched ones moved to their detection's time, with their duration; types the head
    does not know pass unchanged), the detections no event matched, and the number of events rejected.
    ``events``: dataclasses with ``onset``, ``offset`` and ``trial_type`` (moved copies are made with ``replace``).
    """
    kept = [e for e in events if e.trial_type not in types]
    unmatched: list[Peak] = []
    rejected = 0
    for kind in sorted({e.trial_type for e in events if e.trial_type in types} | {p.trial_type for p in peaks}):
        mine = [e for e in events if e.trial_type == kind]
        theirs = [p for p in peaks if p.trial_type == kind]
        matching = match_onsets(np.array([e.onset for e in mine]), np.array([p.time for p in theirs]), radius)
        pairs = dict(zip(matching.truth.tolist(), matching.pred.tolist()))
        confirmed = set(pairs.values())
        for i, e in enumerate(mine):
            if i in pairs:
                t = theirs[pairs[i]].time
                kept.append(replace(e, onset=t, offset=t + max(e.offset - e.onset, 0.0)))
            else:
                rejected += 1
        unmatched += [p for j, p in enumerate(theirs) if j not in confirmed]
    return sorted(kept, key=lambda e: (e.onset, e.trial_type)), unmatched, rejected


def first_line(text: str) -> str:
    """The first line of a continuation, trimmed (the description the model wrote after ``TYPE:``)."""
    return " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
