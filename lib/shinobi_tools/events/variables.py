"""CNeuroMod's per-frame variables files (``*_variables.json[.gz]``: one list per RAM variable and button) as
per-frame tables of the same shape as our replay's states table, and one reader for either kind of file.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.games import platforms
from shinobi_tools.replay.states import read_states

#: Frame rate CNeuroMod's variables files and annotations assume.
CNEUROMOD_FPS = 60.0


def read_variables_json(path: str | Path, fps: float = CNEUROMOD_FPS) -> pd.DataFrame:
    """A CNeuroMod ``*_variables.json[.gz]`` (one list per RAM variable and button) as a per-frame table.

    Buttons come first (bool; any platform's button names, in the Genesis order then the other platforms'), then
    every numeric per-frame list; ``time`` is ``frame / fps`` (CNeuroMod's files assume 60 fps).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt") as handle:
            raw = json.load(handle)
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the variables file ({error})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: a variables file must hold one JSON object of per-frame lists")
    series = {key: value for key, value in raw.items() if isinstance(value, list) and key != "actions"}
    lengths = {key: len(value) for key, value in series.items()}
    if not lengths:
        raise InputError(f"{path}: no per-frame lists found")
    n = max(set(lengths.values()), key=list(lengths.values()).count)
    wrong = sorted(key for key, length in lengths.items() if length != n)
    if wrong:
        raise InputError(f"{path}: variables of the wrong length (expected {n} frames): "
                         + ", ".join(f"{key} ({lengths[key]})" for key in wrong))
    table = pd.DataFrame({"frame": np.arange(n, dtype=np.int64), "time": np.arange(n) / fps})
    for name in _button_names():
        if name in series:
            table[name] = np.asarray(series.pop(name), dtype=bool)
    for name, values in series.items():
        array = np.asarray(values)
        if array.dtype.kind in "iub":
            table[name] = array.astype(np.int64)
    return table


def _button_names() -> list[str]:
    """Every button name of stable-retro's platforms: the Genesis pad's first, in its order."""
    names = list(platforms.named_buttons("Genesis"))
    for system in platforms.systems():
        names += [b for b in platforms.named_buttons(system) if b not in names]
    return names


def read_frames(path: str | Path) -> pd.DataFrame:
    """Read a states parquet or a CNeuroMod variables JSON, chosen by the file's extension."""
    name = Path(path).name
    if name.endswith(".parquet"):
        return read_states(path)
    if name.endswith((".json", ".json.gz")):
        return read_variables_json(path)
    raise InputError(f"{path}: expected a *_states.parquet or a *_variables.json[.gz] file")
