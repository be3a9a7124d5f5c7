"""Evaluation across runs: predictions of each model against the emulator-derived events of the test runs.

Only :func:`~shinobi_tools.events.vocabulary.targets` are predicted and scored: never the ``gym-retro_game`` row
(the repetition itself), nor the types in ``exclude`` (a game's invisible inputs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.evaluation.baselines import event_rates, periodic_events, prior_events
from shinobi_tools.evaluation.metrics import ALL, DEFAULT_TOLERANCES, MACRO, SALIENT, evaluate
from shinobi_tools.events.tsv import read_events_tsv, write_events_tsv
from shinobi_tools.events.vocabulary import targets
from shinobi_tools.files import atomic_output, read_tsv
from shinobi_tools.naming import run_of

METRIC_COLUMNS = ["model", "event_type", "tolerance", "precision", "recall", "f1", "n_true", "n_pred", "tp",
                  "onset_mae", "iou", "offset_mae"]


def read_runs(paths: list[str | Path]) -> pd.DataFrame:
    """Events of several runs in one table with a ``run`` column."""
    frames = [read_events_tsv(path).assign(run=run_of(path)) for path in paths]
    if not frames:
        return pd.DataFrame(columns=["onset", "duration", "trial_type", "run"])
    return pd.concat(frames, ignore_index=True)


def run_seconds(summary: str | Path) -> float:
    return float(json.loads(Path(summary).read_text())["duration"])


def write_baselines(train_events: list[Path], train_summaries: list[Path], test_summaries: list[Path],
                    out_dir: str | Path, seed: int = 0, exclude: tuple[str, ...] = ()) -> list[Path]:
    """Prior and periodic predictions for each test run: ``out_dir/{prior,periodic}/<run>_events.tsv``."""
    rates = event_rates(targets(read_runs(train_events), exclude), sum(run_seconds(p) for p in train_summaries))
    written = []
    for index, summary in enumerate(sorted(test_summaries)):
        seconds, run = run_seconds(summary), run_of(summary)
        for model, events in (("prior", prior_events(rates, seconds, seed + index)),
                              ("periodic", periodic_events(rates, seconds))):
            written.append(write_events_tsv(events, Path(out_dir) / model / f"{run}_events.tsv"))
    return written


def evaluate_pairs(truth: list[Path], pred: list[Path], tolerances=DEFAULT_TOLERANCES,
                   salient: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """Evaluate predictions given in the same order as the true files (matching stays within each pair)."""
    if len(truth) != len(pred):
        raise InputError(f"{len(truth)} truth files but {len(pred)} prediction files; give one prediction per truth")
    true_events = pd.concat([read_runs([t]).assign(run=i) for i, t in enumerate(truth)], ignore_index=True)
    predicted = pd.concat([read_runs([p]).assign(run=i) for i, p in enumerate(pred)], ignore_index=True)
    return evaluate(true_events, predicted, tolerances, salient, exclude)


def metrics_table(truth: list[Path], predictions: dict[str, list[Path]], tolerances=DEFAULT_TOLERANCES,
                  salient: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """The headline table: one block of :func:`shinobi_tools.metrics.evaluate` rows per model."""
    true_events = read_runs(truth)
    test_runs = set(true_events["run"]) | {run_of(p) for p in truth}
    blocks = []
    for model, paths in predictions.items():
        missing = test_runs - {run_of(p) for p in paths}
        if missing:
            raise InputError(f"model {model} has no predictions for run(s) {', '.join(sorted(missing))}")
        result = evaluate(true_events, read_runs(paths), tolerances, salient, exclude)
        blocks.append(result.assign(model=model))
    table = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=METRIC_COLUMNS)
    return table[METRIC_COLUMNS]


def write_metrics(table: pd.DataFrame, path: str | Path) -> Path:
    with atomic_output(path) as partial:
        table.to_csv(partial, sep="\t", index=False, float_format="%.4f")
    return Path(path)


def read_metrics(path: str | Path) -> pd.DataFrame:
    """A results table written by :func:`write_metrics`."""
    return read_tsv(path, ("model", "event_type", "tolerance", "f1"), "a results table (metrics.tsv)")


def headline(table: pd.DataFrame, tolerance: float = 0.5) -> pd.DataFrame:
    """The SALIENT and ALL rows at one tolerance: model, event_type, precision, recall, F1."""
    rows = table[(table["event_type"].isin([SALIENT, ALL])) & (table["tolerance"] == tolerance)]
    return rows[["model", "event_type", "precision", "recall", "f1"]]


def wide_f1(table: pd.DataFrame, tolerance: float = 0.5) -> pd.DataFrame:
    """F1 at one tolerance, one row per model, one column per event type (SALIENT, ALL, MACRO first)."""
    at = table[table["tolerance"] == tolerance]
    if at.empty:
        known = ", ".join(f"{t:g}" for t in sorted(table["tolerance"].unique()))
        raise InputError(f"no results at tolerance {tolerance:g} s; the table has {known}")
    wide = at.pivot_table(index="model", columns="event_type", values="f1", aggfunc="first", sort=False)
    first = [c for c in (SALIENT, ALL, MACRO) if c in wide.columns]
    return wide[first + sorted(c for c in wide.columns if c not in first)]
