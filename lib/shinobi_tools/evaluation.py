"""Evaluation across runs: predictions of each model against the emulator-derived events of the test runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from shinobi_tools.baselines import event_rates, periodic_events, prior_events
from shinobi_tools.errors import InputError
from shinobi_tools.exports import write_events_tsv
from shinobi_tools.gather import read_events_tsv, run_of
from shinobi_tools.metrics import DEFAULT_TOLERANCES, evaluate

METRIC_COLUMNS = ["model", "event_type", "tolerance", "precision", "recall", "f1", "n_true", "n_pred", "tp",
                  "onset_mae", "iou"]


def read_runs(paths: list[str | Path]) -> pd.DataFrame:
    """Events of several runs in one table with a ``run`` column."""
    frames = []
    for path in paths:
        if not Path(path).exists():
            raise InputError(f"{path}: events file not found")
        frames.append(read_events_tsv(path).assign(run=run_of(path)))
    if not frames:
        return pd.DataFrame(columns=["onset", "duration", "trial_type", "run"])
    return pd.concat(frames, ignore_index=True)


def run_seconds(summary: str | Path) -> float:
    return float(json.loads(Path(summary).read_text())["duration"])


def write_baselines(train_events: list[Path], train_summaries: list[Path], test_summaries: list[Path],
                    out_dir: str | Path, seed: int = 0) -> list[Path]:
    """Prior and periodic predictions for each test run: ``out_dir/{prior,periodic}/<run>_events.tsv``."""
    rates = event_rates(read_runs(train_events), sum(run_seconds(p) for p in train_summaries))
    written = []
    for index, summary in enumerate(sorted(test_summaries)):
        seconds, run = run_seconds(summary), run_of(summary)
        for model, events in (("prior", prior_events(rates, seconds, seed + index)),
                              ("periodic", periodic_events(rates, seconds))):
            written.append(write_events_tsv(events, Path(out_dir) / model / f"{run}_events.tsv"))
    return written


def evaluate_pairs(truth: list[Path], pred: list[Path], tolerances=DEFAULT_TOLERANCES,
                   salient: tuple[str, ...] = ()) -> pd.DataFrame:
    """Evaluate predictions given in the same order as the true files (matching stays within each pair)."""
    if len(truth) != len(pred):
        raise InputError(f"{len(truth)} truth files but {len(pred)} prediction files; give one prediction per truth")
    true_events = pd.concat([read_runs([t]).assign(run=i) for i, t in enumerate(truth)], ignore_index=True)
    predicted = pd.concat([read_runs([p]).assign(run=i) for i, p in enumerate(pred)], ignore_index=True)
    return evaluate(true_events, predicted, tolerances, salient)


def metrics_table(truth: list[Path], predictions: dict[str, list[Path]], tolerances=DEFAULT_TOLERANCES,
                  salient: tuple[str, ...] = ()) -> pd.DataFrame:
    """The headline table: one block of :func:`shinobi_tools.metrics.evaluate` rows per model."""
    true_events = read_runs(truth)
    test_runs = set(true_events["run"]) | {run_of(p) for p in truth}
    blocks = []
    for model, paths in predictions.items():
        missing = test_runs - {run_of(p) for p in paths}
        if missing:
            raise InputError(f"model {model} has no predictions for run(s) {', '.join(sorted(missing))}")
        result = evaluate(true_events, read_runs(paths), tolerances, salient)
        blocks.append(result.assign(model=model))
    table = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=METRIC_COLUMNS)
    return table[METRIC_COLUMNS]
