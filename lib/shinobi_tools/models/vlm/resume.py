"""What a resumed fine-tuning may change: the saved configuration of the run is the truth of its provenance.

A run resumes from its latest checkpoint when the command is repeated (after a time-out, a kill, Ctrl-C). Settings
that only say where and how often things are written may change then; anything that alters the training itself
(learning rates, batch, model, data, frames, steps) is refused in one line naming the keys, unless the command
allows those keys explicitly (``--allow-change KEY``), and then each allowed change is recorded in
``resume_changes.tsv`` beside ``config.yaml`` (step, key, old value, new value).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from shinobi_tools.errors import ConfigError
from shinobi_tools.files import atomic_output

#: Keys a resume may change freely: outputs, logging cadence and machine settings, not the training.
FREE_KEYS = frozenset({
    "train.output_dir", "train.checkpoint_every", "train.keep_checkpoints", "train.log_every", "train.cpu_threads",
    "train.eval_every", "train.eval_batches", "frames.cache_mb",
})
CHANGES_FILE = "resume_changes.tsv"


def _flat(values: dict, prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and prefix == "":
            flat.update(_flat(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def changed_keys(saved: dict, current: dict) -> dict[str, tuple[Any, Any]]:
    """Dotted key → (saved value, current value) for every setting that differs (free keys aside)."""
    old, new = _flat(saved), _flat(current)
    return {key: (old.get(key), new.get(key)) for key in sorted(set(old) | set(new))
            if key not in FREE_KEYS and old.get(key) != new.get(key)}


def check_resume(saved_path: Path, current: dict, step: int, allowed: tuple[str, ...] = (), record: bool = True) -> None:
    """Refuse a resume whose configuration differs from the saved one in keys not ``allowed``; record the allowed
    changes (``record``: this process writes). ``current`` is the resolved configuration as a nested mapping."""
    if not saved_path.exists():
        return
    saved = yaml.safe_load(saved_path.read_text()) or {}
    changes = changed_keys(saved, current)
    refused = [key for key in changes if key not in allowed]
    if refused:
        shown = ", ".join(f"{key} ({changes[key][0]!r} → {changes[key][1]!r})" for key in refused)
        raise ConfigError(f"{saved_path}: resuming at step {step} with changed settings {shown}; restore them, start "
                          f"a new train.output_dir, or allow each with --allow-change KEY (it is recorded)")
    if changes and record:
        path = saved_path.parent / CHANGES_FILE
        rows = (list(csv.reader(path.open(), delimiter="\t")) if path.exists()
                else [["step", "key", "old", "new"]])
        rows += [[step, key, repr(old), repr(new)] for key, (old, new) in changes.items()]
        with atomic_output(path) as partial, partial.open("w", newline="") as handle:
            csv.writer(handle, delimiter="\t").writerows(rows)
