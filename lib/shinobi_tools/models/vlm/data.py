"""The QA training data (LLaMA-Factory style JSON) and what the trainer derives from it.

Each record: ``{"messages": [{"role": "user", "content": "<video>..."}, {"role": "assistant", ...}, ...],
"videos": ["clips/x.mp4"], "events": [{"onset", "offset", "trial_type"}, ...]}``; video paths are relative
to the JSON file's folder, event times relative to the clip.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from shinobi_tools.models.eventnet import positive_weights as event_positive_weights


@dataclass
class QARecord:
    messages: list[dict]
    video: Path
    events: list[dict] = field(default_factory=list)


def load_qa(path: str | Path) -> list[QARecord]:
    """Read a QA JSON file; video paths become absolute."""
    path = Path(path)
    records = []
    for i, item in enumerate(json.loads(path.read_text())):
        videos = item.get("videos") or []
        if len(videos) != 1:
            raise ValueError(f"{path}: record {i} has {len(videos)} videos; one per record is supported")
        if not any(m.get("role") == "assistant" for m in item["messages"]):
            raise ValueError(f"{path}: record {i} has no assistant message")
        records.append(QARecord(item["messages"], (path.parent / videos[0]).resolve(), item.get("events") or []))
    return records


def event_types(records: list[QARecord]) -> list[str]:
    """Sorted event types of the records (the auxiliary head's classes)."""
    return sorted({e["trial_type"] for r in records for e in r.events})


def onset_targets(events: list[dict], times: np.ndarray, types: list[str]) -> np.ndarray:
    """frames × types {0, 1}: for each event, the first sampled frame at or after its onset (the frame that shows
    it first; events after the last frame are not shown). Onsets, not whole events: the head's peaks are then
    the events' starts, which is what decoding and the evaluation need (a LifeLost animation lasts 1.3 s)."""
    targets = np.zeros((len(times), len(types)), dtype=np.float32)
    index = {t: k for k, t in enumerate(types)}
    for event in events:
        k = index.get(event["trial_type"])
        after = np.flatnonzero(times >= float(event["onset"]) - 1e-6)
        if k is not None and len(after):
            targets[after[0], k] = 1.0
    return targets


def step_targets(targets: np.ndarray, steps: list[list[int]]) -> np.ndarray:
    """steps × types: a step is positive when any of its frames is."""
    return np.stack([targets[s].max(axis=0) for s in steps]) if steps else np.zeros((0, targets.shape[1]), np.float32)


def frame_values(values: np.ndarray, steps: list[list[int]]) -> np.ndarray:
    """frames × types from steps × types: each frame takes the row of its step (the inverse of step_targets)."""
    frames = np.zeros((max(max(s) for s in steps) + 1, values.shape[1]), dtype=values.dtype)
    for row, members in zip(values, steps):
        frames[members] = row
    return frames


def sampling_weights(records: list[QARecord], power: float = 0.5, oversample: dict[str, float] | None = None) -> np.ndarray:
    """Per-record sampling weights that favour records with rare events.

    weight = max over the record's event types of (count of the most frequent type / count of the type) ** power
    (1 for records without events), times ``oversample[type]`` for the named types.
    """
    counts = Counter(t for r in records for t in {e["trial_type"] for e in r.events})
    top = max(counts.values(), default=1)
    oversample = oversample or {}
    weights = np.ones(len(records))
    for i, r in enumerate(records):
        for t in {e["trial_type"] for e in r.events}:
            weights[i] = max(weights[i], (top / counts[t]) ** power * oversample.get(t, 1.0))
    return weights


def positive_weights(records: list[QARecord], types: list[str], cap: float) -> torch.Tensor:
    """Per-type positive weight of the auxiliary loss: negatives / positives over the records, capped."""
    present = np.array([[any(e["trial_type"] == t for e in r.events) for t in types] for r in records], dtype=float)
    return event_positive_weights([present], cap)
