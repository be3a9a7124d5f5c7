"""Training of the fast pathway: once, before the language model's steps, on whole runs (the workflow's replays
and events; ``fast.splits`` / ``video_dir`` / ``events_dir``) or else on the QA clips; then frozen."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from shinobi_tools.dataset.splits import runs_from_splits
from shinobi_tools.events.tsv import read_events_tsv
from shinobi_tools.models.detect import Detector, median_durations
from shinobi_tools.models.eventnet import (
    EventNet,
    RunFrames,
    TrainingRun,
    WindowSampler,
    decode_frames,
    make_targets,
    positive_weights,
    run_outputs,
)
from shinobi_tools.models.vlm.fast.pathway import FastPathway, FastRun, load_fast
from shinobi_tools.models.vlm.fast.tokens import ClipSource, FastInjector, FastProjector, type_name_embeddings


def event_table(events: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """onset, duration, trial_type, description from an events TSV table or QA record events (onset, offset)."""
    if not isinstance(events, pd.DataFrame):
        events = pd.DataFrame([{"onset": float(e["onset"]), "trial_type": e["trial_type"],
                                "duration": float(e.get("offset", e["onset"])) - float(e["onset"]),
                                "description": e.get("description")} for e in events],
                              columns=["onset", "duration", "trial_type", "description"])
    table = events.reindex(columns=["onset", "duration", "trial_type", "description"]).copy()
    table["duration"] = pd.to_numeric(table["duration"], errors="coerce").fillna(0.0).clip(lower=0.0)
    return table


def _training_run(frames: RunFrames, events: pd.DataFrame, types: list[str], radius: int) -> TrainingRun:
    """Targets from the events' times (``frame_start`` would name the source run's frames, not a clip's)."""
    targets = make_targets(events.drop(columns="frame_start", errors="ignore"), types, len(frames.frames),
                           frames.fps, frames.stride, radius, active=True)
    return TrainingRun(frames.frames, targets, frames.fps, event_table(events), frames.stride)


def whole_runs(config, split: str, types: list[str]) -> dict[str, tuple[RunFrames, TrainingRun]]:
    """The runs of one split (video path → frames and training run)."""
    out = {}
    for video, events_tsv in runs_from_splits(config.splits, config.video_dir, config.events_dir, split):
        frames = decode_frames(video, config.width, config.height, fps=config.fps)
        out[str(video)] = (frames, _training_run(frames, read_events_tsv(events_tsv), types, config.label_radius))
    return out


def clip_runs(records, config, types: list[str]) -> dict[str, tuple[RunFrames, TrainingRun]]:
    """QA clips as training runs (each clip file at its own rate, up to ``config.fps``)."""
    out = {}
    for r in records:
        frames = decode_frames(r.video, config.width, config.height, fps=config.fps)
        out[str(r.video)] = (frames, _training_run(frames, event_table(r.events), types, config.label_radius))
    return out


def train_pathway(train: list[TrainingRun], val: list[TrainingRun], types: list[str], config, seed: int = 0,
                  log=None) -> FastPathway:
    """Train the event network with onset and active heads on ``train``; tune its detector on ``val`` (``train``
    when empty). ``config``: :class:`shinobi_tools.models.vlm.config.FastConfig`."""
    torch.manual_seed(seed)
    net = EventNet(len(types), config.channels, config.feature_dim, config.temporal_dim, config.dilations,
                   config.dropout, active=True)
    sampler = WindowSampler(train, len(types), config.window, config.batch_size, config.event_window_share, seed)
    weights = positive_weights([r.targets for r in train], config.max_pos_weight)
    column_weight = torch.cat([torch.ones(len(types)), torch.full((len(types),), config.active_weight)])
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    began = time.perf_counter()
    warm = min(20, max(1, config.steps // 10))
    for step in range(config.steps):
        progress = max(0.0, (step - warm) / max(1, config.steps - warm))
        lr = config.lr * ((step + 1) / (warm + 1) if step < warm else 0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * progress)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        net.train()
        x, y = sampler.batch()
        _, logits = net(x)
        loss = (nn.functional.binary_cross_entropy_with_logits(logits, y, pos_weight=weights, reduction="none")
                .mean(dim=(0, 1)) * column_weight).sum() / len(types)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        if log and ((step + 1) % 50 == 0 or step + 1 == config.steps):
            log(f"fast pathway step {step + 1}/{config.steps} loss {loss.item():.4f} "
                f"{time.perf_counter() - began:.1f} s")
    net.eval()
    events = pd.concat([r.events for r in train])
    descriptions = {kind: str(rows.value_counts().index[0]) for kind, rows in
                    events.dropna(subset=["description"]).groupby("trial_type")["description"]}
    detector = Detector(list(types), median_durations(events, types))
    tuning = val or train
    series = [(torch.sigmoid(run_outputs(net, r.frames, 512)[1]).numpy(), np.arange(len(r.frames)) / r.sampled_fps,
               r.sampled_fps)
              for r in tuning]
    detector.tune(series, [r.events for r in tuning], config.tolerance)
    pathway = FastPathway(net, detector, config.fps, config.width, config.height, descriptions,
                          config.tokens_per_step, token_span=config.token_span)
    pathway.meta = {"train_seconds": round(time.perf_counter() - began, 1), "validation": detector.validation}
    return pathway


def prepare_pathway(config, train_records, val_records, types: list[str], out: Path,
                    accelerator) -> tuple[FastPathway, dict[str, FastRun]]:
    """The run's fast pathway: trained once by the main process and saved as ``<output_dir>/fast_pathway.pt``
    (reused on resume when its types match), loaded by the others. Returns it and the runs it already went
    through (video path → FastRun; their QA clips' tokens come from them)."""
    f = config.fast
    existing = load_fast(out)
    runs: dict[str, FastRun] = {}
    if accelerator.is_main_process and (existing is None or existing.types != types):
        began = time.perf_counter()
        whole = bool(f.splits and f.video_dir and f.events_dir)
        train = whole_runs(f, "train", types) if whole else clip_runs(train_records, f, types)
        val = whole_runs(f, "val", types) if whole else clip_runs(val_records, f, types)
        _log(f"fast pathway: {len(train)} training / {len(val)} validation {'runs' if whole else 'clips'} decoded "
             f"in {time.perf_counter() - began:.1f} s")
        pathway = train_pathway([r for _, r in train.values()], [r for _, r in val.values()], types, f,
                                config.train.seed, _log)
        pathway.meta["total_seconds"] = round(time.perf_counter() - began, 1)
        _log(f"fast pathway: {pathway.meta}")
        pathway.save(out)
        if whole:  # the clips' tokens come from their runs: computed here once
            runs = {video: pathway.run_frames(frames) for video, (frames, _) in {**train, **val}.items()}
    accelerator.wait_for_everyone()
    pathway = load_fast(out)
    pathway.token_span = f.token_span
    return pathway, runs


def _log(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass
class FastTraining:
    """What the fine-tuning loop needs of the fast pathway: the pathway, and when the text reads fast tokens the
    ``<fast>`` id, the projector (trained with the LoRA), the injection hook and the clips' token source."""

    pathway: FastPathway
    token_id: int | None = None
    projector: FastProjector | None = None
    injector: FastInjector | None = None
    #: ClipDataset's ``fast`` argument: (token id, tokens per step, source).
    clips: tuple | None = None

    def inject(self, examples, device) -> None:
        """Before a forward pass: the projected fast features of these examples take the placeholders' place."""
        if self.injector is not None:
            rows = [e.encoded.fast for e in examples if e.encoded.fast is not None]
            self.injector.set(self.projector(torch.cat(rows).to(device)) if rows else None)

    def close(self) -> None:
        if self.injector is not None:
            self.injector.remove()


def fast_training(config, vlm, base, token_id: int | None, feature_size: int, train_records, val_records,
                  types: list[str], out: Path, accelerator) -> FastTraining:
    """The fast pathway of a fine-tuning run (:func:`prepare_pathway`) and, with ``token_id`` (the ``<fast>``
    placeholder, added before the model was prepared), a fresh projector into ``feature_size`` and the injection
    hook on ``base`` (the unwrapped model)."""
    pathway, runs = prepare_pathway(config, train_records, val_records, types, out, accelerator)
    if token_id is None:
        return FastTraining(pathway)
    f = config.fast
    names = type_name_embeddings(vlm, types) if f.name_embeddings else None
    projector = FastProjector(pathway.feature_size, feature_size, names, pathway.net.hidden_size)
    source = ClipSource(pathway, f.video_dir, runs)
    return FastTraining(pathway, token_id, projector, FastInjector(base, token_id),
                        (token_id, f.tokens_per_step, source))
