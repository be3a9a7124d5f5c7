"""Super Mario Bros. 3 event rules in CNeuroMod's vocabulary (``mario3``, NES), after ``videogames_utils``
``docs/EVENT_REFERENCE.md`` section 2.

* ``PlayerDied/Enemy|Fall|Timeout``: ``player_is_dying`` (``Player_IsDying``, $00F1) becomes 1, 2 or 3 (the game
  states the cause). ``PlayerDamaged``: ``player_suit_lost`` (the suit-lost poof counter) becomes non-zero, falling
  back to ``invisibility_timer`` (``Player_FlashInv``, the post-hit blink), not within 120 frames of a death.
  ``LifeGained``: ``lives`` rises.
* ``PlayerState/<suit>``: runs of ``powerup`` (``Player_Suit``, $00ED: Small, Super, Fire, Raccoon, Frog, Tanooki,
  Hammer) on the frames the player is alive in the level; ``PlayerState/Star|HitRecovery|Flying|Statue|KuriboShoe``:
  non-zero runs of ``invincibility_timer``, ``invisibility_timer``, ``flight_timer``, ``statue_timer``,
  ``kuribo_shoe``; ``PSwitchStarted`` / ``PSwitchExpired`` at the start and end of a ``p_switch_timer`` run.
* ``EnemyDefeated/Stomp|Projectile``: an object slot's state (``object_state_*``) enters 7 (squashed) or 3 (shelled,
  from a state that is neither shelled nor kicked) / 6 or 8 (killed, poof). ``ShellStartedMoving``: it enters 5.
  ``EnemyOnScreen``: a visible track (state non-zero, ``object_sprhvis_*`` and ``object_sprvvis_*`` clear) of an
  enemy id. Species are not named (CNeuroMod appends ``/<species>``): the 170-entry ``OBJ_*`` table was not
  transcribed, so only items, goal cards and id 0 are told apart from enemies, not platforms or blocks.
* ``ItemCollected/Coin``: ``coins_p1`` rises or wraps at 100; ``BlockSmashed``: ``score`` rises by exactly 1 (10
  points) while ``in_air``; ``ItemOnScreen/<item>``: ids 0x0B, 0x0C, 0x0D, 0x19, 0x1E visible.
* ``LevelStarted`` (frame 0; ``LevelRestarted`` with ``event_options: {restart: true}``, a rep after a death);
  ``LevelCompleted`` and ``GoalCardCollected/<card>``: a ``goal_cards_p1_{1,2,3}`` rises; ``GoalCardVisible``: id
  0x41 visible; ``AutoScrollStarted``: ``level_hautoscroll`` becomes non-zero.
* ``Screen/*`` (partition): Death while ``player_is_dying``; Transition while ``player_halt_game`` >= 128 (the next
  area loads) and over the pipe-entry hold just before; LevelEnd from the card to the end; after the last death,
  Map or GameOver (``lives`` < 0) where ``level_music`` is 0; Gameplay otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import shinobi_tools.events.rules.mario as mario
from shinobi_tools.events.vocabulary import Row, point, span

#: Both vocabularies: ``rows`` for cneuromod, ``detect`` for legacy.
VOCABULARIES = ("cneuromod", "legacy")
REQUIRED = ("lives", "score")
SLOTS = 8
SUITS = {0: "Small", 1: "Super", 2: "Fire", 3: "Raccoon", 4: "Frog", 5: "Tanooki", 6: "Hammer"}
CAUSES = {1: "Enemy", 2: "Fall", 3: "Timeout"}
DEFEATS = {6: "Projectile", 7: "Stomp", 8: "Projectile"}
SHELLED, KICKED = 3, 5
HALT_AREA_LOAD = 128
CARDS = {0: "Mushroom", 1: "Flower", 2: "Star", 3: "1Up", 4: "10Coin", 5: "20Coin", 8: "Wild"}
ITEMS = {0x0B: "1Up", 0x0C: "Starman", 0x0D: "Mushroom", 0x19: "FireFlower", 0x1E: "SuperLeaf"}
GOAL_CARD, GOAL_CARD_ITEMS = 0x41, frozenset({0x21, 0x22, 0x23})
#: Ids that are not counted as enemies: items, goal cards and id 0 (the OBJ_* table's scenery is not transcribed).
NOT_ENEMIES = frozenset(ITEMS) | GOAL_CARD_ITEMS | {GOAL_CARD, 0x00}
TIMERS = {"invincibility_timer": "Star", "invisibility_timer": "HitRecovery", "flight_timer": "Flying",
          "statue_timer": "Statue", "kuribo_shoe": "KuriboShoe"}
DAMAGE_NEAR_DEATH = 120


def detect(table: pd.DataFrame, fps: float, options: dict) -> pd.DataFrame:
    return mario.to_events(rows(table, options))


def rows(table: pd.DataFrame, options: dict) -> list[Row]:
    """Every row of one repetition (the ``Action/*`` presses aside), frames inclusive."""
    n = len(table)
    dying = mario.column(table, "player_is_dying")
    out = [point("LevelRestarted" if options.get("restart") else mario.LEVEL_STARTED, 0)]
    completed = _level(table, out)
    deaths = mario.transitions(dying != 0)
    out += [point(f"PlayerDied/{CAUSES.get(int(dying[f]), 'Enemy')}", f) for f in deaths]
    hits = mario.transitions(mario.column(table, "player_suit_lost") != 0) \
        or mario.transitions(mario.column(table, "invisibility_timer") != 0)
    out += [point("PlayerDamaged", f) for f in hits if not any(abs(f - d) <= DAMAGE_NEAR_DEATH for d in deaths)]
    out += [point("LifeGained", f) for f in np.flatnonzero(np.diff(mario.column(table, "lives")) > 0) + 1]
    labels = _screens(table, dying, completed)
    out += mario.screen_rows(labels)
    if "powerup" in table.columns:
        for start, stop, value in mario.constant_runs(mario.column(table, "powerup"), mario.alive(labels)):
            if value in SUITS:
                out.append(span(f"PlayerState/{SUITS[value]}", start, stop))
    for variable, name in TIMERS.items():
        out += mario.timer_rows(f"PlayerState/{name}", mario.column(table, variable), deaths)
    for start, stop in mario.true_runs(mario.column(table, "p_switch_timer") != 0):
        out += [point("PSwitchStarted", start)] + ([point("PSwitchExpired", stop + 1)] if stop + 1 < n else [])
    out += _items(table)
    out += _objects(table)
    return out


def _level(table, out: list[Row]) -> int | None:
    """LevelCompleted, GoalCardCollected and AutoScrollStarted; the frame the level was completed, if it was."""
    completed = None
    for index in (1, 2, 3):
        cards = mario.column(table, f"goal_cards_p1_{index}")
        for frame in np.flatnonzero(np.diff(cards) > 0) + 1:
            completed = frame if completed is None else min(completed, frame)
            out.append(point(f"GoalCardCollected/{CARDS.get(int(cards[frame]), 'Unknown')}", frame))
    if completed is not None:
        out.append(point(mario.LEVEL_COMPLETED, completed))
    out += [point("AutoScrollStarted", f) for f in mario.transitions(mario.column(table, "level_hautoscroll") != 0)]
    return completed


def _screens(table, dying, completed) -> list[str]:
    n = len(table)
    labels = [mario.GAMEPLAY] * n
    runs = mario.constant_runs(mario.column(table, "player_halt_game"))
    for index, (start, stop, value) in enumerate(runs):
        if value >= HALT_AREA_LOAD:
            mario.fill(labels, start, stop, mario.TRANSITION)
            if index and 0 < runs[index - 1][2] < HALT_AREA_LOAD:
                mario.fill(labels, runs[index - 1][0], runs[index - 1][1], mario.TRANSITION)
    last_death = -1
    for start, stop in mario.true_runs(dying != 0):
        mario.fill(labels, start, stop, mario.DEATH)
        last_death = stop
    if last_death >= 0 and "level_music" in table.columns:
        music, lives = mario.column(table, "level_music"), mario.column(table, "lives")
        for frame in range(last_death + 1, n):
            if music[frame] == 0:
                labels[frame] = mario.GAME_OVER if lives[frame] < 0 else mario.MAP
    if completed is not None:
        mario.fill(labels, completed, n - 1, mario.LEVEL_END)
    return labels


def _items(table) -> list[Row]:
    delta = np.diff(mario.column(table, "coins_p1"))
    out = [point("ItemCollected/Coin", f) for f in np.flatnonzero((delta > 0) | (delta <= -99)) + 1]
    in_air = mario.column(table, "in_air")
    score = np.diff(mario.column(table, "score"))
    out += [point("BlockSmashed", f) for f in np.flatnonzero(score == 1) + 1 if in_air[f] != 0]
    return out


def _visible(table, slot: int) -> np.ndarray:
    shown = mario.column(table, f"object_state_{slot}") != 0
    for flags in (f"object_sprhvis_{slot}", f"object_sprvvis_{slot}"):
        shown &= mario.column(table, flags) == 0
    return shown


def _objects(table) -> list[Row]:
    def ids(slot):
        return mario.column(table, f"object_id_{slot}")

    out = []
    for slot in range(SLOTS):
        state, kinds = mario.column(table, f"object_state_{slot}"), ids(slot)
        before = np.concatenate([[state[0]], state[:-1]])
        for frame in np.flatnonzero(state != before):
            if kinds[frame] in NOT_ENEMIES:
                continue
            if state[frame] in DEFEATS:
                out.append(point(f"EnemyDefeated/{DEFEATS[state[frame]]}", frame))
            elif state[frame] == SHELLED and before[frame] not in (SHELLED, KICKED):
                out.append(point("EnemyDefeated/Stomp", frame))
            elif state[frame] == KICKED:
                out.append(point("ShellStartedMoving", frame))

    def visible(slot):
        return _visible(table, slot)

    out += [span("EnemyOnScreen", t.frame_start, t.frame_stop)
            for t in mario.tracks(SLOTS, visible, ids, lambda k: k not in NOT_ENEMIES)]
    out += [span(f"ItemOnScreen/{ITEMS[t.type_id]}", t.frame_start, t.frame_stop)
            for t in mario.tracks(SLOTS, visible, ids, lambda k: k in ITEMS, 2)]
    out += [point("GoalCardVisible", t.frame_start)
            for t in mario.tracks(SLOTS, visible, ids, lambda k: k == GOAL_CARD, 2)]
    return out


#: The duration, whether the level was completed, the score at the end (in tens of points), the deaths.
summarize = mario.summarize
