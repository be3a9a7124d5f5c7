"""Training the spotter from scratch on whole runs, then tuning its peak picking on the validation runs.

``train_spotter(train_runs, val_runs, types, out_dir, config)`` writes ``spotter.pt`` (model, config, types,
durations, per-type thresholds and gaps), ``config.yaml``, ``metrics.tsv`` (step, epoch, loss, val_loss, lr,
seconds) and ``thresholds.tsv``. Runs are ``(video, events_tsv)`` pairs (:func:`runs_from_splits`).
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

from shinobi_tools.dataset.splits import read_splits_table
from shinobi_tools.errors import InputError
from shinobi_tools.files import atomic_output, ensure_folder
from shinobi_tools.models.peaks import PeakSettings, tune_peaks
from shinobi_tools.models.spotter.config import SpotterConfig
from shinobi_tools.models.spotter.data import TrainingRun, WindowSampler, load_runs, onset_frames
from shinobi_tools.models.spotter.net import SpotterNet, run_logits
from shinobi_tools.naming import parse_run_name

CHECKPOINT_NAME = "spotter.pt"
METRICS_COLUMNS = ["step", "epoch", "loss", "val_loss", "lr", "seconds"]
#: Frame rate of the saved gaps' conversion to seconds in thresholds.tsv (the videos' own rate).
SETTINGS_FPS = 59.922743


def runs_from_splits(splits_tsv: str | Path, video_dir: str | Path, events_dir: str | Path,
                     split: str) -> list[tuple[Path, Path]]:
    """``(<run>.mp4, <run>_events.tsv)`` for each run of one split, sorted: found in ``video_dir`` /
    ``events_dir`` themselves or in their ``sub-XX/ses-YYY`` session folders (the workflow's layout)."""
    table = read_splits_table(splits_tsv)
    runs = []
    for run in sorted(table.loc[table["split"] == split, "run"]):
        session = parse_run_name(run).session_folder
        pair = []
        for folder, name in ((Path(video_dir), f"{run}.mp4"), (Path(events_dir), f"{run}_events.tsv")):
            found = [p for p in (folder / name, folder / session / name) if p.exists()]
            if not found:
                raise InputError(f"{folder / session / name} is missing; run the replay and events stages first")
            pair.append(found[0])
        runs.append(tuple(pair))
    return runs


def _pos_weight(runs: list[TrainingRun], cap: float) -> torch.Tensor:
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


def _val_loss(model: SpotterNet, runs: list[TrainingRun], loss_fn) -> float:
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

    ``out_dir`` receives ``spotter.pt`` (model, config, types, durations, thresholds), ``config.yaml``,
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
    sampler = WindowSampler(train, types, config, config.seed)
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
    tuned = tune_settings(model, val, types, config)
    table = pd.DataFrame([{"trial_type": t, "threshold": s.threshold, "gap": s.gap * config.stride / SETTINGS_FPS,
                           "val_f1": s.val_f1, "val_events": s.val_events} for t, s in tuned.items()])
    with atomic_output(out / "thresholds.tsv") as partial:
        table.to_csv(partial, sep="\t", index=False)
    checkpoint = out / CHECKPOINT_NAME
    state = {
        "model": model.state_dict(), "config": config.to_dict(), "types": list(types), "durations": durations,
        "thresholds": {t: s.threshold for t, s in tuned.items()}, "gaps": {t: s.gap for t, s in tuned.items()},
        "steps": config.steps, "train_seconds": time.time() - started,
    }
    with atomic_output(checkpoint) as partial:
        torch.save(state, partial)
    return checkpoint


def tune_settings(model: SpotterNet, runs: list[TrainingRun], types: list[str],
                  config: SpotterConfig) -> dict[str, PeakSettings]:
    """Per type, the threshold and NMS gap (in sampled frames) with the best pooled validation F1 at
    ``config.tolerance`` (:func:`shinobi_tools.models.peaks.tune_peaks`)."""
    fps = runs[0].fps if runs else SETTINGS_FPS
    gaps = sorted({max(1, int(round(gap * fps / config.stride))) for gap in config.gaps})
    default = PeakSettings(config.default_threshold, max(1, int(round(config.default_gap * fps / config.stride))))
    probabilities = [torch.sigmoid(run_logits(model, run.frames)).numpy() for run in runs]
    tuned = {}
    for c, kind in enumerate(types):
        onsets = [onset_frames(run.events[run.events["trial_type"] == kind], run.fps) / run.fps for run in runs]
        tuned[kind] = tune_peaks([p[:, c] for p in probabilities], onsets,
                                 lambda index: index * config.stride / fps, gaps, config.tolerance, default)
    return tuned
