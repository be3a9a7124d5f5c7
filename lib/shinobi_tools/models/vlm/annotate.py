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
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from shinobi_tools.errors import ConfigError, InputError
from shinobi_tools.events.exports import write_srt, write_vtt
from shinobi_tools.events.tsv import write_events_tsv
from shinobi_tools.media.frames import probe_video
from shinobi_tools.models.vlm.decoding import DECODINGS, FrameSeries, Peak, check_events, first_line, head_peaks
from shinobi_tools.models.vlm.frames import time_marker
from shinobi_tools.models.vlm.generate import Window, generate_answers, iter_windows, parse_lines
from shinobi_tools.models.vlm.model import VLM, load_model, native_bf16
from shinobi_tools.naming import run_of

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
    #: Compute and video seconds.
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


def annotate_video(video: str | Path, model_dir: str | Path | VLM, window_seconds: float | None = None,
                   overlap: float | None = None, tolerance: float = 0.5, batch_size: int = 8, max_new_tokens: int | None = None,
                   prompt: str | None = None, fps: float | None = None, device: str | None = None,
                   decoding: str | None = None, describe: str = "reuse", stop_loops: bool = False) -> Annotation:
    """The events (onset, duration, trial_type, description, confidence) of ``video`` from its pixels.

    ``overlap`` (s) between consecutive windows: default 0 for models with a fast pathway, 1 otherwise.
    Frames, time markers, prompt and window length default to the model's training settings
    (``shinobi_vlm.json``), ``max_new_tokens`` to 1.25 × its longest training answer. ``decoding`` (see
    :mod:`shinobi_tools.models.vlm.decoding`; models without an event head always decode as ``text``): ``text`` = the
    language model's events as written, ``checked`` = those its per-frame head confirms within ``tolerance``,
    ``assisted`` = checked + the head's detections the language model left out, named and described by it.
    ``head`` (models with a fast pathway; their default) = no free-text pass: the fast pathway's detections, those
    of the types the language model writes named and described by it (it continues ``<time> <type>:`` in the window
    that shows each), the others with their type's usual training description; ``None`` = ``head`` for models
    with a fast pathway, ``assisted`` otherwise.
    ``describe`` (models with a fast pathway, assisted decoding): how the head's detections the text left out get a
    description: ``lm`` = a second generation pass continuing ``<time> <type>:`` in the window that shows them,
    ``reuse`` = the description the language model wrote for the nearest event of that type in this video (else
    the type's usual training description), which costs no generation. ``stop_loops``: end an answer once it
    repeats one of its lines (bounds the cost of degenerate answers; see :class:`_AnswerStop`).
    """
    vlm = load_model(model_dir, device=device) if isinstance(model_dir, (str, Path)) else model_dir
    fast = getattr(vlm, "fast", None)
    decoding = decoding or ("head" if fast is not None else "assisted")
    if decoding not in DECODINGS:
        raise ConfigError(f"decoding must be one of {', '.join(DECODINGS)}, not {decoding!r}")
    if decoding == "head" and fast is None:
        raise ConfigError("decoding 'head' needs a model with a fast pathway (fast.enabled in its fine-tuning config)")
    meta = vlm.meta
    fps = fps or meta.get("fps", 4.0)
    width, height = meta.get("width", 160), meta.get("height", 112)
    window_seconds = window_seconds or meta.get("clip_seconds", 4.0)
    # Overlapping windows help a low-rate head (its series is averaged over them); a fast pathway reads the whole
    # video at once, and the text alone scored the same without overlap at a quarter less generation (BENCHMARKS).
    overlap = (0.0 if fast is not None else 1.0) if overlap is None else overlap
    overlap = min(overlap, window_seconds / 2)
    marker = meta.get("time_marker", "{t}s")
    types = meta.get("event_types", [])
    max_new_tokens = max_new_tokens or (round(1.25 * meta["answer_tokens"]) + 8 if "answer_tokens" in meta else 128)
    if fast is None and (vlm.aux_head is None or vlm.aux_settings is None):
        decoding = "text"
    # Snapped training answers name the first frame showing an event: on average half a frame after it began.
    shift = 0.5 / fps if meta.get("snapped_times") else 0.0
    prompt = prompt or meta.get("prompt", "List the gameplay events in this clip with their times.")
    written = meta.get("answer_types") or types  # the types the language model was trained to write
    proposable = [t for t in types if t in written]
    began = time.perf_counter()
    fast_run = fast.run(video) if fast is not None else None
    text_detections: list[Detection] = []
    series = FrameSeries(len(types))
    counts = dict(malformed=0, rejected=0, proposed=0, windows=0)
    video_seconds = 0.0
    pending: list[Window] = []

    def flush() -> None:
        likelihoods: list = []
        answers, probabilities = generate_answers(vlm, pending, prompt, marker, max_new_tokens, fast_run=fast_run,
                                                  line_confidences=likelihoods, stop_loops=stop_loops)
        likelihoods += [[] for _ in range(len(pending) - len(likelihoods))]
        for window, answer, frame_probabilities, lines in zip(pending, answers, probabilities, likelihoods):
            parsed, malformed = parse_lines(answer, lines)
            counts["malformed"] += malformed
            text_detections.extend(_detections(window, parsed, fps, shift))
            if frame_probabilities is not None:
                series.add(int(round(window.start * fps)), frame_probabilities)
            counts["windows"] += 1
        pending.clear()

    frames = dict(fps=fps, width=width, height=height, seconds=window_seconds, overlap=overlap)
    starts: list[float] = []
    for window in iter_windows(video, **frames):
        starts.append(window.start)
        video_seconds = max(video_seconds, window.start + len(window.times) / fps)
        if decoding == "head":  # no free text: the windows only place the descriptions
            counts["windows"] += 1
            continue
        pending.append(window)
        if len(pending) == batch_size:
            flush()
    if pending:
        flush()
    # Overlapping windows report an event twice, on the same frame or the next one.
    text_events = merge_detections(text_detections, 1.0 / fps + 1e-6)
    merged = len(text_detections) - len(text_events)
    events = text_events
    if decoding != "text" and fast is not None:
        events, counts["rejected"], counts["proposed"] = _fast_decoding(
            vlm, video, fast_run, text_detections, text_events, decoding, tolerance, starts, frames, prompt, marker,
            batch_size, written, describe)
    elif decoding != "text":
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


def _fast_decoding(vlm: VLM, video, fast_run, written_lines: list[Detection], text_events: list[Detection],
                   decoding: str, tolerance: float, starts: list[float], frames: dict, prompt: str, marker: str,
                   batch_size: int, written: list[str], describe: str) -> tuple[list[Detection], int, int]:
    """``checked`` / ``assisted`` decoding with the fast pathway's event head: its detections (every type, with
    durations and confidences) check the written events, which take the detection's onset, duration and
    confidence; ``assisted`` adds the detections the text left out, described by the language model for the
    types it writes (``describe``: see :func:`annotate_video`), by the type's usual training description otherwise.
    Returns (events, rejected, proposed)."""
    fast = vlm.fast
    fps = frames["fps"]
    found = fast.detect(fast_run)
    by_time = {(d.trial_type, round(d.onset, 6)): d for d in found}
    # A peak's frame on the detailed frame grid: the first detailed frame showing it (what the text's times name).
    peaks = [Peak(int(np.ceil(d.onset * fps - 1e-6)), d.onset, d.trial_type, d.confidence) for d in found]
    kept, unmatched, rejected = check_events(text_events, peaks, fast.types, tolerance)
    events = []
    for e in kept:
        d = by_time.get((e.trial_type, round(e.onset, 6)))
        events.append(e if d is None else replace(e, offset=e.onset + d.duration, confidence=d.confidence))
    if decoding in ("assisted", "head"):
        to_describe = [p for p in unmatched if p.trial_type in written]
        if describe == "lm" or decoding == "head":
            described = _describe(vlm, video, starts, to_describe, frames, prompt, marker, batch_size, fast_run)
        else:
            described = [Detection(p.time, p.time, p.trial_type, _nearest_description(written_lines, p)
                                   or fast.descriptions.get(p.trial_type, p.trial_type), 0.0) for p in to_describe]
        described += [Detection(p.time, p.time, p.trial_type, fast.descriptions.get(p.trial_type, p.trial_type), 0.0)
                      for p in unmatched if p.trial_type not in written]
        for e in described:
            d = by_time[(e.trial_type, round(e.onset, 6))]
            events.append(replace(e, offset=e.onset + d.duration, confidence=d.confidence))
    proposed = len(unmatched) if decoding in ("assisted", "head") else 0
    return sorted(events, key=lambda d: (d.onset, d.trial_type)), rejected, proposed


def _nearest_description(lines: list[Detection], peak: Peak) -> str | None:
    """The description of the written event of the peak's type nearest to it (None when the text wrote none)."""
    same = [d for d in lines if d.trial_type == peak.trial_type and d.description]
    return min(same, key=lambda d: abs(d.onset - peak.time)).description if same else None


def _detections(window: Window, events: list, fps: float, shift: float) -> list[Detection]:
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


def _describe(vlm: VLM, video: str | Path, starts: list[float], peaks: list[Peak], frames: dict, prompt: str,
              marker: str, batch_size: int, fast_run=None) -> list[Detection]:
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
        described, _ = generate_answers(vlm, [w for w, _ in items], prompt, marker, 32, prefixes, fast_run,
                                        stop_at_newline=True)
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
                          "trial_type": d.trial_type, "description": d.description,
                          "confidence": round(d.confidence, 4)} for d in detections],
                        columns=EVENT_COLUMNS)


def annotate_videos(videos: list[Path], model: Path, out_dir: Path, formats: tuple[str, ...] = (),
                    window: float | None = None, overlap: float | None = None, tolerance: float = 0.5,
                    batch_size: int = 8, max_new_tokens: int | None = None, threads: int | None = None,
                    device: str | None = None, decoding: str | None = None, text_out_dir: Path | None = None,
                    describe: str = "reuse", stop_loops: bool = False) -> list[Path]:
    """Annotate each video with the model in ``model``: ``out_dir/<run>_events.tsv`` (+ ``.srt``/``.vtt`` for
    ``formats``); ``text_out_dir``: also the language model's own events, unchecked (``text`` decoding; it needs
    the free-text pass, so the default decoding becomes ``assisted``). Prints one summary line per video and the
    real-time factor of the whole call, model loading included, to stderr."""
    began = time.perf_counter()
    if text_out_dir is not None and decoding == "head":
        raise InputError("--text-out-dir needs the free-text pass: use --decoding assisted (or checked)")
    if text_out_dir is not None and decoding is None:
        decoding = "assisted"  # the same pass gives both tables
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
    total_video = 0.0
    for video in videos:
        result = annotate_video(video, vlm, window_seconds=window, overlap=overlap, tolerance=tolerance,
                                batch_size=batch_size, max_new_tokens=max_new_tokens, decoding=decoding,
                                describe=describe, stop_loops=stop_loops)
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
        total_video += result.video_seconds
    elapsed = time.perf_counter() - began
    print(f"{len(videos)} videos, {total_video:.1f} s of video annotated in {elapsed:.1f} s including model loading: "
          f"{total_video / max(elapsed, 1e-9):.2f} x real time", file=sys.stderr)
    return written
