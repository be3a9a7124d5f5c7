"""Dataset-level tables gathered from per-run outputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def run_of(path: str | Path) -> str:
    """The run name of a per-run file (``<run>_events.tsv``, ``<run>_summary.json``)."""
    name = Path(path).name
    for suffix in ("_events.tsv", "_summary.json", ".tsv"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def read_events_tsv(path: str | Path) -> pd.DataFrame:
    """A BIDS events TSV as written by the events stage (``n/a`` → missing)."""
    return pd.read_csv(path, sep="\t", na_values="n/a", keep_default_na=False)


def event_counts(events_tsvs: list[str | Path]) -> pd.DataFrame:
    """Counts of each event type per run: one row per run (``run`` + one column per type), sorted."""
    rows = []
    for path in events_tsvs:
        counts = read_events_tsv(path)["trial_type"].value_counts()
        rows.append({"run": run_of(path), **counts.to_dict()})
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=["run"])
    types = sorted(c for c in table.columns if c != "run")
    table = table[["run", *types]].fillna(0)
    table[types] = table[types].astype(int)
    return table.sort_values("run").reset_index(drop=True)
