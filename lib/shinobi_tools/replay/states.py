"""The per-frame states table of a run: one row per emulated frame, ``frame``, ``time`` (s), one bool column per
button and one int column per RAM variable; built by the replay, read by every later stage, and queried
(:func:`find_frame`: the first frame whose variables meet a condition, without executing anything).

Frame convention: a bk2's first input row is the reset frame (the frame ``reset()`` emulates; nothing is pressed
and stable-retro gives no ``info`` for it); it is not a row of the table. Row ``k`` (``frame == k``, ``time == k /
fps``) is the frame that input row ``k + 1`` emulates: its buttons, and its variables as stable-retro's ``info``
after its ``(k + 1)``-th ``step``. The run's mp4 holds one video frame per row, so a bk2 of ``n`` input rows gives
``n - 1`` rows and ``n - 1`` video frames (:attr:`shinobi_tools.replay.bk2.Bk2.n_frames`).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from shinobi_tools.errors import InputError

_OPERATORS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
              ">": operator.gt, "<": operator.lt}
_CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<)\s*(\S.*?)\s*$")


@dataclass(frozen=True)
class FrameMatch:
    """The first frame of a states table meeting a condition."""

    frame: int
    time: float
    condition: str


def build_states(buttons: tuple[str, ...], inputs: np.ndarray, variable_names: list[str], values: list[list[int]],
                 fps: float) -> pd.DataFrame:
    """The per-frame table: ``frame``, ``time`` (s), one bool column per button, one column per RAM variable."""
    n = len(values)
    table = pd.DataFrame({"frame": np.arange(n, dtype=np.int64), "time": np.arange(n) / fps})
    for j, name in enumerate(buttons):
        table[name] = np.asarray(inputs[:n, j], dtype=bool)
    matrix = np.asarray(values, dtype=np.int64).reshape(n, len(variable_names))
    for j, name in enumerate(variable_names):
        table[name] = matrix[:, j]
    return table


def read_states(path: str | Path) -> pd.DataFrame:
    """Our replay's per-frame table (``*_states.parquet``)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        table = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for a bad file
        raise InputError(f"{path}: cannot read the states table ({error})") from None
    for column in ("frame", "time"):
        if column not in table.columns:
            raise InputError(f"{path}: not a states table, column `{column}` is missing")
    if not np.array_equal(table["frame"].to_numpy(), np.arange(len(table))):
        raise InputError(f"{path}: the `frame` column is not 0, 1, 2, ... in order; re-run the replay that wrote it")
    if len(table) and not np.all(np.diff(table["time"].to_numpy()) > 0):
        raise InputError(f"{path}: the `time` column does not increase; re-run the replay that wrote it")
    return table


def frame_rate(table: pd.DataFrame) -> float:
    """The frame rate of a per-frame table, from its ``time`` column (``time = frame / fps``)."""
    if len(table) < 2 or "time" not in table.columns:
        raise InputError("cannot infer the frame rate: the table needs a `time` column and 2 frames; pass fps")
    last = len(table) - 1
    # Rounded: frame / (frame / fps) is not exactly fps in floating point (59.922743, 60.0 ...).
    return round(float(table["frame"].iloc[last] / table["time"].iloc[last]), 6)


def parse_conditions(expression: str) -> list[tuple[str, str, float | bool]]:
    """``'a>=3 & b==True'`` → ``[('a', '>=', 3.0), ('b', '==', True)]``."""
    conditions = []
    for part in expression.split("&"):
        match = _CONDITION.match(part)
        if not match:
            raise InputError(f"condition {part.strip()!r} is not VARIABLE OP VALUE (ops: >= <= > < == !=; "
                             "join several with &), e.g. 'X_screen_total>=4550'")
        name, op, text = match.groups()
        if text.lower() in ("true", "false"):
            value: float | bool = text.lower() == "true"
        else:
            try:
                value = float(text)
            except ValueError:
                raise InputError(f"condition {part.strip()!r}: {text!r} is not a number or true/false") from None
        conditions.append((name, op, value))
    return conditions


def find_frame(states: pd.DataFrame, expression: str, source: str = "states table") -> FrameMatch | None:
    """The first row of ``states`` meeting every condition of ``expression``, or None."""
    conditions = parse_conditions(expression)
    unknown = [name for name, _, _ in conditions if name not in states.columns]
    if unknown:
        raise InputError(f"{source}: no variable {', '.join(map(repr, unknown))}; "
                         f"available: {', '.join(map(str, states.columns))}")
    mask = np.ones(len(states), dtype=bool)
    for name, op, value in conditions:
        mask &= _OPERATORS[op](states[name].to_numpy(), value)
    hits = np.flatnonzero(mask)
    if not len(hits):
        return None
    row = states.iloc[hits[0]]
    frame = int(row["frame"]) if "frame" in states.columns else int(hits[0])
    time = float(row["time"]) if "time" in states.columns else float("nan")
    return FrameMatch(frame, time, expression)


def find_frame_in_file(states_path: str | Path, expression: str) -> FrameMatch | None:
    """:func:`find_frame` on a ``*_states.parquet`` file."""
    return find_frame(read_states(states_path), expression, source=str(states_path))
