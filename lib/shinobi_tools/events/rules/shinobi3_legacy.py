"""Shinobi III rules in the legacy vocabulary (``--vocabulary legacy``): CNeuroMod's 2023 annotations (``HIT``,
``JUMP``, ``Kill``, ``HealthLoss`` ...), kept exactly as before the 2026 vocabulary; frames and times follow the
legacy conventions of :mod:`shinobi_tools.events.extract` (``frame_stop`` exclusive, the table's frame rate).

* ``Kill``: ``instantScore`` steps up by one of ``options["kill_scores"]`` (default 200/300, the
  definition behind CNeuroMod's published summaries; the newer generator adds 400 and 500);
  ``points`` holds the step.
* ``HealthLoss`` / ``HealthGain``: ``health`` goes down / up (any amount).
* ``ShurikenThrown``: ``shurikens`` drops by exactly 1.
* ``Death``: ``status`` enters 41 (``cause`` enemy) or 43 (``cause`` fall), until it leaves.
* ``LifeLost``: ``lives`` drops; ``cause`` from the last death in the 10 s before.
* ``LevelComplete``: no life lost in the run (CNeuroMod's ``cleared``); it starts with the trailing
  fade-out (``blackScreen`` 22/62 up to the last frame) or, without one, 5 s before the end
  (CNeuroMod's placement), and lasts until the end.

Every event carries the continuous player position (``x_player``, wraps removed) and ``y_player``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shinobi_tools.events import vocabulary as voc
from shinobi_tools.events.primitives import change_events, continuous_position, enter_events

VOCABULARIES = ("legacy",)
REQUIRED = ("health", "lives", "score", "instantScore", "shurikens", "status", "X_player", "Y_player", "blackScreen")
DEATH_CAUSES = {41: "enemy", 43: "fall"}
FADE_VALUES = (22, 62)
#: Seconds a life loss may follow its death and still take the death's cause.
_CAUSE_WINDOW_S = 10.0


def detect(table: pd.DataFrame, fps: float, options: dict) -> pd.DataFrame:
    kill_scores = [int(v) for v in options.get("kill_scores", (200, 300))]
    kills = change_events(table, "instantScore", "Kill", "increase", kill_scores, family="combat")
    kills["points"] = kills["value_after"] - kills["value_before"]
    deaths = enter_events(table, "status", list(DEATH_CAUSES), "Death", family="life")
    deaths["cause"] = deaths["value_after"].map(DEATH_CAUSES)
    lives = change_events(table, "lives", "LifeLost", "decrease", family="life")
    lives["cause"] = _causes(lives["frame_start"].to_numpy(), deaths, int(_CAUSE_WINDOW_S * fps))
    parts = [
        kills,
        change_events(table, "health", "HealthLoss", "decrease", family="health"),
        change_events(table, "health", "HealthGain", "increase", family="health"),
        change_events(table, "shurikens", "ShurikenThrown", "decrease", [-1], family="item"),
        deaths,
        lives,
        _level_complete(table, cleared=len(lives) == 0, tail=int(5 * fps)),
    ]
    events = pd.concat([p for p in parts if len(p)], ignore_index=True)
    x = continuous_position(table["X_player"].to_numpy())
    y = table["Y_player"].to_numpy()
    at = np.minimum(events["frame_start"].to_numpy(dtype=np.int64), len(table) - 1)
    events["x_player"] = x[at]
    events["y_player"] = y[at]
    return events


def _causes(frames: np.ndarray, deaths: pd.DataFrame, window: int) -> list[object]:
    causes: list[object] = []
    for frame in frames:
        before = deaths[(deaths["frame_start"] <= frame) & (deaths["frame_start"] >= frame - window)]
        causes.append(before["cause"].iloc[-1] if len(before) else pd.NA)
    return causes


def _level_complete(table: pd.DataFrame, cleared: bool, tail: int) -> pd.DataFrame:
    if not cleared:
        return pd.DataFrame()
    n = len(table)
    fading = np.isin(table["blackScreen"].to_numpy(), FADE_VALUES)
    if fading[-1]:
        start = n - int(np.argmin(fading[::-1])) if not fading.all() else 0
    else:
        start = max(0, n - tail)
    return pd.DataFrame({"trial_type": ["LevelComplete"], "frame_start": [start], "frame_stop": [n], "family": ["level"]})


def summarize(table: pd.DataFrame, events: pd.DataFrame, fps: float, options: dict) -> dict:
    """CNeuroMod's ``*_summary.json`` keys, from the events (health lost counts only 1-point losses, as theirs),
    plus their ``Outcome`` (``failed`` when a life was lost, else ``cleared``)."""
    types = events["trial_type"]
    health = events[types == "HealthLoss"]
    cleared = bool((types == "LifeLost").sum() == 0)
    return {
        "duration": len(table) / fps,
        "cleared": cleared,
        "end_score": int(table["score"].iloc[-1]),
        "total health lost": int(((health["value_before"] - health["value_after"]) == 1).sum()),
        "shurikens used": int((types == "ShurikenThrown").sum()),
        "enemies killed": int((types == "Kill").sum()),
        "Outcome": voc.CLEARED if cleared else voc.FAILED,
    }
