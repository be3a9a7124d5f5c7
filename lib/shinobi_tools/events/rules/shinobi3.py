"""Shinobi III rules in CNeuroMod's current vocabulary: the rows their generator writes.

Reference: courtois-neuromod/videogames_utils, ``docs/EVENT_REFERENCE.md`` section 3 and
``src/videogames_utils/events/generators/shinobi3.py`` (the version whose ``PlayerDied`` is untyped and walked back
to ``health`` 0: the one that wrote the rows of the six shared repetitions, matched exactly by the tests).
After the ``Action/*`` rows and ``LevelStarted`` (made for every game by :mod:`shinobi_tools.events.rules`), in the
order rows are made (the order rows on one frame keep):

1. ``PlayerDamaged`` / ``HealthGained``: ``health`` down / up from the previous frame. A decrease is dropped when
   it falls from 60 frames before to 180 frames after a life loss (``lives`` down).
2. ``PlayerState/HitRecovery``: a non-zero run of the post-hit timer (``options["hit_timer"]``, see below) starting
   within 3 frames of a ``PlayerDamaged``, cut before the first frame after its start where ``health`` is 0.
3. ``PlayerDied``: per life loss, from the first frame of the ``health == 0`` stretch before it (at most 400 frames
   back) to the life-loss frame.  ``LifeGained``: ``lives`` up.
4. ``Screen/*`` (:func:`screen_labels`), ``LevelCompleted`` on the first ``LevelEnd`` frame, ``PlayerState/Normal``
   over every stretch outside ``Death``/``GameOver``.
5. ``EnemyDefeated`` (``points``): ``instantScore`` steps by 200, 300, 400 or 500; ``ProjectileAppeared/Shuriken``:
   ``shurikens`` steps by exactly -1; ``ItemCollected/Shurikens``: ``shurikens`` goes up;
   ``WeaponPowerupStarted/Ninjutsu{n}``: ``ninjitsu`` goes down, ``n`` = ``typeOfNinjitsu`` (empty if 0).

A RAM variable the table lacks reads as zeros (as in their generator); only ``health`` is required.

The post-hit timer ($FF4165) is ``hit_timer`` in CNeuroMod's code and absent from their variables files, so the rows
of their files never hold ``PlayerState/HitRecovery``. Our replay records the same address as ``hitRecovery``; the
rules read the column named by ``options["hit_timer"]`` (default ``hit_timer``), so a replay gives exactly the rows
of the repetition's variables file. Set it to ``hitRecovery`` to add the ``HitRecovery`` rows (what their replay
pass adds to the regenerated dataset).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shinobi_tools.events import vocabulary as voc

VOCABULARIES = ("cneuromod",)
REQUIRED = ("health",)
#: ``instantScore`` steps written as ``EnemyDefeated`` (their generator; the 2023 summaries count 200/300 only).
KILL_SCORES = (200, 300, 400, 500)
#: ``blackScreen`` value of the enemy-wave scroll lock (gameplay, not a black screen).
SCROLL_LOCK = 40
#: ``blackScreen`` values of a fade; the last stretch holding one at its start is the level end.
LEVEL_END_FADES = (22, 62)
#: How far back from a life loss the ``health == 0`` stretch is followed.
DEATH_SEARCH_FRAMES = 400
#: A ``health`` drop this many frames before (60) / after (180) a life loss belongs to the death.
DAMAGE_SUPPRESS_BEFORE_LOSS = 60
DAMAGE_SUPPRESS_AFTER_LOSS = 180
#: A timer run belongs to a ``PlayerDamaged`` at most this many frames from its start.
HIT_TIMER_TOLERANCE = 3
#: The column of the post-hit timer read by default (CNeuroMod's name).
HIT_TIMER = "hit_timer"


def life_losses(lives: np.ndarray) -> list[int]:
    """Frames where ``lives`` drops."""
    return voc.frames_where(voc.steps(lives) < 0)


def death_onset(health: np.ndarray, loss: int) -> int:
    """First frame of the ``health == 0`` stretch just before the life loss at ``loss`` (at most 400 back)."""
    frame = loss
    while frame > 0 and health[frame - 1] == 0 and loss - frame < DEATH_SEARCH_FRAMES:
        frame -= 1
    return frame


def screen_labels(table: pd.DataFrame, losses: list[int]) -> list[str]:
    """One ``Screen`` label per frame: Transition where ``blackScreen`` is neither 0 nor 40; Death from
    :func:`death_onset` to each life loss (overrides); GameOver on Transition frames with ``lives < 0``; the last
    run becomes LevelEnd when it is a Transition whose first frame holds 22 or 62."""
    mode = voc.column(table, "blackScreen")
    health, lives = voc.column(table, "health"), voc.column(table, "lives")
    labels = [voc.Screen.GAMEPLAY] * len(table)
    for first, last in voc.true_runs((mode != 0) & (mode != SCROLL_LOCK)):
        voc.fill(labels, first, last, voc.Screen.TRANSITION)
    for loss in losses:
        voc.fill(labels, death_onset(health, loss), loss, voc.Screen.DEATH)
    for frame in np.flatnonzero(lives < 0):
        if labels[frame] == voc.Screen.TRANSITION:
            labels[frame] = voc.Screen.GAME_OVER
    runs = voc.constant_runs(labels)
    if runs:
        first, last, label = runs[-1]
        if label == voc.Screen.TRANSITION and mode[first] in LEVEL_END_FADES:
            voc.fill(labels, first, last, voc.Screen.LEVEL_END)
    return labels


def _player_rows(table: pd.DataFrame, losses: list[int], hit_timer: str) -> list[voc.Row]:
    health = voc.column(table, "health")
    rows: list[voc.Row] = []
    damaged: list[int] = []
    loss_frames = np.asarray(losses, dtype=np.int64)
    delta = voc.steps(health)
    for index in np.flatnonzero(delta != 0):
        frame = int(index) + 1
        if delta[index] > 0:
            rows.append(voc.point("HealthGained", frame))
            continue
        offset = frame - loss_frames
        if ((offset >= -DAMAGE_SUPPRESS_BEFORE_LOSS) & (offset <= DAMAGE_SUPPRESS_AFTER_LOSS)).any():
            continue
        rows.append(voc.point("PlayerDamaged", frame))
        damaged.append(frame)
    for first, last in voc.nonzero_runs(voc.column(table, hit_timer)):
        if any(abs(first - f) <= HIT_TIMER_TOLERANCE for f in damaged):
            zeros = np.flatnonzero(health[first:last + 1] == 0)
            stop = voc.clip(first, last, [first + int(zeros[0])] if len(zeros) else [])
            rows.append(voc.span("PlayerState/HitRecovery", first, stop))
    rows += [voc.span("PlayerDied", death_onset(health, loss), loss) for loss in losses]
    rows += [voc.point("LifeGained", f) for f in voc.frames_where(voc.steps(voc.column(table, "lives")) > 0)]
    return rows


def _combat_rows(table: pd.DataFrame) -> list[voc.Row]:
    score_step = voc.steps(voc.column(table, "instantScore"))
    rows = [voc.point("EnemyDefeated", f, points=int(score_step[f - 1]))
            for f in voc.frames_where(np.isin(score_step, KILL_SCORES))]
    shuriken_step = voc.steps(voc.column(table, "shurikens"))
    for index in np.flatnonzero((shuriken_step == -1) | (shuriken_step > 0)):
        name = "ProjectileAppeared/Shuriken" if shuriken_step[index] == -1 else "ItemCollected/Shurikens"
        rows.append(voc.point(name, int(index) + 1))
    kind = voc.column(table, "typeOfNinjitsu")
    for frame in voc.frames_where(voc.steps(voc.column(table, "ninjitsu")) < 0):
        rows.append(voc.point(f"WeaponPowerupStarted/Ninjutsu{kind[frame] or ''}", frame))
    return rows


def rows(table: pd.DataFrame, options: dict) -> list[voc.Row]:
    """The game's rows of one repetition in generation order (after the actions and ``LevelStarted``)."""
    losses = life_losses(voc.column(table, "lives"))
    out = _player_rows(table, losses, str(options.get("hit_timer", HIT_TIMER)))
    labels = screen_labels(table, losses)
    out += voc.screen_rows(labels)
    level_end = voc.first_run(labels, voc.Screen.LEVEL_END)
    if level_end is not None:
        out.append(voc.point(voc.LEVEL_COMPLETED, level_end[0]))
    out += [voc.span("PlayerState/Normal", first, last) for first, last in voc.alive_runs(labels)]
    return out + _combat_rows(table)


def summarize(table: pd.DataFrame, events: pd.DataFrame, fps: float, options: dict) -> dict:
    """CNeuroMod's published ``*_summary.json`` keys (2023: kills = ``options["kill_scores"]`` steps, health lost
    = -1 steps, shurikens used = -1 steps) from the RAM, plus their ``Outcome``; ``duration`` = frames / ``fps``."""
    kill_scores = [int(v) for v in options.get("kill_scores", (200, 300))]
    outcome = voc.survival_outcome(table["lives"].to_numpy() if "lives" in table.columns else None)
    return {
        "duration": len(table) / fps,
        "cleared": outcome == voc.CLEARED,
        "end_score": int(voc.column(table, "score")[-1]),
        "total health lost": int((voc.steps(voc.column(table, "health")) == -1).sum()),
        "shurikens used": int((voc.steps(voc.column(table, "shurikens")) == -1).sum()),
        "enemies killed": int(np.isin(voc.steps(voc.column(table, "instantScore")), kill_scores).sum()),
        "Outcome": outcome,
    }
