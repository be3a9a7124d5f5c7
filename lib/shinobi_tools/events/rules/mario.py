"""What the Super Mario rules (:mod:`.smb1`, :mod:`.smb3`) share: rows in CNeuroMod's vocabulary, runs of values,
screen labels, on-screen tracks of object slots, and the conversion to this project's events table.

Names and conventions follow CNeuroMod's ``videogames_utils`` (``docs/EVENT_REFERENCE.md``): hierarchical types
(``PlayerDied/Fall``, ``EnemyDefeated/Stomp/Goomba``, ``Screen/Death``), rows built with ``frame_stop`` **inclusive**
(:class:`Row`), ``Screen/*`` rows that partition the repetition, ``PlayerState`` form rows on the frames where the
player is alive in the level, on-screen tracks shorter than 5 frames dropped and gaps of up to 4 frames bridged.
:func:`to_events` turns rows into this project's table (``frame_stop`` exclusive).

Rows are the shared vocabulary's (:class:`shinobi_tools.events.vocabulary.Row`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shinobi_tools.events.primitives import empty_events
from shinobi_tools.events.vocabulary import Row, span

LEVEL_STARTED, LEVEL_COMPLETED = "LevelStarted", "LevelCompleted"
#: Screen labels (``Screen/<label>``).
GAMEPLAY, LEVEL_INTRO, DEATH, LEVEL_END, TRANSITION, GAME_OVER, MAP = (
    "Gameplay", "LevelIntro", "Death", "LevelEnd", "Transition", "GameOver", "Map")
#: Labels on which the player is not alive in the level: no ``PlayerState`` form row there.
NOT_ALIVE = frozenset({LEVEL_INTRO, DEATH, GAME_OVER, MAP})
#: Tracks shorter than this are slot churn; gaps up to ``TRACK_GAP`` frames are bridged.
TRACK_MIN_FRAMES, TRACK_GAP = 5, 4
#: Family of each type, from its first segment.
FAMILIES = {
    "Player": "player", "PlayerDamaged": "health", "PlayerDied": "life", "LifeGained": "life", "PlayerState": "state",
    "Screen": "screen", "Enemy": "combat", "EnemyOnScreen": "combat", "EnemyDefeated": "combat",
    "ShellStartedMoving": "combat", "ProjectileOnScreen": "combat", "ItemCollected": "item", "ItemOnScreen": "item",
    "BlockSmashed": "item", "GoalCardCollected": "item", "GoalCardVisible": "item",
}


def column(table: pd.DataFrame, name: str | None) -> np.ndarray:
    """A per-frame column as int64, zeros where the table lacks it (older variables files lack some)."""
    if name is None or name not in table.columns:
        return np.zeros(len(table), dtype=np.int64)
    return table[name].to_numpy(dtype=np.int64)


def transitions(mask: Sequence[bool] | np.ndarray) -> list[int]:
    """Frames where ``mask`` becomes true (frame 0 counts when it starts true)."""
    m = np.asarray(mask, dtype=bool)
    return [int(f) for f in np.flatnonzero(m & ~np.concatenate([[False], m[:-1]]))]


def true_runs(mask: Sequence[bool] | np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True as ``(first, last)`` (inclusive)."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def constant_runs(values: Sequence | np.ndarray, keep: Sequence[bool] | np.ndarray | None = None
                  ) -> list[tuple[int, int, object]]:
    """Maximal runs of one value as ``(first, last, value)``; frames where ``keep`` is False cut runs."""
    v = list(values)
    out: list[tuple[int, int, object]] = []
    start: int | None = None
    for frame in range(len(v)):
        kept = keep is None or bool(keep[frame])
        if start is not None and (not kept or v[frame] != v[start]):
            out.append((start, frame - 1, v[start]))
            start = None
        if kept and start is None:
            start = frame
    if start is not None:
        out.append((start, len(v) - 1, v[start]))
    return out


def clip(start: int, stop: int, cuts: Iterable[int]) -> int:
    """``stop`` brought forward to the frame before the first cut in ``(start, stop]``."""
    inside = [c for c in cuts if start < c <= stop]
    return min(inside) - 1 if inside else stop


def timer_rows(trial_type: str, timer: np.ndarray, cuts: Iterable[int]) -> list[Row]:
    """One row per non-zero run of a countdown timer, cut at the first of ``cuts`` inside it."""
    cuts = list(cuts)
    return [span(trial_type, a, clip(a, b, cuts)) for a, b in true_runs(np.asarray(timer) != 0)]


def screen_rows(labels: Sequence[str]) -> list[Row]:
    """The ``Screen/*`` rows: one per run of a label; they partition the repetition."""
    return [span(f"Screen/{label}", a, b) for a, b, label in constant_runs(labels)]


def alive(labels: Sequence[str]) -> np.ndarray:
    return np.array([label not in NOT_ALIVE for label in labels], dtype=bool)


def fill(labels: list[str], start: int, stop: int, label: str) -> None:
    for frame in range(max(start, 0), min(stop, len(labels) - 1) + 1):
        labels[frame] = label


@dataclass
class Track:
    """An object visible in one slot: its id and first/last frames."""

    slot: int
    type_id: int
    frame_start: int
    frame_stop: int


def tracks(n_slots: int, visible: Callable[[int], np.ndarray], ids: Callable[[int], np.ndarray],
           keep: Callable[[int], bool], min_frames: int = TRACK_MIN_FRAMES, gap: int = TRACK_GAP) -> list[Track]:
    """On-screen tracks per slot: runs of one kept id while visible, gaps up to ``gap`` frames bridged, tracks
    shorter than ``min_frames`` dropped."""
    out = []
    for slot in range(n_slots):
        shown, kinds = np.asarray(visible(slot), dtype=bool), np.asarray(ids(slot))
        current: Track | None = None
        for frame in np.flatnonzero(shown):
            kind = int(kinds[frame])
            if not keep(kind):
                continue
            if current is not None and current.type_id == kind and frame - current.frame_stop <= gap + 1:
                current.frame_stop = int(frame)
                continue
            if current is not None:
                out.append(current)
            current = Track(slot, kind, int(frame), int(frame))
        if current is not None:
            out.append(current)
    return [t for t in out if t.frame_stop - t.frame_start + 1 >= min_frames]


def to_events(rows: list[Row]) -> pd.DataFrame:
    """This project's events table (``frame_stop`` exclusive, ``family``) from rows in CNeuroMod's convention."""
    if not rows:
        return empty_events()
    return pd.DataFrame({
        "trial_type": [r.trial_type for r in rows],
        "frame_start": [r.frame_start for r in rows],
        "frame_stop": [r.frame_start if r.frame_stop is None else r.frame_stop + 1 for r in rows],
        "family": [FAMILIES.get(r.trial_type.split("/")[0], "level") for r in rows],
    })


def summarize(table: pd.DataFrame, events: pd.DataFrame, fps: float, options: dict) -> dict:
    """The duration, whether the level was completed, the score at the end (in tens of points), the deaths."""
    types = events["trial_type"].astype(str)
    return {
        "duration": len(table) / fps,
        "cleared": bool((types == LEVEL_COMPLETED).any()),
        "end_score": int(table["score"].iloc[-1]),
        "deaths": int(types.str.startswith("PlayerDied/").sum()),
    }
