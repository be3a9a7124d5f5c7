"""Figures of the report: per-type F1 bars, event timelines, training curves, dataset statistics."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt  # headless machines fall back to Agg; notebooks keep their inline backend
import pandas as pd

from shinobi_tools.evaluation.metrics import ALL, MACRO, SALIENT
from shinobi_tools.events.vocabulary import NOT_EVENTS, targets

_SUMMARY_ROWS = (SALIENT, ALL, MACRO)


def _save(figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def f1_bars(metrics: pd.DataFrame, path: str | Path, tolerance: float = 0.5) -> Path:
    """Grouped bars: F1 of each model per event type (+ the SALIENT/ALL/MACRO averages) at one tolerance."""
    table = metrics[metrics["tolerance"] == tolerance]
    wide = table.pivot_table(index="event_type", columns="model", values="f1", aggfunc="first")
    order = [t for t in _SUMMARY_ROWS if t in wide.index] + sorted(t for t in wide.index if t not in _SUMMARY_ROWS)
    wide = wide.loc[order, [m for m in table["model"].unique()]]
    figure, axis = plt.subplots(figsize=(max(6, 0.9 * len(order) + 2), 4))
    wide.plot.bar(ax=axis, width=0.8)
    axis.set_ylim(0, 1)
    axis.set_ylabel(f"F1 at ±{tolerance:g} s")
    axis.set_xlabel("")
    axis.legend(title="model", fontsize="small")
    axis.grid(axis="y", alpha=0.3)
    return _save(figure, path)


def timeline(truth: pd.DataFrame, predictions: dict[str, pd.DataFrame], path: str | Path, title: str = "",
             types: list[str] | None = None, exclude: tuple[str, ...] = ()) -> Path:
    """One row per event type; true events on top of each row, each model's below, as ticks or spans.

    Shows what is evaluated: never the ``gym-retro_game`` row, nor the ``exclude`` types (a game's invisible ones).
    """
    truth = targets(truth, exclude)
    predictions = {name: targets(events, exclude) for name, events in predictions.items()}
    types = types or sorted(set(truth["trial_type"]).union(*(set(p["trial_type"]) for p in predictions.values())))
    sources = [("truth", truth)] + list(predictions.items())
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    end = max([truth["onset"].max() if len(truth) else 0] + [p["onset"].max() for p in predictions.values() if len(p)])
    figure, axis = plt.subplots(figsize=(12, 0.5 + 0.35 * len(types) * len(sources)))
    labels, y = [], 0.0
    for trial_type in types:
        for k, (name, events) in enumerate(sources):
            rows = events[events["trial_type"] == trial_type]
            durations = rows["duration"].clip(lower=end / 600) if "duration" in rows else end / 600
            axis.broken_barh(list(zip(rows["onset"], durations if hasattr(durations, "__iter__") else
                                      [durations] * len(rows))), (y, 0.8), color=colors[k % len(colors)])
            labels.append((y + 0.4, f"{trial_type} · {name}"))
            y += 1
        y += 0.5
    axis.set_yticks([p for p, _ in labels], [label for _, label in labels], fontsize="small")
    axis.invert_yaxis()
    axis.set_xlabel("time (s)")
    axis.set_xlim(0, end * 1.01 + 0.1)
    axis.set_title(title, fontsize="small")
    axis.grid(axis="x", alpha=0.3)
    return _save(figure, path)


def training_curves(curves: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Loss (and validation loss where present) against step, one line per model; a model logging its
    language-model and auxiliary losses apart (the video LLM) gets one line each."""
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, table in curves.items():
        if {"lm_loss", "aux_loss"} <= set(table):
            language = table[table["lm_loss"].notna()]
            axis.plot(language["step"], language["lm_loss"], label=f"{name} train (language model)")
            axis.plot(table["step"], table["aux_loss"], alpha=0.7, label=f"{name} train (per-frame events)")
        elif "loss" in table:
            axis.plot(table["step"], table["loss"], label=f"{name} train")
        if "val_loss" in table and table["val_loss"].notna().any():
            valid = table[table["val_loss"].notna()]
            axis.plot(valid["step"], valid["val_loss"], "o--", label=f"{name} validation")
    axis.set_xlabel("step")
    axis.set_ylabel("loss")
    axis.legend(fontsize="small")
    axis.grid(alpha=0.3)
    return _save(figure, path)


def split_statistics(statistics: pd.DataFrame, path: str | Path) -> Path:
    """Events per type in each split (stacked by split); the ``gym-retro_game`` rows are the ``runs`` column."""
    types = [c for c in statistics.columns if c not in ("split", "runs", "clips", *NOT_EVENTS)]
    figure, axis = plt.subplots(figsize=(7, 4))
    statistics.set_index("split")[types].T.plot.bar(ax=axis, stacked=True)
    axis.set_ylabel("events")
    axis.set_yscale("log")
    axis.grid(axis="y", alpha=0.3)
    return _save(figure, path)
