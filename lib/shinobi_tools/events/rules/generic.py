"""Events of any stable-retro game without rules of ours, from its integration's own variables.

Button presses come from the game definition's ``button_events`` (named by role where one is known: the Atari 2600's
``BUTTON`` is ``FIRE``); these rules add, with the names of :mod:`shinobi_tools.games.generic`:

* ``ScoreIncrease``: ``score`` rises from one frame to the next; ``points`` holds the rise (in the variable's units:
  Asteroids' display shows ten times more).
* ``LifeLost`` / ``LifeGained``: ``lives`` falls / rises (any amount: Asteroids' masked counter steps by 16; a signed
  counter that goes below zero at game over makes the last life a ``LifeLost`` too).
* ``PlayerDamaged`` / ``HealthGained``: ``health`` falls / rises.

Each is instantaneous, on the first frame that shows the new value. A game whose variables have other names maps
them with its ``event_options``: ``{roles: {score: score1}}``; a variable the game lacks gives no events.
"""

from __future__ import annotations

import pandas as pd

from shinobi_tools.events import vocabulary as voc
from shinobi_tools.events.primitives import change_events, empty_events
from shinobi_tools.games.generic import VARIABLE_EVENTS, VARIABLE_FAMILIES

#: Both vocabularies: ``rows`` for cneuromod, ``detect`` for legacy.
VOCABULARIES = ("cneuromod", "legacy")
REQUIRED: tuple[str, ...] = ()


def columns(table: pd.DataFrame, options: dict) -> dict[str, str]:
    """Role (``score``, ``lives``, ``health``) → the table's column for it, for the roles the table has."""
    roles = dict(options.get("roles") or {})
    return {role: roles.get(role, role) for role in VARIABLE_EVENTS if roles.get(role, role) in table.columns}


def rows(table: pd.DataFrame, options: dict) -> list[voc.Row]:
    """CNeuroMod vocabulary: a point row per change, on the first frame showing the new value (``points`` on score
    rises)."""
    out = []
    for role, column in columns(table, options).items():
        values = voc.column(table, column)
        delta = voc.steps(values)
        for when, trial_type in VARIABLE_EVENTS[role].items():
            for frame in voc.frames_where(delta > 0 if when == "increase" else delta < 0):
                extra = {"value_before": int(values[frame - 1]), "value_after": int(values[frame])}
                if role == "score":
                    extra["points"] = extra["value_after"] - extra["value_before"]
                out.append(voc.point(trial_type, frame, **extra))
    return out


def detect(table: pd.DataFrame, fps: float, options: dict) -> pd.DataFrame:
    parts = []
    for role, column in columns(table, options).items():
        for when, trial_type in VARIABLE_EVENTS[role].items():
            events = change_events(table, column, trial_type, when, family=VARIABLE_FAMILIES[role])
            if role == "score":
                events["points"] = events["value_after"] - events["value_before"]
            parts.append(events)
    parts = [part for part in parts if len(part)]
    return pd.concat(parts, ignore_index=True) if parts else empty_events()


def summarize(table: pd.DataFrame, events: pd.DataFrame, fps: float, options: dict) -> dict:
    """The duration, and where the game has them the score at the end and the score gained."""
    summary: dict = {"duration": len(table) / fps}
    score = columns(table, options).get("score")
    if score is not None:
        summary["end_score"] = int(table[score].iloc[-1])
        rises = events["trial_type"] == VARIABLE_EVENTS["score"]["increase"]
        summary["score gained"] = int(events.loc[rises, "points"].sum()) if rises.any() else 0
    return summary
