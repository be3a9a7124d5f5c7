"""Train / validation / test splits by run, so no run's frames appear in two splits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.naming import RunName

SPLITS = ("train", "val", "test")
_GROUP_OF = {
    "run": lambda run: run.stem,
    "subject": lambda run: run.subject,
    "session": lambda run: f"{run.subject}/{run.session}",
}


def assign_splits(
    runs: list[RunName],
    by: str = "run",
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    seed: int = 0,
    explicit: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """A table with columns ``run`` (stem) and ``split`` (train/val/test).

    ``by`` groups runs (``run``, ``subject`` or ``session``) so a whole group lands in one split;
    groups are shuffled with ``seed`` and cut by ``fractions`` (every split with a positive fraction
    gets at least one group when there are enough). ``by="explicit"`` takes ``explicit``:
    split name → list of run stems; runs not listed go to train.
    """
    if not runs:
        raise InputError("no runs to split; check the dataset folder")
    stems = [run.stem for run in runs]
    if by == "explicit":
        return _explicit_splits(stems, explicit or {})
    if by not in _GROUP_OF:
        raise InputError(f"unknown split grouping {by!r}; use run, subject, session or explicit")
    if len(fractions) != 3 or min(fractions) < 0 or sum(fractions) <= 0:
        raise InputError(f"split fractions {fractions} must be three non-negative numbers (train, val, test)")
    groups = sorted({_GROUP_OF[by](run) for run in runs})
    order = np.random.default_rng(seed).permutation(len(groups))
    counts = _group_counts(len(groups), np.asarray(fractions, dtype=float) / sum(fractions))
    split_of_group = {}
    position = 0
    for split, count in zip(SPLITS, counts):
        for index in order[position:position + count]:
            split_of_group[groups[index]] = split
        position += count
    table = pd.DataFrame({"run": stems, "split": [split_of_group[_GROUP_OF[by](run)] for run in runs]})
    return table.sort_values("run").reset_index(drop=True)


def _group_counts(n: int, fractions: np.ndarray) -> list[int]:
    """Groups per split: rounded shares, at least one for each positive share while groups last."""
    counts = np.floor(fractions * n).astype(int)
    wanted = [i for i in range(3) if fractions[i] > 0]
    for i in wanted:
        if counts[i] == 0 and counts.sum() < n:
            counts[i] = 1
    while counts.sum() < n:  # leftovers go to the largest unmet share, test first on ties
        unmet = (fractions * n - counts)[::-1]
        counts[2 - int(np.argmax(unmet))] += 1
    while counts.sum() > n:
        counts[int(np.argmax(counts))] -= 1
    return counts.tolist()


def _explicit_splits(stems: list[str], explicit: dict[str, list[str]]) -> pd.DataFrame:
    unknown = set(explicit) - set(SPLITS)
    if unknown:
        raise InputError(f"unknown split names {sorted(unknown)} in the explicit split lists; use train, val, test")
    split_of = {}
    for split, members in explicit.items():
        for stem in members:
            if stem in split_of:
                raise InputError(f"run {stem} is listed in two splits ({split_of[stem]} and {split})")
            split_of[stem] = split
    missing = sorted(set(split_of) - set(stems))
    if missing:
        raise InputError(f"runs listed in the explicit splits are not in the dataset: {', '.join(missing)}")
    table = pd.DataFrame({"run": stems, "split": [split_of.get(s, "train") for s in stems]})
    return table.sort_values("run").reset_index(drop=True)
