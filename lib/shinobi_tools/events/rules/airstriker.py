"""Airstriker rules in CNeuroMod's current vocabulary, so that one vocabulary spans the games (Airstriker has no
CNeuroMod dataset: these rules follow the Shinobi III conventions, checked on replays and rendered frames).

RAM (``games/data/airstriker.yaml``): ``gameover`` is the ship state (9 flying, 3-8 one-frame flickers while
flying, 0 on the frame the ship is hit, then 1, 2 until the respawn); ``lives`` counts spare ships and drops 80-82
frames after the hit, on the one black frame before the respawn; ``ship_visible`` goes 11 → 0 32-33 frames after
the hit; the score rises 20 per enemy. After the last ship is hit (``lives`` already 0) the game writes "Game over"
under "You died." on the frame ``ship_visible`` goes 0 and shows the title screen 113 frames after the hit.
stable-retro's ``done`` (``gameover == 1`` and ``lives == 0``) stops our recordings 11 frames after that last
hit, so they never reach "Game over".

After the ``Action/*`` rows (B → ``Action/Attack``; UP, DOWN, A, C, X, Y, Z have no effect: see the game YAML's
``invisible_events``) and ``LevelStarted``, in the order rows are made:

1. ``PlayerDied``: one per ``Screen/Death`` stretch, over the same frames: from the hit to the life-loss frame, or
   for the last ship to the frame before "Game over" (the end of the recording in ours).  ``LifeGained``: ``lives``
   goes up (never seen).
2. ``Screen/*``: Death from each hit (``gameover`` enters 0) to the frame before the ship flies again (``gameover``
   leaves 0, 1, 2) or the end; GameOver from the frame ``ship_visible`` is 0 inside the last ship's Death stretch
   to its end; Gameplay elsewhere (including the "Get ready" overlay, during which the player already moves and
   fires). No Transition, LevelIntro or LevelEnd: no recording reaches a level's end.
3. ``PlayerState/Normal`` over every stretch outside Death and GameOver.
4. ``EnemyDefeated`` (``points`` 20): ``score`` goes up; one row per 20 points (+40 is two enemies on one frame).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shinobi_tools.events import vocabulary as voc

VOCABULARIES = ("cneuromod",)
REQUIRED = ("gameover", "lives", "score")
#: ``gameover`` values of the destroyed ship (0 hit, 1 exploding, 2 gone until the respawn).
NOT_FLYING = (0, 1, 2)
HIT = 0
POINTS_PER_ENEMY = 20


def death_stretches(table: pd.DataFrame) -> list[tuple[int, int]]:
    """``(hit, last)`` per destroyed ship: from the frame ``gameover`` enters 0 to the frame before the ship flies
    again, or the last frame. A 1-2 frame flicker of 1 or 2 while flying starts nothing."""
    state = voc.column(table, "gameover")
    hits = voc.frames_where((state[1:] == HIT) & (state[:-1] != HIT))
    if len(state) and state[0] == HIT:
        hits.insert(0, 0)
    flying = np.flatnonzero(~np.isin(state, NOT_FLYING))
    out: list[tuple[int, int]] = []
    for hit in hits:
        if out and hit <= out[-1][1]:
            continue
        later = flying[flying > hit]
        out.append((hit, int(later[0]) - 1 if len(later) else len(state) - 1))
    return out


def screen_labels(table: pd.DataFrame, deaths: list[tuple[int, int]]) -> list[str]:
    lives = voc.column(table, "lives")
    visible = table["ship_visible"].to_numpy() if "ship_visible" in table.columns else None
    labels = [voc.Screen.GAMEPLAY] * len(table)
    for first, last in deaths:
        voc.fill(labels, first, last, voc.Screen.DEATH)
        if lives[first] == 0 and visible is not None:
            gone = np.flatnonzero(visible[first:last + 1] == 0)
            if len(gone):
                voc.fill(labels, first + int(gone[0]), last, voc.Screen.GAME_OVER)
    return labels


def rows(table: pd.DataFrame, options: dict) -> list[voc.Row]:
    """The game's rows of one repetition in generation order (after the actions and ``LevelStarted``)."""
    deaths = death_stretches(table)
    labels = screen_labels(table, deaths)
    out = []
    for first, _ in deaths:
        stop = first
        while stop + 1 < len(labels) and labels[stop + 1] == voc.Screen.DEATH:
            stop += 1
        out.append(voc.span("PlayerDied", first, stop))
    out += [voc.point("LifeGained", f) for f in voc.frames_where(voc.steps(voc.column(table, "lives")) > 0)]
    out += voc.screen_rows(labels)
    out += [voc.span("PlayerState/Normal", first, last) for first, last in voc.alive_runs(labels)]
    score_step = voc.steps(voc.column(table, "score"))
    for index in np.flatnonzero(score_step > 0):
        for _ in range(max(1, int(score_step[index]) // POINTS_PER_ENEMY)):
            out.append(voc.point("EnemyDefeated", int(index) + 1, points=POINTS_PER_ENEMY))
    return out


def outcome(table: pd.DataFrame) -> str:
    """``failed/killed`` when the last ship is destroyed (the game's own end), else ``incomplete/interrupted``
    (the run's time budget stopped the recording). Never ``cleared``: no level end exists in the recordings."""
    lives = voc.column(table, "lives")
    final = any(lives[hit] == 0 for hit, _ in death_stretches(table))
    return voc.FAILED_KILLED if final else voc.INTERRUPTED


def summarize(table: pd.DataFrame, events: pd.DataFrame, fps: float, options: dict) -> dict:
    """Counts per salient type and the ``Outcome``; ``end_score`` is the score at the last ship's hit (the game
    resets it afterwards) or at the last frame."""
    lives, score = voc.column(table, "lives"), voc.column(table, "score")
    finals = [hit for hit, _ in death_stretches(table) if lives[hit] == 0]
    types = events["trial_type"]
    return {
        "duration": len(table) / fps,
        "game_over": bool(finals),
        "end_score": int(score[finals[0]] if finals else score[-1]),
        "lives lost": int((types == "PlayerDied").sum()),
        "enemies defeated": int((types == "EnemyDefeated").sum()),
        "Outcome": outcome(table),
    }
