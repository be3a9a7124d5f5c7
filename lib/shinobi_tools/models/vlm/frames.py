"""Frames for the video LLMs: sampled with PyAV at a fixed rate (no torchvision), with compact time markers.

Transformers' video processors need torchvision; we sample frames ourselves and the model family modules
turn them into pixel tensors. The frame shown at time ``k / fps`` is the last decoded frame whose
timestamp is not after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from shinobi_tools.media.frames import decode, open_video

_EPS = 1e-6


@dataclass
class SampledFrames:
    #: T × H × W × 3 uint8 RGB.
    frames: np.ndarray
    #: Time of each frame in seconds from the video start.
    times: np.ndarray


def iter_frames(path: str | Path, fps: float, width: int, height: int, start: float = 0.0,
                end: float | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(time, RGB frame)`` at ``start, start + 1/fps, ...`` (before ``end``) scaled to width × height."""
    step = 1.0 / fps
    k = 0
    target = start
    previous = None  # (time, av frame)
    with open_video(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frame_duration = 1.0 / float(stream.average_rate) if stream.average_rate else step
        for frame in decode(container, path):
            time = float(frame.pts * frame.time_base) if frame.pts is not None else 0.0
            while previous is not None and time > target + _EPS:
                if end is not None and target >= end - _EPS:
                    return
                yield target, _to_rgb(previous[1], width, height)
                k += 1
                target = start + k * step
            previous = (time, frame)
            frame_duration = frame.duration * frame.time_base if frame.duration else frame_duration
        if previous is None:
            return
        last_end = previous[0] + float(frame_duration)
        while target < last_end - _EPS and (end is None or target < end - _EPS):
            if target >= previous[0] - _EPS:
                yield target, _to_rgb(previous[1], width, height)
            k += 1
            target = start + k * step


def sample_frames(path: str | Path, fps: float, width: int, height: int, start: float = 0.0,
                  duration: float | None = None) -> SampledFrames:
    """All frames of ``[start, start + duration)`` (the whole video by default) at ``fps``."""
    end = None if duration is None else start + duration
    pairs = list(iter_frames(path, fps, width, height, start, end))
    if not pairs:
        raise ValueError(f"{path}: no frame in [{start}, {end})")
    return SampledFrames(np.stack([f for _, f in pairs]), np.array([t for t, _ in pairs]))


def pixel_stats(videos: list[str | Path], fps: float, width: int, height: int) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation (0–1 scale) of the frames of ``videos`` sampled at ``fps``."""
    frames = np.concatenate([sample_frames(v, fps, width, height).frames for v in videos]).astype(np.float64) / 255.0
    mean = frames.mean(axis=(0, 1, 2))
    std = np.maximum(frames.std(axis=(0, 1, 2)), 1e-3)
    return [round(float(m), 5) for m in mean], [round(float(s), 5) for s in std]


def _to_rgb(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    if frame.width == width and frame.height == height:
        return frame.to_ndarray(format="rgb24")
    return frame.to_ndarray(format="rgb24", width=width, height=height)


def compact_seconds(t: float) -> str:
    """``0``, ``1.5``, ``2.25``: two decimals at most, no trailing zeros."""
    text = f"{round(float(t), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def time_marker(t: float, template: str = "{t}s") -> str:
    """The text put before a frame: ``template`` with ``{t}`` = compact seconds."""
    return template.format(t=compact_seconds(t))
