"""Timestamped gameplay events from a per-frame table (BIDS events: one row per event).

Input: the per-frame table of a run, either our replay's ``*_states.parquet`` or a CNeuroMod
``*_variables.json[.gz]`` (converted by :func:`read_variables_json` to the same shape): ``frame``,
``time``, one bool column per button, one int column per RAM variable.

Output (:func:`extract_events`): one row per event with ``onset``, ``duration`` (s), ``trial_type``,
``frame_start``, ``frame_stop``, ``description``, ``family`` and, where they apply, ``button``,
``value_before``, ``value_after``, ``points``, ``cause``, ``x_player``, ``y_player``.

Conventions:

* frame ``i`` starts at ``i / fps``; ``frame_stop`` is exclusive (the first frame after the event),
  so an instantaneous event has ``frame_stop == frame_start`` and duration 0 (as in CNeuroMod).
* a change event sits on the first frame that shows the new value. CNeuroMod's generator puts it on
  the frame before (the index of ``np.diff``), one frame (1/60 s) earlier; counts are identical.
* ``fps`` defaults to the rate of the table's ``time`` column: 60 for CNeuroMod files (what their
  annotations assume), the game's true rate (59.922743 for the Genesis) for our replays.

Each game's rules live in the module named by its definition (``events_module``), which provides
``REQUIRED`` (RAM variables it needs), ``detect(table, options) -> DataFrame`` and, optionally,
``summarize(table, events, fps, options) -> dict``. A game without a module gets its button events
and the declarative ``event_rules`` of its YAML, each a mapping with ``trial_type``, ``variable``,
``when`` (``increase``, ``decrease``, ``change`` or ``enters``), optional ``values`` (allowed steps,
or the values entered) and ``family``.
"""

from __future__ import annotations

import gzip
import importlib
import importlib.util
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from shinobi_tools.bk2 import GENESIS_BUTTONS, press_events
from shinobi_tools.errors import InputError
from shinobi_tools.games import GameDefinition

#: Frame rate CNeuroMod's variables files and annotations assume.
CNEUROMOD_FPS = 60.0
#: Columns of every events table, in order (extra game-specific columns follow).
EVENT_COLUMNS = [
    "onset", "duration", "trial_type", "frame_start", "frame_stop", "description", "family",
    "button", "value_before", "value_after", "points", "cause", "x_player", "y_player",
]
_INT_COLUMNS = ["frame_start", "frame_stop", "value_before", "value_after", "points", "x_player", "y_player"]
_MOVEMENT_BUTTONS = {"LEFT", "RIGHT", "UP", "DOWN"}
_SUFFIXES = (".parquet", ".json.gz", ".json")


# --------------------------------------------------------------------------- reading the frames

def run_stem(path: str | Path) -> str:
    """The run name of a frames file: ``x_states.parquet`` / ``x_variables.json.gz`` → ``x``."""
    name = Path(path).name
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    for tag in ("_states", "_variables"):
        if name.endswith(tag):
            return name[: -len(tag)]
    return name


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
    return table


def read_variables_json(path: str | Path, fps: float = CNEUROMOD_FPS) -> pd.DataFrame:
    """A CNeuroMod ``*_variables.json[.gz]`` (one list per RAM variable and button) as a per-frame table.

    Buttons come first in the emulator's order (bool), then every numeric per-frame list; ``time`` is
    ``frame / fps`` (CNeuroMod's files assume 60 fps).
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
    for name in GENESIS_BUTTONS:
        if name in series:
            table[name] = np.asarray(series.pop(name), dtype=bool)
    for name, values in series.items():
        array = np.asarray(values)
        if array.dtype.kind in "iub":
            table[name] = array.astype(np.int64)
    return table


def read_frames(path: str | Path) -> pd.DataFrame:
    """Read a states parquet or a CNeuroMod variables JSON, chosen by the file's extension."""
    name = Path(path).name
    if name.endswith(".parquet"):
        return read_states(path)
    if name.endswith((".json", ".json.gz")):
        return read_variables_json(path)
    raise InputError(f"{path}: expected a *_states.parquet or a *_variables.json[.gz] file")


def frame_rate(table: pd.DataFrame) -> float:
    """The frame rate of a per-frame table, from its ``time`` column (``time = frame / fps``)."""
    if len(table) < 2 or "time" not in table.columns:
        raise InputError("cannot infer the frame rate: the table needs a `time` column and 2 frames; pass fps")
    last = len(table) - 1
    return float(table["frame"].iloc[last] / table["time"].iloc[last])


def check_frames(table: pd.DataFrame, required: Iterable[str], game: str = "") -> None:
    """Raise one :class:`InputError` line naming every required column the table lacks."""
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise InputError(f"the frames table lacks variable(s) {', '.join(missing)} needed by the "
                         f"{game or 'game'} event rules")
    if len(table) == 0:
        raise InputError("the frames table is empty")


# --------------------------------------------------------------------------- building blocks

def empty_events() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in ["trial_type", "frame_start", "frame_stop"]})


def button_events(table: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Press events (0→1 until release) of the buttons in ``names`` (button → trial_type)."""
    buttons = [b for b in GENESIS_BUTTONS if b in names and b in table.columns]
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


def count_by_type(events: pd.DataFrame) -> dict[str, int]:
    counts = events["trial_type"].value_counts()
    return {str(name): int(counts[name]) for name in sorted(counts.index)}


# --------------------------------------------------------------------------- game rules

def events_module(game: GameDefinition) -> ModuleType | None:
    """The module of ``game``'s event rules (a dotted name, or a .py path relative to its YAML)."""
    name = game.events_module
    if not name:
        return None
    if name.endswith(".py"):
        path = Path(name)
        if not path.is_absolute() and game.source is not None:
            path = game.source.parent / path
        spec = importlib.util.spec_from_file_location(f"_shinobi_events_{game.name}", path)
        if spec is None or not path.exists():
            raise InputError(f"{game.source}: events module {path} not found")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise InputError(f"{game.source}: cannot import events module {name!r} ({error})") from None


def event_options(game: GameDefinition, options: Mapping | None = None) -> dict:
    """The game's default rule options updated with ``options`` (e.g. from the config)."""
    merged = dict(game.event_options)
    merged.update(options or {})
    return merged


def _declarative_events(table: pd.DataFrame, game: GameDefinition) -> list[pd.DataFrame]:
    frames = []
    for rule in game.event_rules:
        try:
            trial_type, variable, when = rule["trial_type"], rule["variable"], rule.get("when", "change")
        except KeyError as error:
            raise InputError(f"{game.source}: event rule {rule} lacks {error}") from None
        check_frames(table, [variable], game.name)
        family = rule.get("family", "state")
        if when == "enters":
            frames.append(enter_events(table, variable, rule.get("values", ()), trial_type, family))
        else:
            frames.append(change_events(table, variable, trial_type, when, rule.get("values"), family))
    return frames


def required_variables(game: GameDefinition) -> list[str]:
    module = events_module(game)
    if module is not None:
        return list(getattr(module, "REQUIRED", ()))
    return [rule["variable"] for rule in game.event_rules if "variable" in rule]


def extract_events(
    table: pd.DataFrame,
    game: GameDefinition,
    fps: float | None = None,
    options: Mapping | None = None,
    descriptions: Mapping[str, list[str]] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """All events of one run, sorted by onset: the game's button events plus its rule events.

    ``fps`` sets onsets and durations (default: the table's own rate, see the module doc);
    ``options`` override the game's ``event_options``; ``descriptions`` (type → phrasings, default:
    the game's built-in file) fill the ``description`` column, chosen deterministically from ``seed``.
    """
    from shinobi_tools.descriptions import describe, load_descriptions

    fps = fps or frame_rate(table)
    module = events_module(game)
    check_frames(table, required_variables(game), game.name)
    parts = [button_events(table, game.button_events)]
    if module is not None:
        parts.append(module.detect(table, event_options(game, options)))
    else:
        parts.extend(_declarative_events(table, game))
    parts = [part for part in parts if len(part)]
    events = pd.concat(parts, ignore_index=True) if parts else empty_events()
    for column in EVENT_COLUMNS:
        if column not in events.columns:
            events[column] = pd.NA
    for column in _INT_COLUMNS:
        events[column] = pd.array(events[column], dtype="Int64")
    events = events.sort_values(["frame_start", "frame_stop"], kind="stable").reset_index(drop=True)
    events["onset"] = events["frame_start"].astype(float) / fps
    events["duration"] = (events["frame_stop"] - events["frame_start"]).astype(float) / fps
    phrasings = load_descriptions(game) if descriptions is None else descriptions
    events["description"] = describe(events, phrasings, seed=seed)
    extra = [c for c in events.columns if c not in EVENT_COLUMNS]
    return events[EVENT_COLUMNS + extra]


def summarize_run(
    table: pd.DataFrame,
    events: pd.DataFrame,
    game: GameDefinition,
    fps: float | None = None,
    options: Mapping | None = None,
) -> dict:
    """Per-run summary: the game's own keys (CNeuroMod's for Shinobi III) and ``event_counts``.

    ``duration`` is frames / ``fps`` (default: the table's rate, 60 for CNeuroMod files).
    """
    fps = fps or frame_rate(table)
    module = events_module(game)
    if module is not None and hasattr(module, "summarize"):
        summary = dict(module.summarize(table, events, fps, event_options(game, options)))
    else:
        summary = {"duration": len(table) / fps}
    summary["event_counts"] = count_by_type(events)
    return summary


def salient(events: pd.DataFrame, game: GameDefinition) -> pd.DataFrame:
    """The rows of the game's salient event types (reported separately by the evaluation)."""
    return events[events["trial_type"].isin(game.salient_events)].reset_index(drop=True)
