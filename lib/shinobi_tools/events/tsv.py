"""The events TSV (BIDS ``events.tsv``): the one reader and the one writer of every stage and model, and the
per-run counts gathered from many of them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.files import atomic_output, read_tsv
from shinobi_tools.naming import run_of

#: Decimals of onset and duration in written files (1 ms).
TIME_DECIMALS = 3


def read_events_tsv(path: str | Path) -> pd.DataFrame:
    """An events TSV (``n/a`` → missing); a file that is not one is an :class:`InputError`."""
    table = read_tsv(path, ("onset", "trial_type"), "an events TSV (<run>_events.tsv)", na_values="n/a",
                     keep_default_na=False)
    for column in ("onset", "duration"):
        if column in table.columns and table.empty:  # a header alone (a model that found nothing): no values
            table[column] = table[column].astype(float)
        elif column in table.columns and not pd.api.types.is_numeric_dtype(table[column]):
            raise InputError(f"{path}: column {column} holds non-numbers; give an events TSV with times in seconds")
    return table


def read_counts(path: str | Path) -> pd.DataFrame:
    """The event counts table of :func:`event_counts` (``run`` + one column per type)."""
    return read_tsv(path, ("run",), "an event counts table (event_counts.tsv)")


def write_events_tsv(events: pd.DataFrame, path: str | Path) -> Path:
    """BIDS events TSV: tab-separated, ``n/a`` for missing values, onset/duration rounded to 1 ms (numpy's rounding,
    as CNeuroMod's), ``\n`` line ends: the columns in the table's order."""
    table = events.copy()
    for column in ("onset", "duration"):
        if column in table.columns:
            table[column] = table[column].astype(float).round(TIME_DECIMALS)
    with atomic_output(path) as partial:
        table.to_csv(partial, sep="\t", index=False, na_rep="n/a", lineterminator="\n")
    return Path(path)


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
