"""The spotter's data: a run's frames decoded every ``stride`` frames and downscaled (cached as npz) and per-frame
onset targets; the decoding and the training windows are the event network's (:mod:`..eventnet`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shinobi_tools.events.tsv import read_events_tsv
from shinobi_tools.files import atomic_output
from shinobi_tools.models.eventnet import RunFrames, TrainingRun, decode_frames, make_targets
from shinobi_tools.models.spotter.config import SpotterConfig


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


def load_runs(runs: list[tuple], types: list[str], config: SpotterConfig, cache_dir) -> list[TrainingRun]:
    loaded = []
    for video, events_tsv in runs:
        frames = load_frames(video, config, cache_dir)
        events = read_events_tsv(events_tsv)
        targets = make_targets(events, types, len(frames.frames), frames.fps, config.stride, config.label_radius,
                               config.active_head)
        loaded.append(TrainingRun(frames.frames, targets, frames.fps, events, config.stride))
    return loaded
