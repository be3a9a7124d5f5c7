"""CNeuroMod's current cross-game event vocabulary (``videogames_utils.events``, datasets regenerated 2026-09-12):
the game-independent conventions, shared by every game's rules in that vocabulary.

Each game's rules (:mod:`shinobi_tools.events.rules`) build a list of :class:`Row` in generation order and
:func:`to_frame` turns it into the events table. Conventions, all checked against the rows CNeuroMod's generator
wrote for six real Shinobi III repetitions (``tests/test_events_rules_shinobi3.py``):

* columns ``trial_type, level, onset, duration, frame_start, frame_stop, button, stim_file`` in this order (ours
  follow them); ``n/a`` in every empty cell of the TSV;
* ``frame_start``/``frame_stop`` are frames of the repetition, ``frame_stop`` **inclusive**: a point event has
  ``frame_stop == frame_start`` and a one-frame button press lasts 0 s;
* ``onset = frame_start / fs`` and ``duration = (frame_stop - frame_start) / fs`` at the console's true frame rate
  (:data:`FRAME_RATES`, full precision: it can flip a millisecond), rounded to 3 decimals (numpy's ``round``);
* rows sorted by onset, stable, so rows on one frame keep the order the rules made them in, except the
  ``gym-retro_game`` container row, first among the rows sharing its onset;
* the container row is the only one with ``stim_file``; its ``frame_stop`` is the frame *count* (the one exclusive
  stop of the vocabulary). It is repetition metadata, not an event: :func:`targets` leaves it out of the training
  targets and the evaluation;
* ``Screen/*`` rows partition the repetition (:func:`screen_rows`); ``PlayerState`` form rows cover the frames on
  which the player is alive in the level (:func:`alive_runs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# ----------------------------------------------------------------------------------------- constants

#: Frame rates of the emulator cores (``em.get_screen_rate()``), by stable-retro platform.
FRAME_RATES: dict[str, float] = {
    "GEN": 59.922743404312,
    "NES": 60.099826520671,
    "SNES": 60.098811862348,
}
FRAME_RATES.update({"Genesis": FRAME_RATES["GEN"], "Nes": FRAME_RATES["NES"], "Snes": FRAME_RATES["SNES"]})
#: Column order of an events table in this vocabulary (ours follow these).
COLUMNS: tuple[str, ...] = (
    "trial_type", "level", "onset", "duration", "frame_start", "frame_stop", "button", "stim_file",
)
#: Our columns, right after theirs.
OUR_COLUMNS: tuple[str, ...] = ("description", "family")
#: The one row per repetition (one ``.bk2``); keeps the name it has in CNeuroMod's plain ``_events.tsv``.
CONTAINER = "gym-retro_game"
#: Rows that are not events (repetition metadata): never a training target, never scored.
NOT_EVENTS = frozenset({CONTAINER})
LEVEL_STARTED = "LevelStarted"
LEVEL_COMPLETED = "LevelCompleted"

#: Controller roles (section 4 of CNeuroMod's EVENT_REFERENCE.md).
ACTION_LEFT, ACTION_RIGHT, ACTION_UP, ACTION_DOWN = "Action/Left", "Action/Right", "Action/Up", "Action/Down"
ACTION_START, ACTION_SELECT, ACTION_OTHER = "Action/Start", "Action/Select", "Action/Other"
#: Buttons whose role is the same in every game: the D-pad first, then the console's system buttons.
DPAD = {"LEFT": ACTION_LEFT, "RIGHT": ACTION_RIGHT, "UP": ACTION_UP, "DOWN": ACTION_DOWN}
SYSTEM_BUTTONS = {"START": ACTION_START, "MODE": ACTION_SELECT, "SELECT": ACTION_SELECT}
#: Order of the remaining (``Action/Other`` unless the game names a role) buttons; others follow in table order.
_OTHER_ORDER = ("A", "B", "C", "X", "Y", "Z")


class Screen:
    """The ``Screen/<label>`` labels (UpperCamelCase since 2026-09)."""

    GAMEPLAY = "Gameplay"
    LEVEL_INTRO = "LevelIntro"
    DEATH = "Death"
    LEVEL_END = "LevelEnd"
    TRANSITION = "Transition"
    GAME_OVER = "GameOver"
    MAP = "Map"
    #: Labels on which the player is not alive in the level: no ``PlayerState`` form row there.
    NOT_ALIVE = frozenset({LEVEL_INTRO, DEATH, GAME_OVER, MAP})


#: Repetition outcomes (``Outcome`` of the summary). Shinobi III gets ``cleared`` or ``failed`` (a life was lost).
CLEARED, FAILED, FAILED_KILLED, INTERRUPTED, UNKNOWN = (
    "cleared", "failed", "failed/killed", "incomplete/interrupted", "unknown")

#: Event family (our ``family`` column, one ELAN tier each) by the first part of the type name.
FAMILIES = {
    "Action": "action", "Screen": "screen", "PlayerState": "state", "EnemyDefeated": "combat",
    "PlayerDamaged": "health", "HealthGained": "health", "PlayerDied": "life", "LifeGained": "life",
    "LevelStarted": "level", "LevelCompleted": "level", "ProjectileAppeared": "item", "ItemCollected": "item",
    "WeaponPowerupStarted": "item", CONTAINER: "repetition",
}
#: Type-name prefixes of background states (the screen shown, the player's form): long rows that tile the run.
STATE_PREFIXES = ("Screen/", "PlayerState/")


def family_of(trial_type: str) -> str:
    """``movement`` for the D-pad actions, else the family of the name's first part (``event`` if unknown)."""
    if trial_type in DPAD.values():
        return "movement"
    return FAMILIES.get(trial_type.split("/", 1)[0], "event")


def frame_rate(platform: str, fallback: float) -> float:
    """The console's true frame rate (``fallback``, the game definition's, for other platforms)."""
    return FRAME_RATES.get(platform, fallback)


# ----------------------------------------------------------------------------------------- rows

@dataclass(frozen=True)
class Row:
    """One event: frames of the repetition, ``frame_stop`` inclusive (``None``: a point event)."""

    trial_type: str
    frame_start: int
    frame_stop: int | None = None
    button: str | None = None
    stim_file: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def stop(self) -> int:
        return self.frame_start if self.frame_stop is None else self.frame_stop


def point(trial_type: str, frame: int, **extra: object) -> Row:
    return Row(trial_type, int(frame), None, extra=extra)


def span(trial_type: str, start: int, stop: int, **extra: object) -> Row:
    """A durational row over frames ``start..stop`` (inclusive)."""
    return Row(trial_type, int(start), int(stop), extra=extra)


def container_row(n_frames: int, stim_file: str | None) -> Row:
    """The ``gym-retro_game`` row: frames ``0..n_frames`` (the count, not the last frame)."""
    return Row(CONTAINER, 0, int(n_frames), stim_file=stim_file)


def stim_file_for(stem: str | None) -> str | None:
    """The ``stim_file`` of a repetition, as in the shared files: the ``.bk2``'s name."""
    if not stem:
        return None
    return stem if stem.endswith(".bk2") else f"{stem}.bk2"


# ----------------------------------------------------------------------------------------- runs of frames

def true_runs(mask: Sequence[bool] | np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True as ``(first, last)`` frames (inclusive)."""
    m = np.asarray(mask).astype(bool)
    if m.size == 0:
        return []
    padded = np.concatenate(([False], m, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def constant_runs(values: Sequence) -> list[tuple[int, int, object]]:
    """Maximal runs of one value as ``(first, last, value)``; they tile the series."""
    v = list(values)
    out: list[tuple[int, int, object]] = []
    start = 0
    for frame in range(1, len(v) + 1):
        if frame == len(v) or v[frame] != v[start]:
            out.append((start, frame - 1, v[start]))
            start = frame
    return out


def nonzero_runs(values: Sequence | np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of non-zero values as ``(first, last)``: a timer's run ends only where it returns to 0."""
    return true_runs(np.asarray(values) != 0)


def clip(start: int, stop: int, cuts: Iterable[int]) -> int:
    """``stop`` brought forward to the frame before the first cut in ``(start, stop]``."""
    inside = [c for c in cuts if start < c <= stop]
    return min(inside) - 1 if inside else stop


def steps(values: Sequence | np.ndarray) -> np.ndarray:
    """``values[f] - values[f - 1]`` for every frame ``f >= 1`` (at index ``f - 1``)."""
    return np.diff(np.asarray(values).astype(np.int64))


def frames_where(condition: np.ndarray) -> list[int]:
    """Frames ``f >= 1`` where a condition on :func:`steps` holds (the frame showing the new value)."""
    return [int(i) + 1 for i in np.flatnonzero(condition)]


def column(table: pd.DataFrame, name: str) -> np.ndarray:
    """A RAM variable as int64; a variable the table lacks reads as zeros (as CNeuroMod's generators do)."""
    if name in table.columns:
        return table[name].to_numpy(dtype=np.int64)
    return np.zeros(len(table), dtype=np.int64)


# ----------------------------------------------------------------------------------------- actions

def controller_table(buttons: Iterable[str], roles: Mapping[str, str]) -> dict[str, str]:
    """Button → ``Action/<role>`` for the buttons of a table, in the order their rows are made on a shared frame:
    the D-pad, the game's ``roles`` (button → role, e.g. ``B: Attack``) in their order, the system buttons
    (START, MODE/SELECT), then every other button as ``Action/Other``."""
    buttons = list(buttons)
    table = {b: r for b, r in DPAD.items() if b in buttons}
    table.update({b: f"Action/{r}" for b, r in roles.items() if b in buttons and b not in table})
    table.update({b: r for b, r in SYSTEM_BUTTONS.items() if b in buttons and b not in table})
    rest = [b for b in _OTHER_ORDER if b in buttons] + [b for b in buttons if b not in _OTHER_ORDER]
    table.update({b: ACTION_OTHER for b in rest if b not in table})
    return table


def action_rows(table: pd.DataFrame, mapping: Mapping[str, str]) -> list[Row]:
    """``Action/*`` rows: one per hold of a button (``frame_stop`` its last pressed frame), ``button`` its raw name;
    all holds of one button before the next button's, in ``mapping``'s order."""
    rows: list[Row] = []
    for button, trial_type in mapping.items():
        if button in table.columns:
            rows += [Row(trial_type, first, last, button=button) for first, last in true_runs(table[button])]
    return rows


# ----------------------------------------------------------------------------------------- screens

def fill(labels: list[str], start: int, stop: int, label: str) -> None:
    """Set ``labels[start..stop]`` (inclusive, clamped to the repetition) to ``label``."""
    for frame in range(max(start, 0), min(stop, len(labels) - 1) + 1):
        labels[frame] = label


def screen_rows(labels: Sequence[str]) -> list[Row]:
    """One ``Screen/<label>`` row per maximal run of a label: together they partition the repetition."""
    return [span(f"Screen/{label}", first, last) for first, last, label in constant_runs(labels)]


def alive_runs(labels: Sequence[str]) -> list[tuple[int, int]]:
    """Stretches on which a ``PlayerState`` form row applies (outside Death, LevelIntro, GameOver, Map)."""
    return true_runs(np.array([label not in Screen.NOT_ALIVE for label in labels], dtype=bool))


def first_run(labels: Sequence[str], label: str) -> tuple[int, int] | None:
    for first, last, value in constant_runs(labels):
        if value == label:
            return first, last
    return None


def check_partition(events: pd.DataFrame, n_frames: int) -> None:
    """Raise ``ValueError`` unless the ``Screen/*`` rows tile frames ``0..n_frames-1`` exactly."""
    screens = events[events["trial_type"].astype(str).str.startswith("Screen/")]
    expected = 0
    for first, last in zip(screens["frame_start"], screens["frame_stop"]):
        if int(first) != expected or int(last) < int(first):
            raise ValueError(f"Screen rows do not partition the repetition at frame {expected}")
        expected = int(last) + 1
    if expected != n_frames:
        raise ValueError(f"Screen rows end at frame {expected - 1}, the repetition at {n_frames - 1}")


# ----------------------------------------------------------------------------------------- tables

def to_frame(rows: Iterable[Row], fs: float, level: object = None) -> pd.DataFrame:
    """The events table of one repetition in CNeuroMod's order, rounding and columns (extras after them).

    ``rows`` must be in generation order: ties on a frame keep it (the container row goes first).
    """
    rows = list(rows)
    extras = sorted({k for r in rows for k in r.extra})
    start = np.array([r.frame_start for r in rows], dtype=np.int64)
    stop = np.array([r.stop for r in rows], dtype=np.int64)
    table = pd.DataFrame({
        "trial_type": pd.Series([r.trial_type for r in rows], dtype=object),
        "level": pd.Series([level] * len(rows), dtype=object),
        "onset": start / fs,
        "duration": (stop - start) / fs,
        "frame_start": start,
        "frame_stop": stop,
        "button": pd.Series([r.button for r in rows], dtype=object),
        "stim_file": pd.Series([r.stim_file for r in rows], dtype=object),
    })
    for name in extras:
        table[name] = pd.Series([r.extra.get(name) for r in rows], dtype=object)
    table["_not_container"] = (table["trial_type"] != CONTAINER).astype(int)
    table = (table.sort_values(["onset", "_not_container"], kind="stable")
                  .drop(columns="_not_container").reset_index(drop=True))
    table["onset"] = table["onset"].round(3)
    table["duration"] = table["duration"].round(3)
    table["frame_start"] = table["frame_start"].astype("Int64")
    table["frame_stop"] = table["frame_stop"].astype("Int64")
    return table


def targets(events: pd.DataFrame, invisible: Iterable[str] = ()) -> pd.DataFrame:
    """The rows a pixels-only annotator learns and is scored on: no container row (repetition metadata), none
    of the game's ``invisible`` types (inputs nothing on screen shows, e.g. Airstriker's UP/DOWN)."""
    if "trial_type" not in events.columns:
        return events
    left_out = NOT_EVENTS | set(invisible)
    return events[~events["trial_type"].isin(left_out)].reset_index(drop=True)


# ----------------------------------------------------------------------------------------- outcomes

def survival_outcome(lives: Sequence[int] | np.ndarray | None) -> str:
    """Shinobi III's ``Outcome``: ``failed`` if ``lives`` ever decreases, else ``cleared`` (``unknown`` without
    lives). It says nothing about reaching the level's end (``LevelCompleted`` does)."""
    if lives is None or len(lives) == 0:
        return UNKNOWN
    return FAILED if bool((steps(lives) < 0).any()) else CLEARED
