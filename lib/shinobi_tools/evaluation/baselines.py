"""Non-learned baselines at the training set's event rates: random times (prior) and a regular grid (periodic)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def event_rates(train_events: pd.DataFrame, train_seconds: float) -> pd.DataFrame:
    """Per type: ``rate`` (events per second of training video) and the median ``duration``."""
    if train_seconds <= 0:
        raise ValueError("the training runs have no duration")
    grouped = train_events.groupby("trial_type")
    table = pd.DataFrame({"rate": grouped.size() / train_seconds, "duration": grouped["duration"].median()})
    return table.fillna({"duration": 0.0})


def prior_events(rates: pd.DataFrame, seconds: float, seed: int = 0) -> pd.DataFrame:
    """Events of each type drawn uniformly over ``seconds`` with a Poisson count at the training rate."""
    rng = np.random.default_rng(seed)
    rows = []
    for trial_type, row in rates.iterrows():
        for onset in np.sort(rng.uniform(0, seconds, rng.poisson(row.rate * seconds))):
            rows.append((float(onset), float(row.duration), trial_type))
    return _table(rows)


def periodic_events(rates: pd.DataFrame, seconds: float) -> pd.DataFrame:
    """Events of each type on a regular grid whose period is the inverse of the training rate."""
    rows = []
    for trial_type, row in rates.iterrows():
        if row.rate <= 0:
            continue
        period = 1.0 / row.rate
        for onset in np.arange(period / 2, seconds, period):
            rows.append((float(onset), float(row.duration), trial_type))
    return _table(rows)


def _table(rows: list[tuple]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["onset", "duration", "trial_type"])
    table["description"] = "Baseline guess: " + table["trial_type"].astype(str) + "."
    return table.sort_values(["onset", "trial_type"]).reset_index(drop=True)
