"""The spotter's data: a run's frames decoded every ``stride`` frames and downscaled (cached as npz), per-frame
onset targets, and training windows that favour rare event types."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from shinobi_tools.errors import InputError
from shinobi_tools.events.tsv import read_events_tsv
from shinobi_tools.files import atomic_output
from shinobi_tools.media.frames import decode, open_video
from shinobi_tools.models.spotter.config import SpotterConfig

#: Frame rate assumed for a video whose stream does not say (the Genesis').
GENESIS_FPS = 59.922743


@dataclass
class RunFrames:
    """A run's sampled, downscaled frames: ``frames[k]`` is source frame ``k * stride``."""

    frames: np.ndarray   # (T, H, W, 3) uint8
    fps: float           # source frame rate
    stride: int
    n_source: int        # frames in the video


def decode_frames(video: str | Path, width: int, height: int, stride: int) -> RunFrames:
    """Decode every ``stride``-th frame of a video, downscaled (area averaging) to ``width × height`` RGB."""
    kept = []
    n = 0
    with open_video(video) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate) if stream.average_rate else GENESIS_FPS
        for n, frame in enumerate(decode(container, video), start=1):
            if (n - 1) % stride == 0:
                kept.append(frame.reformat(width=width, height=height, format="rgb24",
                                           interpolation="AREA").to_ndarray())
    if not kept:
        raise InputError(f"{video}: no video frame could be decoded; re-run its replay")
    return RunFrames(np.stack(kept), fps, stride, n)


def load_frames(video: str | Path, config: SpotterConfig, cache_dir: str | Path | None = None) -> RunFrames:
    """``decode_frames`` through an npz cache keyed by the video's name, size, mtime and the frame settings."""
    if cache_dir is None:
        return decode_frames(video, config.width, config.height, config.stride)
    video = Path(video)
    stat = video.stat()
    path = Path(cache_dir) / f"{video.stem}_{config.width}x{config.height}_s{config.stride}.npz"
    signature = np.array([stat.st_size, stat.st_mtime_ns], dtype=np.int64)
    if path.exists():
        with np.load(path) as cached:
            if np.array_equal(cached["signature"], signature):
                return RunFrames(cached["frames"], float(cached["fps"]), config.stride, int(cached["n_source"]))
    run = decode_frames(video, config.width, config.height, config.stride)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as partial:
        np.savez_compressed(partial, frames=run.frames, fps=run.fps, n_source=run.n_source, signature=signature)
    return run


def onset_frames(events: pd.DataFrame, fps: float) -> np.ndarray:
    """Source frame of each event's onset (``frame_start`` where present, else ``onset × fps``)."""
    by_time = np.round(events["onset"].to_numpy(dtype=float) * fps)
    if "frame_start" in events:
        return np.where(events["frame_start"].isna(), by_time, events["frame_start"]).astype(int)
    return by_time.astype(int)


def make_targets(events: pd.DataFrame, types: list[str], n_sampled: int, fps: float, stride: int,
                 radius: int) -> np.ndarray:
    """(T, C) float32 onset labels on the sampled frames, each onset widened by ``radius`` frames."""
    targets = np.zeros((n_sampled, len(types)), dtype=np.float32)
    index = {t: i for i, t in enumerate(types)}
    chosen = events[events["trial_type"].isin(index)]
    for frame, kind in zip(onset_frames(chosen, fps), chosen["trial_type"]):
        k = int(round(frame / stride))
        if 0 <= k < n_sampled:
            targets[max(k - radius, 0): k + radius + 1, index[kind]] = 1.0
    return targets


@dataclass
class TrainingRun:
    frames: np.ndarray
    targets: np.ndarray
    fps: float
    events: pd.DataFrame


def load_runs(runs: list[tuple], types: list[str], config: SpotterConfig, cache_dir) -> list[TrainingRun]:
    loaded = []
    for video, events_tsv in runs:
        frames = load_frames(video, config, cache_dir)
        events = read_events_tsv(events_tsv)
        targets = make_targets(events, types, len(frames.frames), frames.fps, config.stride, config.label_radius)
        loaded.append(TrainingRun(frames.frames, targets, frames.fps, events))
    return loaded


def model_input(frames: np.ndarray, previous: np.ndarray | None) -> torch.Tensor:
    """(T, 6, H, W) float: the frames in [-0.5, 0.5] and their difference to the previous sampled frame."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
    before = x[:1] if previous is None else torch.from_numpy(previous[None]).permute(0, 3, 1, 2).float() / 255.0
    diff = x - torch.cat([before, x[:-1]])
    return torch.cat([x - 0.5, 2.0 * diff], dim=1)


class WindowSampler:
    """Training windows: half anywhere, half around an event of a uniformly drawn type (rare types matter)."""

    def __init__(self, runs: list[TrainingRun], types: list[str], config: SpotterConfig, seed: int) -> None:
        self.runs, self.config = runs, config
        self.rng = np.random.default_rng(seed)
        self.by_type = []
        for c in range(len(types)):
            places = [(r, k) for r, run in enumerate(runs) for k in np.flatnonzero(run.targets[:, c])]
            if places:
                self.by_type.append(places)
        self.lengths = np.array([len(run.frames) for run in runs], dtype=float)

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        w = self.config.window
        inputs, targets = [], []
        for _ in range(self.config.batch_size):
            if self.by_type and self.rng.random() < self.config.event_window_share:
                places = self.by_type[self.rng.integers(len(self.by_type))]
                r, k = places[self.rng.integers(len(places))]
                start = int(k) - int(self.rng.integers(0, w))
            else:
                r = int(self.rng.choice(len(self.runs), p=self.lengths / self.lengths.sum()))
                start = int(self.rng.integers(0, max(len(self.runs[r].frames) - w, 0) + 1))
            run = self.runs[r]
            start = int(np.clip(start, 0, max(len(run.frames) - w, 0)))
            frames = run.frames[start: start + w]
            target = run.targets[start: start + w]
            if len(frames) < w:  # a run shorter than a window: pad with its last frame, no labels
                frames = np.concatenate([frames, np.repeat(frames[-1:], w - len(frames), axis=0)])
                target = np.concatenate([target, np.zeros((w - len(target), target.shape[1]), np.float32)])
            inputs.append(model_input(frames, run.frames[start - 1] if start > 0 else None))
            targets.append(torch.from_numpy(target))
        return torch.stack(inputs), torch.stack(targets)
