"""Timestamped gameplay events from a per-frame table (BIDS events: one row per event).

Input: the per-frame table of a run, either our replay's ``*_states.parquet`` or a CNeuroMod
``*_variables.json[.gz]`` (read by :mod:`shinobi_tools.events.variables` into the same shape): ``frame``,
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

Each game's rules are a plug-in of :mod:`shinobi_tools.events.rules` (one explicit table).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

import shinobi_tools.events.rules as rules
from shinobi_tools.errors import InputError
from shinobi_tools.events.descriptions import describe, load_descriptions
from shinobi_tools.events.primitives import button_events, empty_events
from shinobi_tools.games import GameDefinition
from shinobi_tools.replay.states import frame_rate

#: Columns of every events table, in order (extra game-specific columns follow).
EVENT_COLUMNS = [
    "onset", "duration", "trial_type", "frame_start", "frame_stop", "description", "family",
    "button", "value_before", "value_after", "points", "cause", "x_player", "y_player",
]
_INT_COLUMNS = ["frame_start", "frame_stop", "value_before", "value_after", "points", "x_player", "y_player"]


def check_frames(table: pd.DataFrame, required: Iterable[str], game: str = "") -> None:
    """Raise one :class:`InputError` line naming every required column the table lacks."""
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise InputError(f"the frames table lacks variable(s) {', '.join(missing)} needed by the "
                         f"{game or 'game'} event rules")
    if len(table) == 0:
        raise InputError("the frames table is empty")


def event_options(game: GameDefinition, options: Mapping | None = None) -> dict:
    """The game's default rule options updated with ``options`` (e.g. from the config)."""
    merged = dict(game.event_options)
    merged.update(options or {})
    return merged


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
    fps = fps or frame_rate(table)
    check_frames(table, rules.required_variables(game), game.name)
    parts = [button_events(table, game.button_events), *rules.detect(table, game, fps, event_options(game, options))]
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
    summary = rules.summarize(table, events, game, fps, event_options(game, options))
    summary["event_counts"] = count_by_type(events)
    return summary


def count_by_type(events: pd.DataFrame) -> dict[str, int]:
    counts = events["trial_type"].value_counts()
    return {str(name): int(counts[name]) for name in sorted(counts.index)}
