"""Airstriker rules in the legacy vocabulary (``--vocabulary legacy``): the project's names before the 2026
vocabulary (``FIRE``, ``EnemyDestroyed``, ``LifeLost``, ``GameOver``), kept exactly.

RAM facts (see airstriker.yaml): ``score`` is the on-screen score, 20 points per enemy; ``lives``
counts spare ships (3 at start) and drops at respawn, 81 frames after the hit; ``gameover``
(stable-retro's name) is the ship state: 9 flying, 0 on the hit, then 1, 2 until respawn (brief 7/8
values flicker in play). stable-retro ends the game when ``gameover == 1`` and ``lives == 0``.
After game over the game resets the score, so the summary's ``end_score`` is taken at game over.

* ``EnemyDestroyed``: ``score`` increases; ``points`` holds the increase (40 when two enemies
  fall on the same frame).
* ``LifeLost``: ``lives`` drops; the event spans the "Get ready" sequence, from ``gameover``
  leaving 9 for 0 (the screen already shows one life less) to the drop.
  The last ship's destruction is a ``LifeLost`` too (it looks the same on screen; ``lives`` just
  has nothing left to drop), lasting as long as a respawn sequence would.
* ``GameOver``: the last ship is destroyed (``gameover`` enters 0 while ``lives`` is 0);
  lasts until the end of the recording.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shinobi_tools.events import vocabulary as voc
from shinobi_tools.events.primitives import change_events

VOCABULARIES = ("legacy",)
REQUIRED = ("lives", "score", "gameover")
FLYING = 9
#: Longest "Get ready" sequence before a lives drop, in seconds (measured: ~80 frames).
_SEQUENCE_S = 5.0
#: Frames from the hit to the lives drop (measured), the length given to the last ship's LifeLost.
_HIT_TO_DROP = 81


def _sequence_starts(gameover: np.ndarray) -> np.ndarray:
    """Frames where the ship state enters 0: the ship is hit."""
    return np.flatnonzero((gameover[:-1] != 0) & (gameover[1:] == 0)) + 1


def detect(table: pd.DataFrame, fps: float, options: dict) -> pd.DataFrame:
    n = len(table)
    gameover = table["gameover"].to_numpy(dtype=np.int64)
    lives = table["lives"].to_numpy(dtype=np.int64)
    starts = _sequence_starts(gameover)

    enemies = change_events(table, "score", "EnemyDestroyed", "increase", family="combat")
    enemies["points"] = enemies["value_after"] - enemies["value_before"]

    lost = change_events(table, "lives", "LifeLost", "decrease", family="life")
    window = int(_SEQUENCE_S * fps)
    for i, drop in enumerate(lost["frame_stop"].to_numpy()):
        before = starts[(starts <= drop) & (starts >= drop - window)]
        if len(before):
            lost.loc[i, "frame_start"] = int(before[-1])

    final = [s for s in starts if lives[s] == 0]
    if final:
        last = {"trial_type": "LifeLost", "frame_start": final[0], "frame_stop": min(final[0] + _HIT_TO_DROP, n),
                "value_before": 0, "value_after": 0, "family": "life"}
        lost = pd.concat([lost, pd.DataFrame([last])], ignore_index=True) if len(lost) else pd.DataFrame([last])
    over = pd.DataFrame({
        "trial_type": ["GameOver"] * bool(final), "frame_start": final[:1], "frame_stop": [n] * bool(final),
        "value_before": [0] * bool(final), "value_after": [0] * bool(final), "family": ["life"] * bool(final),
    })
    events = pd.concat([p for p in (enemies, lost, over) if len(p)] or [pd.DataFrame()], ignore_index=True)
    if "ship_x" in table.columns and len(events):
        at = np.minimum(events["frame_start"].to_numpy(dtype=np.int64), n - 1)
        events["x_player"] = table["ship_x"].to_numpy(dtype=np.int64)[at] - 128
    return events


def summarize(table: pd.DataFrame, events: pd.DataFrame, fps: float, options: dict) -> dict:
    """Counts per salient type; ``end_score`` is the score when the game ends (the game resets it after); the
    ``Outcome`` (``failed/killed`` at game over, else ``incomplete/interrupted``)."""
    types = events["trial_type"]
    over = events[types == "GameOver"]
    end = int(over["frame_start"].iloc[0]) if len(over) else len(table) - 1
    return {
        "duration": len(table) / fps,
        "game_over": bool(len(over)),
        "end_score": int(table["score"].iloc[end]),
        "lives lost": int((types == "LifeLost").sum()),
        "enemies destroyed": int((types == "EnemyDestroyed").sum()),
        "Outcome": voc.FAILED_KILLED if len(over) else voc.INTERRUPTED,
    }
