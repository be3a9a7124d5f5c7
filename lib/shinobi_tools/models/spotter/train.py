"""Training the spotter from scratch on whole runs, then tuning its peak picking on the validation runs.

``train_spotter(train_runs, val_runs, types, out_dir, config)`` writes ``spotter.pt`` (model, config, types and
the detector: per-type thresholds, gaps, active thresholds, median durations), ``config.yaml``, ``metrics.tsv``
(step, epoch, loss, val_loss, lr, seconds) and ``thresholds.tsv``. Runs are ``(video, events_tsv)`` pairs
(:func:`shinobi_tools.dataset.splits.runs_from_splits`).
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml
from torch import nn

from shinobi_tools.errors import InputError
from shinobi_tools.files import atomic_output, ensure_folder
from shinobi_tools.models.detect import Detector, median_durations
from shinobi_tools.models.eventnet import EventNet, TrainingRun, WindowSampler, onset_frames, positive_weights
from shinobi_tools.models.spotter.config import SpotterConfig
from shinobi_tools.models.spotter.data import load_runs
from shinobi_tools.models.spotter.net import run_logits, spotter_net

CHECKPOINT_NAME = "spotter.pt"
METRICS_COLUMNS = ["step", "epoch", "loss", "val_loss", "lr", "seconds"]


def _lr(step: int, config: SpotterConfig) -> float:
    """Linear warm-up, then cosine decay to 5 % of ``lr``."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / (config.warmup_steps + 1)
    progress = min(1.0, (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps))
    return config.lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * progress)))


def _val_loss(model: EventNet, runs: list[TrainingRun], loss_fn) -> float:
    if not runs:
        return float("nan")
    total, count = 0.0, 0
    for run in runs:
        logits = run_logits(model, run.frames)
        total += float(loss_fn(logits, torch.from_numpy(run.targets))) * len(run.frames)
        count += len(run.frames)
    return total / count


def train_spotter(train_runs: list[tuple], val_runs: list[tuple], types: list[str], out_dir: str | Path,
                  config: SpotterConfig | None = None) -> Path:
    """Train a spotter from scratch; tune per-type thresholds / NMS gaps on ``val_runs``; return the checkpoint.

    ``out_dir`` receives ``spotter.pt`` (model, config, types, detector settings), ``config.yaml``,
    ``metrics.tsv`` (step, epoch, loss, val_loss, lr, seconds) and ``thresholds.tsv``.
    """
    config = config or SpotterConfig()
    if not train_runs:
        raise InputError("no training runs for the spotter; check the split table")
    if not types:
        raise InputError("no event types to spot")
    out = ensure_folder(out_dir)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    cache_dir = config.cache_dir if config.cache_dir is not None else out / "frames"
    started = time.time()

    # data
    train = load_runs(train_runs, types, config, cache_dir)
    val = load_runs(val_runs, types, config, cache_dir)
    sampler = WindowSampler(train, len(types), config.window, config.batch_size, config.event_window_share,
                            config.seed)
    frames_per_epoch = sum(len(run.frames) for run in train)
    durations = median_durations(pd.concat([run.events for run in train]), types)

    # model (onset and active columns share one loss, each column with its own positive weight)
    model = spotter_net(len(types), config)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=positive_weights([run.targets for run in train], config.max_pos_weight))
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
            loss = loss_fn(model(inputs)[1], targets)
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

    # decision settings tuned on the validation runs
    model.eval()
    detector = tune_detector(model, val or train, types, durations, config)
    table = pd.DataFrame([{"trial_type": t, "threshold": detector.thresholds[c], "gap": detector.gaps[c],
                           "active_threshold": detector.active_thresholds[c], "duration": detector.durations[c],
                           **detector.validation.get(t, {})} for c, t in enumerate(types)])
    with atomic_output(out / "thresholds.tsv") as partial:
        table.to_csv(partial, sep="\t", index=False)
    checkpoint = out / CHECKPOINT_NAME
    state = {
        "model": model.state_dict(), "config": config.to_dict(), "types": list(types), "detector": detector.state(),
        "steps": config.steps, "train_seconds": time.time() - started,
    }
    with atomic_output(checkpoint) as partial:
        torch.save(state, partial)
    return checkpoint


def tune_detector(model: EventNet, runs: list[TrainingRun], types: list[str], durations: list[float],
                  config: SpotterConfig) -> Detector:
    """Per type, the onset threshold and NMS gap with the best pooled validation F1 at ``config.tolerance``, then
    the active threshold with the best span IoU (:class:`shinobi_tools.models.detect.Detector`)."""
    detector = Detector(list(types), durations, [config.default_threshold] * len(types),
                        [config.default_gap] * len(types))
    series = [(torch.sigmoid(run_logits(model, run.frames)).numpy(), np.arange(len(run.frames)) / run.sampled_fps,
               run.sampled_fps) for run in runs]
    truths = []
    for run in runs:
        events = run.events[run.events["trial_type"].isin(types)].copy()
        events["onset"] = onset_frames(events, run.fps) / run.fps
        events["duration"] = pd.to_numeric(events["duration"], errors="coerce").fillna(0.0)
        truths.append(events)
    detector.tune(series, truths, config.tolerance, config.gaps)
    return detector
