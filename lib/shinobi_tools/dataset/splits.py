"""Train / validation / test splits by run, so no run's frames appear in two splits."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from shinobi_tools.errors import ConfigError, InputError
from shinobi_tools.files import read_tsv
from shinobi_tools.naming import RunName, parse_run_name
from shinobi_tools.settings import read_yaml_mapping

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

    ``by`` groups runs (``run``, ``subject`` or ``session``) so a whole group lands in one split.
    Each group's split comes from a seeded hash of its name cut by ``fractions``, so adding runs
    leaves the others where they were; every split with a positive fraction gets at least one group
    when there are enough. ``by="explicit"`` takes ``explicit``:
    split name → list of run stems; runs not listed go to train.
    """
    if not runs:
        raise InputError("no runs to split; check the dataset folder")
    stems = [run.stem for run in runs]
    if by == "explicit":
        return _explicit_splits(stems, explicit or {})
    if by not in _GROUP_OF:
        raise InputError(f"unknown split grouping {by!r}; use run, subject, session or explicit")
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-6:
        raise InputError(f"split fractions {list(fractions)} must be three non-negative shares (train, val, test) "
                         "that sum to 1")
    shares = np.cumsum(np.asarray(fractions, dtype=float))
    position = {group: _unit_hash(f"{seed}:{group}") for group in {_GROUP_OF[by](run) for run in runs}}
    split_of_group = {g: SPLITS[int(np.searchsorted(shares, u, side="right"))] for g, u in position.items()}
    _fill_empty_splits(split_of_group, position, shares, fractions)
    table = pd.DataFrame({"run": stems, "split": [split_of_group[_GROUP_OF[by](run)] for run in runs]})
    return table.sort_values("run").reset_index(drop=True)


def sample_runs(runs: list[str], count: int, seed: int = 0) -> list[str]:
    """``count`` of ``runs`` in a seeded hash order (a stable sample: adding runs keeps the earlier picks unless a
    new run hashes before them), sorted by name."""
    return sorted(sorted(runs, key=lambda run: _unit_hash(f"sample:{seed}:{run}"))[:count])


def _unit_hash(text: str) -> float:
    """A stable position in [0, 1) for a group: adding runs never moves the others."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / 16**12


def _fill_empty_splits(split_of_group: dict, position: dict, shares: np.ndarray, fractions) -> None:
    """Give each split with a positive fraction at least one group, taken from a split with several
    (test before validation: evaluation needs unseen runs more than early stopping does)."""
    for index, split in ((0, "train"), (2, "test"), (1, "val")):
        if fractions[index] <= 0 or split in split_of_group.values():
            continue
        sizes = pd.Series(list(split_of_group.values())).value_counts()
        donors = [g for g, s in split_of_group.items() if sizes[s] > 1]
        if not donors:
            return
        low = shares[index - 1] if index else 0.0
        centre = (low + shares[index]) / 2
        split_of_group[min(donors, key=lambda g: abs(position[g] - centre))] = split


def read_explicit_splits(path: str | Path | None) -> dict[str, list[str]] | None:
    """The YAML of explicit split lists (split name → run names), or None without a path."""
    if not path:
        return None
    lists = read_yaml_mapping(path)
    if not all(isinstance(v, list) or v is None for v in lists.values()):
        raise ConfigError(f"{path}: expected a mapping of train/val/test to lists of run names")
    return {str(k): [str(run) for run in v or []] for k, v in lists.items()}


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


def read_splits_table(path: str | Path) -> pd.DataFrame:
    """A splits table (``run``, ``split``) whose splits are train, val or test."""
    table = read_tsv(path, ("run", "split"), "a splits table (run, split)")
    wrong = sorted(set(table["split"].astype(str)) - set(SPLITS))
    if wrong:
        raise InputError(f"{path}: unknown split(s) {', '.join(wrong)}; use train, val, test")
    return table


def runs_from_splits(splits_tsv: str | Path, video_dir: str | Path, events_dir: str | Path,
                     split: str) -> list[tuple[Path, Path]]:
    """``(<run>.mp4, <run>_events.tsv)`` for each run of one split, sorted: found in ``video_dir`` /
    ``events_dir`` themselves or in their ``sub-XX/ses-YYY`` session folders (the workflow's layout)."""
    table = read_splits_table(splits_tsv)
    return [(run_path(video_dir, run, ".mp4"), run_path(events_dir, run, "_events.tsv"))
            for run in sorted(table.loc[table["split"] == split, "run"])]


def run_path(folder: str | Path, run: str, suffix: str) -> Path:
    """``<run><suffix>`` in ``folder`` itself or in its ``sub-XX/ses-YYY`` session folder (the workflow's layout);
    an :class:`InputError` when neither exists."""
    name, session = f"{run}{suffix}", parse_run_name(run).session_folder
    found = [p for p in (Path(folder) / name, Path(folder) / session / name) if p.exists()]
    if not found:
        raise InputError(f"{Path(folder) / session / name} is missing; run the replay and events stages first")
    return found[0]
