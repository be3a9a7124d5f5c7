"""Annotate a whole video from its pixels alone: windows, generation, parsing, merging.

Windows of the training clip length with overlap cover the video; each is answered by the model, read
with :func:`shinobi_tools.answers.parse_events` (malformed lines are counted, never raised), shifted to
video time, and duplicates from overlapping windows (same type, onsets within a tolerance) merged,
keeping the detection made farthest from its window's edges.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..answers import parse_events
from .batch import collate
from .frames import iter_frames
from .model import VLM, load_model
from .prompt import VIDEO_TAG, encode, stop_token_ids

EVENT_COLUMNS = ["onset", "duration", "trial_type", "description"]


@dataclass
class Window:
    start: float
    frames: np.ndarray
    #: Frame times relative to ``start``.
    times: np.ndarray


def iter_windows(video: str | Path, fps: float, width: int, height: int, seconds: float,
                 overlap: float) -> Iterator[Window]:
    """Windows of ``seconds`` starting every ``seconds - overlap``; the last one ends with the video."""
    per_window = max(1, int(round(seconds * fps)))
    stride = max(1, int(round((seconds - overlap) * fps)))
    recent: deque = deque(maxlen=per_window)
    next_start = 0  # frame index of the next window's first frame
    count = emitted_end = 0
    for t, frame in iter_frames(video, fps, width, height):
        recent.append((t, frame))
        count += 1
        if count - per_window == next_start:
            yield _window(list(recent))
            emitted_end = count
            next_start += stride
    if count > emitted_end:  # the tail: one more window ending with the video (shorter if the video is)
        yield _window(list(recent))


def _window(items: list) -> Window:
    start = items[0][0]
    return Window(start, np.stack([f for _, f in items]), np.array([t - start for t, _ in items]))


@dataclass
class Detection:
    onset: float
    offset: float
    trial_type: str
    description: str
    #: Distance (s) of the event from its window's nearest edge: larger = more context on both sides.
    centrality: float


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


@torch.no_grad()
def generate_answers(vlm: VLM, windows: list[Window], prompt: str, marker: str, max_new_tokens: int) -> list[str]:
    """Greedy answers of the model for a batch of windows (left-padded)."""
    family, tokenizer = vlm.family, vlm.tokenizer
    content = prompt if VIDEO_TAG in prompt else VIDEO_TAG + prompt
    messages = [{"role": "user", "content": content}]
    encoded = [encode(family, messages, w.frames, w.times, marker, generation=True) for w in windows]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    batch = collate(encoded, family, pad_id, "left", family.model_type == "qwen2_5_vl")
    batch.pop("labels")
    device = next(vlm.model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items()}
    output = vlm.model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                eos_token_id=stop_token_ids(tokenizer), pad_token_id=pad_id)
    new = output[:, batch["input_ids"].shape[1]:]
    return tokenizer.batch_decode(new, skip_special_tokens=True)


def annotate_video(video: str | Path, model_dir: str | Path | VLM, window_seconds: float | None = None,
                   overlap: float = 1.0, tolerance: float = 0.5, batch_size: int = 4, max_new_tokens: int = 128,
                   prompt: str | None = None, fps: float | None = None, device: str | None = None) -> pd.DataFrame:
    """A BIDS-like events table (onset, duration, trial_type, description) of ``video`` from its pixels.

    Frames, time markers, prompt and window length default to the model's training settings
    (``shinobi_vlm.json``). ``df.attrs`` holds ``windows``, ``malformed`` (unreadable answer lines),
    ``merged`` (duplicates removed), ``seconds`` (compute) and ``video_seconds``.
    """
    vlm = load_model(model_dir, device=device) if isinstance(model_dir, (str, Path)) else model_dir
    meta = vlm.meta
    fps = fps or meta.get("fps", 4.0)
    width, height = meta.get("width", 160), meta.get("height", 112)
    window_seconds = window_seconds or meta.get("clip_seconds", 4.0)
    overlap = min(overlap, window_seconds / 2)
    marker = meta.get("time_marker", "{t}s")
    prompt = prompt or meta.get("prompt", "List the gameplay events in this clip with their times.")
    began = time.perf_counter()
    detections: list[Detection] = []
    malformed = windows_done = 0
    video_seconds = 0.0
    pending: list[Window] = []

    def flush() -> None:
        nonlocal malformed, windows_done
        for window, answer in zip(pending, generate_answers(vlm, pending, prompt, marker, max_new_tokens)):
            parsed = parse_events(answer)
            malformed += parsed.malformed
            length = len(window.times) / fps
            for e in parsed.events:
                onset, offset = max(0.0, e.onset), min(max(e.offset, e.onset), length)
                centrality = min(onset, length - min(onset, length))
                detections.append(Detection(window.start + onset, window.start + max(offset, onset),
                                            e.trial_type, e.description, centrality))
            windows_done += 1
        pending.clear()

    for window in iter_windows(video, fps, width, height, window_seconds, overlap):
        video_seconds = max(video_seconds, window.start + len(window.times) / fps)
        pending.append(window)
        if len(pending) == batch_size:
            flush()
    if pending:
        flush()
    merged = merge_detections(detections, tolerance)
    table = pd.DataFrame([{"onset": round(d.onset, 3), "duration": round(d.offset - d.onset, 3),
                           "trial_type": d.trial_type, "description": d.description} for d in merged],
                         columns=EVENT_COLUMNS)
    table.attrs.update(windows=windows_done, malformed=malformed, merged=len(detections) - len(merged),
                       seconds=time.perf_counter() - began, video_seconds=video_seconds)
    return table
