"""A non-LLM event spotter (the E2E-Spot-style baseline): a small CNN over downscaled frames and their
difference to the previous sampled frame, dilated 1D convolutions over time, per-frame multi-label logits
for event onsets, then per-type peak picking (threshold + non-maximum suppression) into an events table.

Train (writes ``spotter.pt`` + ``config.yaml`` + ``metrics.tsv`` + ``thresholds.tsv`` into ``out_dir``)::

    train_spotter(train_runs, val_runs, types, out_dir, SpotterConfig.from_yaml("config/spotter_demo.yaml"))

``train_runs`` / ``val_runs`` are ``(video, events_tsv)`` pairs (``runs_from_splits`` builds them from the
split table). Per-type thresholds and NMS gaps are tuned on the validation runs for F1 at ``tolerance``.
Spot: ``spot_events(video, checkpoint)`` → onset, duration, trial_type, score, description.
Sections: config, data, model, training, inference, evaluation.
"""

from __future__ import annotations

import csv
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import av
import numpy as np
import pandas as pd
import torch
import yaml
from torch import nn

from shinobi_tools.errors import InputError
from shinobi_tools.gather import read_events_tsv

CHECKPOINT_NAME = "spotter.pt"
METRICS_COLUMNS = ["step", "epoch", "loss", "val_loss", "lr", "seconds"]
GENESIS_FPS = 59.922743


# ----------------------------------------------------------------------------------------------- config
@dataclass
class SpotterConfig:
    # data
    width: int = 64                 # decoded frame size (the video is 320×224)
    height: int = 48
    stride: int = 2                 # keep every stride-th source frame (2 → ~30 fps)
    window: int = 96                # sampled frames per training window (96 × 2 / 60 ≈ 3.2 s)
    label_radius: int = 1           # sampled frames either side of an onset also labelled positive
    event_window_share: float = 0.5  # share of windows placed around an event of a uniformly drawn type
    cache_dir: str | None = None    # decoded-frame npz cache (default: <out_dir>/frames)
    # model
    channels: list[int] = field(default_factory=lambda: [16, 32, 64])   # CNN widths, each conv stride 2
    feature_dim: int = 128          # per-frame feature size
    temporal_dim: int = 128         # 1D-conv width
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 8])  # receptive field ±(2·Σd+1) frames
    dropout: float = 0.1
    # training
    steps: int = 400
    batch_size: int = 4
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 20
    grad_clip: float = 1.0
    max_pos_weight: float = 30.0    # BCE pos_weight = min(negatives / positives, this) per type
    eval_every: int = 100
    log_every: int = 20
    seed: int = 0
    threads: int = 2
    # peak picking
    tolerance: float = 0.5          # seconds; thresholds and gaps are tuned for F1 at this tolerance
    default_threshold: float = 0.5  # for types without validation events
    default_gap: float = 0.2        # seconds between two spotted events of one type (NMS)
    gaps: list[float] = field(default_factory=lambda: [0.1, 0.2, 0.35, 0.5, 1.0, 2.0])  # NMS gaps tried

    @classmethod
    def from_dict(cls, values: dict) -> "SpotterConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"unknown spotter config keys {unknown}; known: {sorted(known)}")
        return cls(**values)

    @classmethod
    def from_yaml(cls, path: str | Path) -> "SpotterConfig":
        return cls.from_dict(yaml.safe_load(Path(path).read_text()) or {})

    def to_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------------------------------------- data
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
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate) if stream.average_rate else GENESIS_FPS
        for n, frame in enumerate(container.decode(stream), start=1):
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
    partial = path.with_name(f".{path.stem}.partial.npz")
    np.savez_compressed(partial, frames=run.frames, fps=run.fps, n_source=run.n_source, signature=signature)
    partial.replace(path)
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
class _Run:
    frames: np.ndarray
    targets: np.ndarray
    fps: float
    events: pd.DataFrame


def _load_runs(runs: list[tuple], types: list[str], config: SpotterConfig, cache_dir) -> list[_Run]:
    loaded = []
    for video, events_tsv in runs:
        frames = load_frames(video, config, cache_dir)
        events = read_events_tsv(events_tsv)
        targets = make_targets(events, types, len(frames.frames), frames.fps, config.stride, config.label_radius)
        loaded.append(_Run(frames.frames, targets, frames.fps, events))
    return loaded


def _model_input(frames: np.ndarray, previous: np.ndarray | None) -> torch.Tensor:
    """(T, 6, H, W) float: the frames in [-0.5, 0.5] and their difference to the previous sampled frame."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
    before = x[:1] if previous is None else torch.from_numpy(previous[None]).permute(0, 3, 1, 2).float() / 255.0
    diff = x - torch.cat([before, x[:-1]])
    return torch.cat([x - 0.5, 2.0 * diff], dim=1)


class _WindowSampler:
    """Training windows: half anywhere, half around an event of a uniformly drawn type (rare types matter)."""

    def __init__(self, runs: list[_Run], types: list[str], config: SpotterConfig, seed: int) -> None:
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
            inputs.append(_model_input(frames, run.frames[start - 1] if start > 0 else None))
            targets.append(torch.from_numpy(target))
        return torch.stack(inputs), torch.stack(targets)


# ------------------------------------------------------------------------------------------------ model
class SpotterNet(nn.Module):
    """Per-frame CNN (6 channels: RGB + difference) → dilated residual 1D convs → per-frame logits."""

    def __init__(self, n_types: int, config: SpotterConfig) -> None:
        super().__init__()
        layers, c_in = [], 6
        for c in config.channels:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
            c_in = c
        self.cnn = nn.Sequential(*layers)
        # Average and max pooling: max keeps small things (bullets, explosions) that averaging washes out.
        self.project = nn.Sequential(nn.Linear(2 * c_in, config.feature_dim), nn.ReLU(inplace=True))
        self.temporal_in = nn.Conv1d(config.feature_dim, config.temporal_dim, 1)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.ReLU(), nn.Conv1d(config.temporal_dim, config.temporal_dim, 3, padding=d, dilation=d),
                          nn.ReLU(), nn.Dropout(config.dropout), nn.Conv1d(config.temporal_dim, config.temporal_dim, 1))
            for d in config.dilations
        )
        self.head = nn.Conv1d(config.temporal_dim, n_types, 1)

    def frame_features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 6, H, W) → (N, feature_dim)."""
        h = self.cnn(x)
        return self.project(torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1))

    def temporal(self, features: torch.Tensor) -> torch.Tensor:
        """(B, T, feature_dim) → (B, T, n_types) logits."""
        h = self.temporal_in(features.transpose(1, 2))
        for block in self.blocks:
            h = h + block(h)
        return self.head(torch.relu(h)).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, 6, H, W) → (B, T, n_types) logits."""
        b, t = x.shape[:2]
        return self.temporal(self.frame_features(x.flatten(0, 1)).view(b, t, -1))


@torch.no_grad()
def _run_logits(model: SpotterNet, frames: np.ndarray, chunk: int = 256) -> torch.Tensor:
    """(T, C) logits over a whole run: CNN features in chunks, the temporal model over the full sequence."""
    model.eval()
    features = []
    for start in range(0, len(frames), chunk):
        previous = frames[start - 1] if start > 0 else None
        features.append(model.frame_features(_model_input(frames[start: start + chunk], previous)))
    return model.temporal(torch.cat(features)[None])[0]


# --------------------------------------------------------------------------------------------- training
def runs_from_splits(splits_tsv: str | Path, video_dir: str | Path, events_dir: str | Path,
                     split: str) -> list[tuple[Path, Path]]:
    """``(video_dir/<run>.mp4, events_dir/<run>_events.tsv)`` for each run of one split, sorted."""
    table = pd.read_csv(splits_tsv, sep="\t")
    runs = []
    for run in sorted(table.loc[table["split"] == split, "run"]):
        pair = (Path(video_dir) / f"{run}.mp4", Path(events_dir) / f"{run}_events.tsv")
        missing = [str(p) for p in pair if not p.exists()]
        if missing:
            raise InputError(f"{missing[0]} is missing; run the replay and events stages first")
        runs.append(pair)
    return runs


def _pos_weight(runs: list[_Run], cap: float) -> torch.Tensor:
    targets = np.concatenate([run.targets for run in runs])
    positives = targets.sum(axis=0)
    negatives = len(targets) - positives
    return torch.tensor(np.clip(negatives / np.maximum(positives, 1.0), 1.0, cap), dtype=torch.float32)


def _lr(step: int, config: SpotterConfig) -> float:
    """Linear warm-up, then cosine decay to 5 % of ``lr``."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / (config.warmup_steps + 1)
    progress = min(1.0, (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps))
    return config.lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * progress)))


def _val_loss(model: SpotterNet, runs: list[_Run], loss_fn) -> float:
    if not runs:
        return float("nan")
    total, count = 0.0, 0
    for run in runs:
        logits = _run_logits(model, run.frames)
        total += float(loss_fn(logits, torch.from_numpy(run.targets))) * len(run.frames)
        count += len(run.frames)
    return total / count


def train_spotter(train_runs: list[tuple], val_runs: list[tuple], types: list[str], out_dir: str | Path,
                  config: SpotterConfig | None = None) -> Path:
    """Train a spotter from scratch; tune per-type thresholds / NMS gaps on ``val_runs``; return the checkpoint.

    ``out_dir`` receives ``spotter.pt`` (model, config, types, durations, thresholds), ``config.yaml``,
    ``metrics.tsv`` (step, epoch, loss, val_loss, lr, seconds) and ``thresholds.tsv``.
    """
    config = config or SpotterConfig()
    if not train_runs:
        raise InputError("no training runs for the spotter; check the split table")
    if not types:
        raise InputError("no event types to spot")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    cache_dir = config.cache_dir if config.cache_dir is not None else out / "frames"
    started = time.time()

    # data
    train = _load_runs(train_runs, types, config, cache_dir)
    val = _load_runs(val_runs, types, config, cache_dir)
    sampler = _WindowSampler(train, types, config, config.seed)
    frames_per_epoch = sum(len(run.frames) for run in train)
    all_events = pd.concat([run.events for run in train])
    durations = {t: float(all_events.loc[all_events["trial_type"] == t, "duration"].median())
                 if (all_events["trial_type"] == t).any() else 0.0 for t in types}

    # model
    model = SpotterNet(len(types), config)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=_pos_weight(train, config.max_pos_weight))
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)

    # training
    (out / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
    with open(out / "metrics.tsv", "w", newline="") as handle:
        log = csv.writer(handle, delimiter="\t")
        log.writerow(METRICS_COLUMNS)
        running = []
        for step in range(config.steps):
            for group in optimizer.param_groups:
                group["lr"] = _lr(step, config)
            model.train()
            inputs, targets = sampler.batch()
            loss = loss_fn(model(inputs), targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            running.append(loss.item())
            last = step + 1 == config.steps
            evaluate_now = last or (config.eval_every and (step + 1) % config.eval_every == 0)
            if evaluate_now or (step + 1) % config.log_every == 0:
                val_loss = _val_loss(model, val, loss_fn) if evaluate_now else float("nan")
                epoch = (step + 1) * config.batch_size * config.window / frames_per_epoch
                log.writerow([step + 1, f"{epoch:.3f}", f"{np.mean(running):.5f}",
                              "" if np.isnan(val_loss) else f"{val_loss:.5f}", f"{_lr(step, config):.6f}",
                              f"{time.time() - started:.1f}"])
                handle.flush()
                running = []

    # peak-picking settings tuned on the validation runs
    model.eval()
    tuned = _tune_peaks(model, val, types, config)
    pd.DataFrame([{"trial_type": t, **tuned[t]} for t in types]).to_csv(out / "thresholds.tsv", sep="\t", index=False)
    checkpoint = out / CHECKPOINT_NAME
    state = {
        "model": model.state_dict(), "config": config.to_dict(), "types": list(types), "durations": durations,
        "thresholds": {t: tuned[t]["threshold"] for t in types}, "gaps": {t: tuned[t]["gap"] for t in types},
        "steps": config.steps, "train_seconds": time.time() - started,
    }
    partial = checkpoint.with_name(f".{checkpoint.name}.partial")
    torch.save(state, partial)
    partial.replace(checkpoint)
    return checkpoint


def _tune_peaks(model: SpotterNet, runs: list[_Run], types: list[str], config: SpotterConfig) -> dict:
    """Per type: the threshold and NMS gap with the best pooled validation F1 at ``config.tolerance``."""
    default = {t: {"threshold": config.default_threshold, "gap": config.default_gap, "val_f1": float("nan"),
                   "val_events": 0} for t in types}
    if not runs:
        return default
    probs = [torch.sigmoid(_run_logits(model, run.frames)).numpy() for run in runs]
    thresholds = np.round(np.arange(0.05, 0.96, 0.05), 2)
    for c, kind in enumerate(types):
        truths = [onset_frames(run.events[run.events["trial_type"] == kind], run.fps) / run.fps for run in runs]
        n_true = sum(len(t) for t in truths)
        if n_true == 0:
            continue
        f1 = np.zeros((len(config.gaps), len(thresholds)))
        for g, gap in enumerate(config.gaps):
            gap_frames = max(1, int(round(gap * runs[0].fps / config.stride)))
            peaks = [pick_peaks(p[:, c], float(thresholds[0]), gap_frames) for p in probs]
            for i, threshold in enumerate(thresholds):
                tp = n_pred = 0
                for run, (index, score), truth in zip(runs, peaks, truths):
                    keep = score >= threshold
                    tp += _count_matches(truth, index[keep] * config.stride / run.fps, score[keep], config.tolerance)
                    n_pred += int(keep.sum())
                f1[g, i] = 2 * tp / (n_true + n_pred)
        # Ties (common for rare types): the largest gap, then the middle of the best thresholds' plateau.
        g = int(np.flatnonzero(f1.max(axis=1) >= f1.max() - 1e-9)[-1])
        best = np.flatnonzero(f1[g] >= f1[g].max() - 1e-9)
        threshold = float(thresholds[best[len(best) // 2]])
        default[kind] = {"threshold": threshold, "gap": config.gaps[g], "val_f1": round(float(f1.max()), 4),
                         "val_events": n_true}
    return default


# -------------------------------------------------------------------------------------------- inference
def pick_peaks(probs: np.ndarray, threshold: float, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Greedy NMS on one type's per-frame probabilities: (indices, scores) of peaks ≥ ``threshold`` at least
    ``gap`` frames apart, the highest first kept; returned sorted by index."""
    candidates = np.flatnonzero(probs >= threshold)
    order = candidates[np.argsort(-probs[candidates], kind="stable")]
    taken = np.zeros(len(probs), dtype=bool)
    kept = []
    for i in order:
        if not taken[max(i - gap + 1, 0): i + gap].any():
            kept.append(i)
            taken[i] = True
    kept = np.array(sorted(kept), dtype=int)
    return kept, probs[kept]


class Spotter:
    """A loaded checkpoint: ``Spotter.load(path).spot(video)``."""

    def __init__(self, state: dict) -> None:
        self.config = SpotterConfig.from_dict(state["config"])
        self.types: list[str] = list(state["types"])
        self.durations: dict = state["durations"]
        self.thresholds: dict = state["thresholds"]
        self.gaps: dict = state["gaps"]
        self.model = SpotterNet(len(self.types), self.config)
        self.model.load_state_dict(state["model"])
        self.model.eval()

    @classmethod
    def load(cls, checkpoint: str | Path) -> "Spotter":
        path = Path(checkpoint)
        if path.is_dir():
            path = path / CHECKPOINT_NAME
        if not path.exists():
            raise InputError(f"{path}: no spotter checkpoint; train one with train_spotter first")
        return cls(torch.load(path, map_location="cpu", weights_only=True))

    def probabilities(self, video: str | Path, cache_dir: str | Path | None = None) -> tuple[np.ndarray, RunFrames]:
        """(T, C) per-sampled-frame onset probabilities and the decoded frames."""
        torch.set_num_threads(self.config.threads)
        run = load_frames(video, self.config, cache_dir)
        return torch.sigmoid(_run_logits(self.model, run.frames)).numpy(), run

    def spot(self, video: str | Path, threshold: float | dict | None = None,
             cache_dir: str | Path | None = None) -> pd.DataFrame:
        probs, run = self.probabilities(video, cache_dir)
        rows = []
        for c, kind in enumerate(self.types):
            limit = threshold.get(kind, self.thresholds[kind]) if isinstance(threshold, dict) else (
                self.thresholds[kind] if threshold is None else threshold)
            gap = max(1, int(round(self.gaps[kind] * run.fps / self.config.stride)))
            for index, score in zip(*pick_peaks(probs[:, c], float(limit), gap)):
                rows.append({"onset": round(index * run.stride / run.fps, 4),
                             "duration": round(float(self.durations[kind]), 4), "trial_type": kind,
                             "score": round(float(score), 4), "description": f"Spotted: {kind}."})
        table = pd.DataFrame(rows, columns=["onset", "duration", "trial_type", "score", "description"])
        return table.sort_values(["onset", "trial_type"], kind="stable").reset_index(drop=True)


def spot_events(video: str | Path, checkpoint: str | Path, threshold: float | dict | None = None,
                cache_dir: str | Path | None = None) -> pd.DataFrame:
    """Spotted events of one video: ``onset`` (s), ``duration`` (the type's median training duration),
    ``trial_type``, ``score`` (peak probability), ``description``. ``threshold`` None = the tuned per-type
    thresholds; a number or a ``{type: threshold}`` dict overrides them."""
    return Spotter.load(checkpoint).spot(video, threshold, cache_dir)


# ------------------------------------------------------------------------------------------- evaluation
def _count_matches(truth: np.ndarray, pred: np.ndarray, score: np.ndarray, tolerance: float) -> int:
    """One-to-one matches: predictions by descending score, each to the nearest free truth within tolerance."""
    free = np.ones(len(truth), dtype=bool)
    matched = 0
    for i in np.argsort(-np.asarray(score), kind="stable"):
        if not free.any():
            break
        distance = np.where(free, np.abs(truth - pred[i]), np.inf)
        j = int(np.argmin(distance))
        if distance[j] <= tolerance:
            free[j] = False
            matched += 1
    return matched


def match_f1(truth: pd.DataFrame, pred: pd.DataFrame, tolerance: float = 0.5,
             types: list[str] | None = None) -> pd.DataFrame:
    """Per-type onset F1 of one run (or of runs concatenated with a ``run`` column in both tables):
    columns trial_type, n_true, n_pred, tp, precision, recall, f1."""
    types = types or sorted(set(truth["trial_type"]) | set(pred["trial_type"]))
    rows = []
    group = "run" if "run" in truth and "run" in pred else None
    for kind in types:
        t = truth[truth["trial_type"] == kind]
        p = pred[pred["trial_type"] == kind]
        tp = 0
        keys = sorted(set(t[group]) | set(p[group])) if group else [None]
        for key in keys:
            tt = t[t[group] == key] if group else t
            pp = p[p[group] == key] if group else p
            score = pp["score"].to_numpy(float) if "score" in pp else np.ones(len(pp))
            tp += _count_matches(tt["onset"].to_numpy(float), pp["onset"].to_numpy(float), score, tolerance)
        n_true, n_pred = len(t), len(p)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_true if n_true else 0.0
        f1 = 2 * tp / (n_true + n_pred) if n_true + n_pred else float("nan")
        rows.append({"trial_type": kind, "n_true": n_true, "n_pred": n_pred, "tp": tp,
                     "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)})
    return pd.DataFrame(rows)
