"""Events of a video as the annotator finds them: detections in video time, merging across windows, the table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from shinobi_tools.models.vlm.generate import Window

EVENT_COLUMNS = ["onset", "duration", "trial_type", "description", "confidence"]


@dataclass
class Annotation:
    """The events of one video and how they were made."""

    #: onset, duration, trial_type, description, by the chosen decoding.
    events: pd.DataFrame
    #: The language model's own events from the same pass (the ``text`` decoding).
    text_events: pd.DataFrame
    windows: int
    #: Answer lines that were not events.
    malformed: int
    #: Written events the head did not confirm, detections of the head added, duplicates of overlapping windows.
    rejected: int
    proposed: int
    merged: int
    #: Seconds from the video's first request to its last answer (batches are shared with other videos), and of video.
    seconds: float
    video_seconds: float


@dataclass
class Detection:
    onset: float
    offset: float
    trial_type: str
    description: str
    #: Distance (s) of the event from its window's nearest edge: larger = more context on both sides.
    centrality: float
    #: The event head's peak probability, or the text's likelihood (geometric mean of its line's token probabilities).
    confidence: float = 1.0


def merge_detections(detections: list[Detection], tolerance: float) -> list[Detection]:
    """One detection per (type, onset cluster): onsets within ``tolerance`` of the cluster's first merge."""
    merged: list[Detection] = []
    for trial_type in sorted({d.trial_type for d in detections}):
        cluster: list[Detection] = []
        for d in sorted((d for d in detections if d.trial_type == trial_type), key=lambda d: d.onset):
            if cluster and d.onset - cluster[0].onset > tolerance:
                merged.append(max(cluster, key=lambda c: c.centrality))
                cluster = []
            cluster.append(d)
        if cluster:
            merged.append(max(cluster, key=lambda c: c.centrality))
    return sorted(merged, key=lambda d: (d.onset, d.trial_type))


def window_detections(window: Window, events: list, fps: float, shift: float) -> list[Detection]:
    """A window's answer events (``(AnswerEvent, likelihood)`` pairs, or events) in video time (onsets moved back
    by ``shift``, clipped to the window)."""
    length = len(window.times) / fps
    out = []
    for item in events:
        e, confidence = item if isinstance(item, tuple) else (item, 1.0)
        onset = min(max(0.0, e.onset - shift), length)
        offset = min(max(e.offset - shift, onset), length)
        out.append(Detection(window.start + onset, window.start + offset, e.trial_type, e.description,
                             min(onset, length - onset), confidence))
    return out


def events_table(detections: list[Detection]) -> pd.DataFrame:
    return pd.DataFrame([{"onset": round(d.onset, 3), "duration": round(d.offset - d.onset, 3),
                          "trial_type": d.trial_type, "description": d.description,
                          "confidence": round(d.confidence, 4)} for d in detections],
                        columns=EVENT_COLUMNS)
