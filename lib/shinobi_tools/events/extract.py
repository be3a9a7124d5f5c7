"""Timestamped gameplay events from a per-frame table (BIDS events: one row per event), in one of two vocabularies.

Input: the per-frame table of a run, either our replay's ``*_states.parquet`` or a CNeuroMod
``*_variables.json[.gz]`` (read by :mod:`shinobi_tools.events.variables` into the same shape): ``frame``,
``time``, one bool column per button, one int column per RAM variable.

The vocabulary is the game definition's (``game.for_vocabulary(...)``; see :mod:`shinobi_tools.games`):

* ``cneuromod`` (the default): CNeuroMod's current vocabulary and conventions (:mod:`shinobi_tools.events.vocabulary`):
  columns ``trial_type, level, onset, duration, frame_start, frame_stop, button, stim_file``, then ours
  (``description``, ``family``, then game-specific ones such as ``points``); ``frame_stop`` inclusive; times at
  the console's true frame rate (59.922743404312 Hz for the Genesis, whatever the table's ``time`` column says);
  one ``gym-retro_game`` container row.
* ``legacy``: the project's earlier events, unchanged: ``onset``, ``duration`` (s), ``trial_type``,
  ``frame_start``, ``frame_stop``, ``description``, ``family`` and, where they apply, ``button``,
  ``value_before``, ``value_after``, ``points``, ``cause``, ``x_player``, ``y_player``, with these conventions:

  * frame ``i`` starts at ``i / fps``; ``frame_stop`` is exclusive (the first frame after the event),
    so an instantaneous event has ``frame_stop == frame_start`` and duration 0.
  * a change event sits on the first frame that shows the new value. CNeuroMod's 2023 generator put it on
    the frame before (the index of ``np.diff``), one frame (1/60 s) earlier; counts are identical.
  * ``fps`` defaults to the rate of the table's ``time`` column: 60 for CNeuroMod files (what their 2023
    annotations assume), the game's true rate (59.922743 for the Genesis) for our replays.

Each game's rules are a plug-in of :mod:`shinobi_tools.events.rules` (one explicit table).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

import shinobi_tools.events.rules as rules
from shinobi_tools.errors import InputError
from shinobi_tools.events import vocabulary as voc
from shinobi_tools.events.descriptions import describe, load_descriptions
from shinobi_tools.events.primitives import button_events, empty_events
from shinobi_tools.games import CNEUROMOD, GameDefinition
from shinobi_tools.naming import parse_run_name
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


def events_fps(table: pd.DataFrame, game: GameDefinition, fps: float | None = None) -> float:
    """The frame rate of the onsets: ``fps`` if given, else the console's true rate (cneuromod) or the table's own
    (legacy: 60 for CNeuroMod's variables files, the true rate for our replays)."""
    if fps:
        return fps
    if game.vocabulary != CNEUROMOD:
        return frame_rate(table)
    return voc.frame_rate(game.platform, game.fps or frame_rate(table))


def extract_events(
    table: pd.DataFrame,
    game: GameDefinition,
    fps: float | None = None,
    options: Mapping | None = None,
    descriptions: Mapping[str, list[str]] | None = None,
    seed: int = 0,
    stem: str | None = None,
) -> pd.DataFrame:
    """All events of one run in the game's vocabulary (``game.vocabulary``), sorted by onset.

    ``fps`` sets onsets and durations (default: :func:`events_fps`); ``options`` override the game's
    ``event_options``; ``descriptions`` (type → phrasings, default: the game's built-in file) fill the
    ``description`` column, chosen deterministically from ``seed``. ``stem`` (the run's name) gives the cneuromod
    container row's ``stim_file`` (``<stem>.bk2``) and the ``level`` column.
    """
    fps = events_fps(table, game, fps)
    check_frames(table, rules.required_variables(game), game.name)
    phrasings = load_descriptions(game) if descriptions is None else descriptions
    if game.vocabulary == CNEUROMOD:
        return _cneuromod_events(table, game, fps, event_options(game, options), phrasings, seed, stem)
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
    events["description"] = describe(events, phrasings, seed=seed)
    extra = [c for c in events.columns if c not in EVENT_COLUMNS]
    return events[EVENT_COLUMNS + extra]


def _cneuromod_events(table: pd.DataFrame, game: GameDefinition, fps: float, options: dict,
                      phrasings: Mapping[str, list[str]], seed: int, stem: str | None) -> pd.DataFrame:
    rows = rules.cneuromod_rows(table, game, options)
    rows.append(voc.container_row(len(table), voc.stim_file_for(stem)))
    events = voc.to_frame(rows, fps, level=level_of(stem))
    extra = [c for c in events.columns if c not in voc.COLUMNS]
    events["description"] = describe(events, phrasings, seed=seed)
    events["family"] = events["trial_type"].map(voc.family_of)
    return events[[*voc.COLUMNS, *voc.OUR_COLUMNS, *extra]]


def level_of(stem: str | None) -> str | None:
    """The ``level`` of a run from its name (``..._level-4_rep-03`` → ``"4"``; None without one)."""
    if not stem:
        return None
    try:
        return parse_run_name(stem).level
    except InputError:
        return None


def summarize_run(
    table: pd.DataFrame,
    events: pd.DataFrame,
    game: GameDefinition,
    fps: float | None = None,
    options: Mapping | None = None,
) -> dict:
    """Per-run summary: the game's own keys (CNeuroMod's published ones for Shinobi III, with their ``Outcome``) and
    ``event_counts``, in either vocabulary.

    ``duration`` is frames / ``fps`` (default: the table's rate, 60 for CNeuroMod files, as published).
    """
    fps = fps or frame_rate(table)
    summary = rules.summarize(table, events, game, fps, event_options(game, options))
    summary["event_counts"] = count_by_type(events)
    return summary


def count_by_type(events: pd.DataFrame) -> dict[str, int]:
    counts = events["trial_type"].value_counts()
    return {str(name): int(counts[name]) for name in sorted(counts.index)}
