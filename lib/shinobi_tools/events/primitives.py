"""Building blocks of event rules: press events, changes of a RAM variable, spans where it holds some values.

Each returns a table with ``trial_type``, ``frame_start``, ``frame_stop`` (exclusive; equal to ``frame_start``
for instantaneous events) and, where they apply, ``button``, ``value_before``, ``value_after`` and ``family``.
A change event sits on the first frame that shows the new value (CNeuroMod's 2023 generator put it on the frame
before: one frame earlier, the same counts). Game rules (:mod:`shinobi_tools.events.rules`) import only these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.replay.bk2 import press_events

_MOVEMENT_BUTTONS = {"LEFT", "RIGHT", "UP", "DOWN"}


def empty_events() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in ["trial_type", "frame_start", "frame_stop"]})


def button_events(table: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Press events (0→1 until release) of the buttons in ``names`` (button → trial_type), in the table's order."""
    buttons = [b for b in table.columns if b in names]
    presses = press_events(table[buttons].to_numpy(dtype=bool), buttons)
    return pd.DataFrame({
        "trial_type": presses["button"].map(dict(names)),
        "frame_start": presses["frame_start"],
        "frame_stop": presses["frame_stop"],
        "button": presses["button"],
        "family": np.where(presses["button"].isin(list(_MOVEMENT_BUTTONS)), "movement", "action"),
    })


def change_events(table: pd.DataFrame, variable: str, trial_type: str, when: str = "change",
                  steps: Iterable[int] | None = None, family: str = "state") -> pd.DataFrame:
    """Frames where ``variable`` changes (``increase``, ``decrease`` or any ``change``).

    ``steps`` keeps only changes by one of these amounts (``new - old``). One instantaneous event on
    the first frame with the new value, with ``value_before`` and ``value_after``.
    """
    values = table[variable].to_numpy(dtype=np.int64)
    delta = np.diff(values)
    if when == "increase":
        keep = delta > 0
    elif when == "decrease":
        keep = delta < 0
    elif when == "change":
        keep = delta != 0
    else:
        raise InputError(f"event rule for {variable!r}: `when` must be increase, decrease, change or enters, not {when!r}")
    if steps is not None:
        keep &= np.isin(delta, list(steps))
    index = np.flatnonzero(keep)
    frames = index + 1
    return pd.DataFrame({
        "trial_type": trial_type, "frame_start": frames, "frame_stop": frames,
        "value_before": values[index], "value_after": values[frames], "family": family,
    })


def enter_events(table: pd.DataFrame, variable: str, values: Iterable[int], trial_type: str,
                 family: str = "state") -> pd.DataFrame:
    """Spans where ``variable`` takes one of ``values``, from the frame it enters until it leaves."""
    column = table[variable].to_numpy(dtype=np.int64)
    inside = np.isin(column, list(values))
    edges = np.diff(np.concatenate([[0], inside.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return pd.DataFrame({
        "trial_type": trial_type, "frame_start": starts, "frame_stop": stops,
        "value_before": np.where(starts > 0, column[np.maximum(starts - 1, 0)], column[starts]),
        "value_after": column[starts], "family": family,
    })


def continuous_position(x: np.ndarray, jump: int = 100) -> np.ndarray:
    """CNeuroMod's fix of position wraps: a drop of more than ``jump`` is added to a running offset."""
    x = np.asarray(x, dtype=np.int64)
    drop = np.concatenate([[0], x[:-1] - x[1:]])
    return x + np.cumsum(np.where(drop > jump, drop, 0))
