"""Annotate a whole video from its pixels alone: windows, generation, parsing, merging, checking.

Windows of the training clip length with overlap cover the video; each is answered by the model, read
with :func:`shinobi_tools.dataset.answers.parse_events` (malformed lines are counted, never raised) and shifted to
video time; duplicates from overlapping windows (same type, onsets within one frame) are merged, keeping the
one farthest from its window's edges. When the model has a per-frame event head, its probabilities of all
windows form one series per video whose peaks check and complete the text (:mod:`shinobi_tools.models.vlm.decoding`).
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from shinobi_tools.dataset.answers import AnswerEvent, parse_events
from shinobi_tools.errors import ConfigError, InputError
from shinobi_tools.events.exports import write_srt, write_vtt
from shinobi_tools.events.tsv import write_events_tsv
from shinobi_tools.media.frames import probe_video
from shinobi_tools.models.vlm.batch import collate
from shinobi_tools.models.vlm.data import frame_values
from shinobi_tools.models.vlm.decoding import DECODINGS, FrameSeries, Peak, check_events, first_line, head_peaks
from shinobi_tools.models.vlm.family import VisionCapture
from shinobi_tools.models.vlm.frames import iter_frames, time_marker
from shinobi_tools.models.vlm.model import VLM, load_model, native_bf16, unwrapped
from shinobi_tools.models.vlm.prompt import VIDEO_TAG, encode, stop_token_ids
from shinobi_tools.naming import run_of

EVENT_COLUMNS = ["onset", "duration", "trial_type", "description"]


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
    #: Compute and video seconds.
    seconds: float
    video_seconds: float


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


def _frame_probabilities(vlm: VLM, capture: VisionCapture, batch: dict, encoded: list) -> list[np.ndarray]:
    """Per window, frames × types probabilities of the auxiliary head (a frame takes its step's)."""
    tokens, patches = capture.inputs(batch, which=0)  # generation encodes the frames in its first pass only
    logits = vlm.aux_head(tokens, patches, [len(e.steps) for e in encoded])
    probabilities = torch.sigmoid(logits).float().cpu().numpy()
    out, first = [], 0
    for e in encoded:
        out.append(frame_values(probabilities[first:first + len(e.steps)], e.steps))
        first += len(e.steps)
    return out


@torch.no_grad()
def generate_answers(vlm: VLM, windows: list[Window], prompt: str, marker: str, max_new_tokens: int,
                     prefixes: list[str] | None = None) -> tuple[list[str], list[np.ndarray | None]]:
    """Greedy answers of the model for a batch of windows (left-padded), and per window the frames × types
    probabilities of its auxiliary event head (None without one). ``prefixes``: the start of each answer,
    given to the model (the returned answers continue it)."""
    family, tokenizer = vlm.family, vlm.tokenizer
    content = prompt if VIDEO_TAG in prompt else VIDEO_TAG + prompt
    messages = [{"role": "user", "content": content}]
    encoded = [encode(family, messages, w.frames, w.times, marker, generation=True) for w in windows]
    for e, prefix in zip(encoded, prefixes or []):
        ids = family.text_ids(prefix)
        e.input_ids, e.labels = e.input_ids + ids, e.labels + [-100] * len(ids)
        e.token_types = e.token_types + [0] * len(ids)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    batch = collate(encoded, family, pad_id, "left", family.uses_token_types)
    batch.pop("labels")
    device = next(vlm.model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items()}
    capture = VisionCapture(family, unwrapped(vlm.model)) if vlm.aux_head is not None else None
    try:
        output = vlm.model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                    eos_token_id=stop_token_ids(tokenizer), pad_token_id=pad_id)
    finally:
        if capture is not None:
            capture.remove()
    new = output[:, batch["input_ids"].shape[1]:]
    answers = tokenizer.batch_decode(new, skip_special_tokens=True)
    if not capture:
        return answers, [None] * len(windows)
    return answers, _frame_probabilities(vlm, capture, batch, encoded)


def annotate_video(video: str | Path, model_dir: str | Path | VLM, window_seconds: float | None = None,
                   overlap: float = 1.0, tolerance: float = 0.5, batch_size: int = 8, max_new_tokens: int | None = None,
                   prompt: str | None = None, fps: float | None = None, device: str | None = None,
                   decoding: str = "assisted") -> Annotation:
    """The events (onset, duration, trial_type, description) of ``video`` from its pixels.

    Frames, time markers, prompt and window length default to the model's training settings
    (``shinobi_vlm.json``), ``max_new_tokens`` to 1.25 × its longest training answer. ``decoding`` (see
    :mod:`shinobi_tools.models.vlm.decoding`; models without an event head always decode as ``text``): ``text`` = the
    language model's events as written, ``checked`` = those its per-frame head confirms within ``tolerance``,
    ``assisted`` = checked + the head's detections the language model left out, named and described by it.
    """
    if decoding not in DECODINGS:
        raise ConfigError(f"decoding must be one of {', '.join(DECODINGS)}, not {decoding!r}")
    vlm = load_model(model_dir, device=device) if isinstance(model_dir, (str, Path)) else model_dir
    meta = vlm.meta
    fps = fps or meta.get("fps", 4.0)
    width, height = meta.get("width", 160), meta.get("height", 112)
    window_seconds = window_seconds or meta.get("clip_seconds", 4.0)
    overlap = min(overlap, window_seconds / 2)
    marker = meta.get("time_marker", "{t}s")
    types = meta.get("event_types", [])
    max_new_tokens = max_new_tokens or (round(1.25 * meta["answer_tokens"]) + 8 if "answer_tokens" in meta else 128)
    if vlm.aux_head is None or vlm.aux_settings is None:
        decoding = "text"
    # Snapped training answers name the first frame showing an event: on average half a frame after it began.
    shift = 0.5 / fps if meta.get("snapped_times") else 0.0
    prompt = prompt or meta.get("prompt", "List the gameplay events in this clip with their times.")
    proposable = [t for t in types if t in (meta.get("answer_types") or types)]
    began = time.perf_counter()
    text_detections: list[Detection] = []
    series = FrameSeries(len(types))
    counts = dict(malformed=0, rejected=0, proposed=0, windows=0)
    video_seconds = 0.0
    pending: list[Window] = []

    def flush() -> None:
        answers, probabilities = generate_answers(vlm, pending, prompt, marker, max_new_tokens)
        for window, answer, frame_probabilities in zip(pending, answers, probabilities):
            parsed = parse_events(answer)
            counts["malformed"] += parsed.malformed
            text_detections.extend(_detections(window, parsed.events, fps, shift))
            if frame_probabilities is not None:
                series.add(int(round(window.start * fps)), frame_probabilities)
            counts["windows"] += 1
        pending.clear()

    frames = dict(fps=fps, width=width, height=height, seconds=window_seconds, overlap=overlap)
    starts: list[float] = []
    for window in iter_windows(video, **frames):
        starts.append(window.start)
        video_seconds = max(video_seconds, window.start + len(window.times) / fps)
        pending.append(window)
        if len(pending) == batch_size:
            flush()
    if pending:
        flush()
    # Overlapping windows report an event twice, on the same frame or the next one.
    text_events = merge_detections(text_detections, 1.0 / fps + 1e-6)
    merged = len(text_detections) - len(text_events)
    events = text_events
    if decoding != "text":
        settings = vlm.aux_settings
        peaks = head_peaks(series.mean(), fps, types, settings.thresholds, settings.gaps, types)
        events, unmatched, counts["rejected"] = check_events(text_events, peaks, types, tolerance)
        if decoding == "assisted":
            missing = [p for p in unmatched if p.trial_type in proposable]
            events = sorted(events + _describe(vlm, video, starts, missing, frames, prompt, marker, batch_size),
                            key=lambda d: (d.onset, d.trial_type))
            counts["proposed"] = len(missing)
    return Annotation(_table(events), _table(text_events), **counts, merged=merged,
                      seconds=time.perf_counter() - began, video_seconds=video_seconds)


def _detections(window: Window, events: list[AnswerEvent], fps: float, shift: float) -> list[Detection]:
    """A window's answer events in video time (onsets moved back by ``shift``, clipped to the window)."""
    length = len(window.times) / fps
    out = []
    for e in events:
        onset = min(max(0.0, e.onset - shift), length)
        offset = min(max(e.offset - shift, onset), length)
        out.append(Detection(window.start + onset, window.start + offset, e.trial_type, e.description,
                             min(onset, length - onset)))
    return out


def _describe(vlm: VLM, video: str | Path, starts: list[float], peaks: list[Peak], frames: dict, prompt: str,
              marker: str, batch_size: int) -> list[Detection]:
    """Detections of the head described by the language model: a second pass over the windows, where each peak
    is continued (``<time> <type>:``) in the window that shows it farthest from its edges."""
    if not peaks:
        return []
    length, fps = frames["seconds"], frames["fps"]
    home: dict[int, list[Peak]] = {}
    for p in peaks:
        t = p.frame / fps
        best = max(range(len(starts)), key=lambda j: min(t - starts[j], starts[j] + length - t))
        home.setdefault(best, []).append(p)
    out: list[Detection] = []
    items: list[tuple[Window, Peak]] = []

    def flush() -> None:
        prefixes = [f"{time_marker(p.frame / fps - w.start, marker)} {p.trial_type}:" for w, p in items]
        described, _ = generate_answers(vlm, [w for w, _ in items], prompt, marker, 32, prefixes)
        for (w, p), text in zip(items, described):
            out.append(Detection(p.time, p.time, p.trial_type, first_line(text) or p.trial_type, 0.0))
        items.clear()

    for j, window in enumerate(iter_windows(video, **frames)):
        if j > max(home):  # no detection to describe in the rest of the video
            break
        for p in home.get(j, []):
            items.append((window, p))
            if len(items) == batch_size:
                flush()
    if items:
        flush()
    return out


def _table(detections: list[Detection]) -> pd.DataFrame:
    return pd.DataFrame([{"onset": round(d.onset, 3), "duration": round(d.offset - d.onset, 3),
                          "trial_type": d.trial_type, "description": d.description} for d in detections],
                        columns=EVENT_COLUMNS)


def annotate_videos(videos: list[Path], model: Path, out_dir: Path, formats: tuple[str, ...] = (),
                    window: float | None = None, overlap: float = 1.0, tolerance: float = 0.5, batch_size: int = 8,
                    max_new_tokens: int | None = None, threads: int | None = None, device: str | None = None,
                    decoding: str = "assisted", text_out_dir: Path | None = None) -> list[Path]:
    """Annotate each video with the model in ``model``: ``out_dir/<run>_events.tsv`` (+ ``.srt``/``.vtt`` for
    ``formats``); ``text_out_dir``: also the language model's own events, unchecked (``text`` decoding).
    Prints one summary line per video (windows, malformed lines, real-time factor) to stderr."""
    for video in videos:  # every video readable before the model loads
        probe_video(video)
    unknown = sorted(set(formats) - {"srt", "vtt"})
    if unknown:
        raise InputError(f"--formats {','.join(formats)}: unknown format(s) {', '.join(unknown)}; use srt,vtt or ''")
    if threads:
        torch.set_num_threads(threads)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    fast_bf16 = device.startswith("cuda") or (device == "cpu" and native_bf16())
    vlm = load_model(model, device=device, dtype=torch.bfloat16 if fast_bf16 else None)
    written = []
    for video in videos:
        result = annotate_video(video, vlm, window_seconds=window, overlap=overlap, tolerance=tolerance,
                                batch_size=batch_size, max_new_tokens=max_new_tokens, decoding=decoding)
        run = run_of(video)
        out = write_events_tsv(result.events, Path(out_dir) / f"{run}_events.tsv")
        if text_out_dir is not None:
            write_events_tsv(result.text_events, Path(text_out_dir) / f"{run}_events.tsv")
        if "srt" in formats:
            write_srt(result.events, Path(out_dir) / f"{run}.srt")
        if "vtt" in formats:
            write_vtt(result.events, Path(out_dir) / f"{run}.vtt")
        print(f"{video}: {len(result.events)} events, {result.windows} windows, {result.malformed} malformed lines, "
              f"{result.rejected} events not confirmed by the frame detector, {result.proposed} added from it, "
              f"{result.merged} duplicates merged, {result.video_seconds / max(result.seconds, 1e-9):.2f} s of video "
              f"per s -> {out}", file=sys.stderr)
        written.append(out)
    return written
