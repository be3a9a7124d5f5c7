"""The per-frame event network both the spotter and the video LLM's fast pathway use: frames decoded at ~30 fps
and downscaled, a small CNN over each frame and its difference to the previous one, dilated residual 1D
convolutions over time, per frame a hidden state and per event type an onset logit (and, with ``active``, a logit
of the event being under way: its duration). Also the training windows both draw."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from shinobi_tools.errors import InputError
from shinobi_tools.media.frames import decode, open_video

#: Frame rate assumed for a video whose stream does not say (the Genesis').
GENESIS_FPS = 59.922743


@dataclass
class RunFrames:
    """A run's sampled, downscaled frames: ``frames[k]`` is source frame ``k * stride``."""

    frames: np.ndarray   # (T, H, W, 3) uint8
    fps: float           # source frame rate
    stride: int
    n_source: int        # frames in the video

    @property
    def times(self) -> np.ndarray:
        """Time (s) of each sampled frame."""
        return np.arange(len(self.frames)) * self.stride / self.fps


def decode_frames(video: str | Path, width: int, height: int, stride: int | None = None,
                  fps: float | None = None) -> RunFrames:
    """Every ``stride``-th frame of a video (or the stride nearest to ``fps``), downscaled (area) to RGB."""
    kept = []
    n = 0
    with open_video(video) as container:
        stream = container.streams.video[0]
        source_fps = float(stream.average_rate) if stream.average_rate else GENESIS_FPS
        stride = stride or max(1, round(source_fps / fps))
        for n, frame in enumerate(decode(container, video), start=1):
            if (n - 1) % stride == 0:
                kept.append(frame.reformat(width=width, height=height, format="rgb24",
                                           interpolation="AREA").to_ndarray())
    if not kept:
        raise InputError(f"{video}: no video frame could be decoded; re-run its replay")
    return RunFrames(np.stack(kept), source_fps, stride, n)


def model_input(frames: np.ndarray, previous: np.ndarray | None = None) -> torch.Tensor:
    """(T, 6, H, W) float: the frames in [-0.5, 0.5] and twice their difference to the previous sampled frame."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
    before = x[:1] if previous is None else torch.from_numpy(previous[None]).permute(0, 3, 1, 2).float() / 255.0
    return torch.cat([x - 0.5, 2.0 * (x - torch.cat([before, x[:-1]]))], dim=1)


class EventNet(nn.Module):
    """Per-frame CNN (RGB + difference; mean and max pooled) → dilated residual 1D convs → per frame a hidden
    state and ``n_types`` onset logits, then (``active``) ``n_types`` active logits."""

    def __init__(self, n_types: int, channels=(16, 32, 64), feature_dim: int = 128, temporal_dim: int = 128,
                 dilations=(1, 2, 4, 8), dropout: float = 0.1, active: bool = False) -> None:
        super().__init__()
        self.n_types, self.active = n_types, active
        self.spec = dict(n_types=n_types, channels=list(channels), feature_dim=feature_dim,
                         temporal_dim=temporal_dim, dilations=list(dilations), dropout=dropout, active=active)
        layers, c_in = [], 6
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
            c_in = c
        self.cnn = nn.Sequential(*layers)
        # Average and max pooling: max keeps small things (bullets, explosions) that averaging washes out.
        self.project = nn.Sequential(nn.Linear(2 * c_in, feature_dim), nn.ReLU(inplace=True))
        self.temporal_in = nn.Conv1d(feature_dim, temporal_dim, 1)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.ReLU(), nn.Conv1d(temporal_dim, temporal_dim, 3, padding=d, dilation=d), nn.ReLU(),
                          nn.Dropout(dropout), nn.Conv1d(temporal_dim, temporal_dim, 1))
            for d in dilations)
        self.head = nn.Conv1d(temporal_dim, n_types * (2 if active else 1), 1)

    @property
    def hidden_size(self) -> int:
        return self.spec["temporal_dim"]

    def frame_features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 6, H, W) → (N, feature_dim)."""
        h = self.cnn(x)
        return self.project(torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1))

    def temporal(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, feature_dim) → hidden (B, T, temporal_dim), logits (B, T, types or 2 × types)."""
        h = self.temporal_in(features.transpose(1, 2))
        for block in self.blocks:
            h = h + block(h)
        h = torch.relu(h)
        return h.transpose(1, 2), self.head(h).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, 6, H, W) → hidden, logits."""
        b, t = x.shape[:2]
        return self.temporal(self.frame_features(x.flatten(0, 1)).view(b, t, -1))


@torch.no_grad()
def run_outputs(net: EventNet, frames: np.ndarray, chunk: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """(T, hidden), (T, logits) over a whole run: CNN features in chunks, the temporal model over all of it."""
    net.eval()
    features = []
    for start in range(0, len(frames), chunk):
        previous = frames[start - 1] if start > 0 else None
        features.append(net.frame_features(model_input(frames[start: start + chunk], previous)))
    hidden, logits = net.temporal(torch.cat(features)[None])
    return hidden[0].float(), logits[0].float()


def onset_frames(events: pd.DataFrame, fps: float) -> np.ndarray:
    """Source frame of each event's onset (``frame_start`` where present, else ``onset × fps``)."""
    by_time = np.round(events["onset"].to_numpy(dtype=float) * fps)
    if "frame_start" in events:
        return np.where(events["frame_start"].isna(), by_time, events["frame_start"]).astype(int)
    return by_time.astype(int)


def make_targets(events: pd.DataFrame, types: list[str], n_sampled: int, fps: float, stride: int,
                 radius: int, active: bool = False) -> np.ndarray:
    """(T, C) float32 onset labels on the sampled frames, each onset widened by ``radius`` frames; with
    ``active``, (T, 2C): then whether each event is under way (from its onset frame until before its end)."""
    targets = np.zeros((n_sampled, len(types) * (2 if active else 1)), dtype=np.float32)
    index = {t: i for i, t in enumerate(types)}
    chosen = events[events["trial_type"].isin(index)]
    durations = pd.to_numeric(chosen["duration"], errors="coerce").fillna(0.0).clip(lower=0.0).to_numpy()
    for frame, kind, duration in zip(onset_frames(chosen, fps), chosen["trial_type"], durations):
        k = round(frame / stride)
        if 0 <= k < n_sampled:
            targets[max(k - radius, 0): k + radius + 1, index[kind]] = 1.0
        if active:
            stop = round((frame + duration * fps) / stride)
            targets[max(k, 0): min(max(stop, k + 1), n_sampled), len(types) + index[kind]] = 1.0
    return targets


@dataclass
class TrainingRun:
    """A run (or clip) to train on: sampled frames, per-frame targets (T, columns; the first ``types`` are onsets),
    the source frame rate, the events and the sampling stride."""

    frames: np.ndarray
    targets: np.ndarray
    fps: float
    events: pd.DataFrame
    stride: int = 1

    @property
    def sampled_fps(self) -> float:
        return self.fps / self.stride


class WindowSampler:
    """Training windows of ``window`` frames: a ``share`` around an onset of a uniformly drawn type (rare types
    matter), the rest anywhere (runs drawn by length)."""

    def __init__(self, runs: list[TrainingRun], n_types: int, window: int, batch_size: int, share: float,
                 seed: int) -> None:
        self.runs, self.window, self.batch_size, self.share = runs, window, batch_size, share
        self.rng = np.random.default_rng(seed)
        self.by_type = [places for c in range(n_types)
                        if (places := [(r, k) for r, run in enumerate(runs) for k in np.flatnonzero(run.targets[:, c])])]
        self.lengths = np.array([len(run.frames) for run in runs], dtype=float)

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        w = self.window
        inputs, targets = [], []
        for _ in range(self.batch_size):
            if self.by_type and self.rng.random() < self.share:
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


def positive_weights(targets: list[np.ndarray], cap: float) -> torch.Tensor:
    """Per target column, min(negatives / positives, ``cap``) (at least 1): the BCE ``pos_weight``."""
    stacked = np.concatenate(targets)
    positives = stacked.sum(axis=0)
    return torch.tensor(np.clip((len(stacked) - positives) / np.maximum(positives, 1.0), 1.0, cap),
                        dtype=torch.float32)
