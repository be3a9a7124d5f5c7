"""Super Mario Bros. event rules in CNeuroMod's vocabulary (``mario``, NES; ``mariostars``, Super Mario All-Stars on
the SNES, with ``event_options: {port: snes}``), after ``videogames_utils`` ``docs/EVENT_REFERENCE.md`` section 1.

Most events come from the engine state (``GameEngineSubroutine``, $000E: ``player_state`` on the NES,
``player_action_state`` on the SNES), the game's own statement of what the player does; counters lag (``lives``
drops seconds after a death):

* ``PlayerDamaged``: the engine enters 10; ``PlayerDied/Enemy``: it enters 11 (``PlayerDied/Timeout`` when the
  timer has read 0 for the 120 frames before); ``PlayerDied/Fall``: it enters 6 with no 11 in the 400 frames
  before, from the frame the player left the screen (NES: ``player_y_screen`` leaving 1; SNES: the last timer tick
  plus half a tick) to the life loss; ``LifeGained``: ``lives`` rises.
* ``PlayerState/Small|Super|Fire``: runs of ``player_status`` (0/1/2) on the frames the player is alive in the level;
  ``PlayerState/Star`` and ``PlayerState/HitRecovery``: non-zero runs of ``star_timer`` and ``injury_timer``, cut at a
  death.
* ``ItemCollected/Coin``: ``coins`` rises, or drops by 99 or more (the counter wraps at 100); ``BlockSmashed``:
  ``score`` rises by exactly 5 (NES: BCD in tens of points) or 50 (SNES) while airborne, before the level ends.
* ``EnemyDefeated/<Stomp|Projectile|Shell>/<species>``: an enemy slot's state enters 4, 34 or 132;
  ``EnemyOnScreen/<species>``: a visible track of an enemy id (NES: ``Enemy_Flag`` set and ``EnemyOffscrBitsMasked``
  0; SNES: bit 0 of ``sprite_onscreen_flag``); ``ItemOnScreen/Powerup``: id 0x2E visible; ``FlagpoleVisible`` /
  ``CastleVisible``: a slot holds id 0x30 / 0x31.
* ``PipeEntered``: the engine enters 2 or 3; ``LevelStarted``: frame 0; ``LevelCompleted``: the engine enters 5
  (else 4); ``LevelExited/Warp``: ``world``/``area`` changes in a level that never ended; ``TimerWarningStarted``:
  NES bit 0x40 of ``event_music_queue``, SNES the timer crossing 100 downwards in play.
* ``Screen/*`` (partition): LevelEnd (engine 4, 5), Death (11, 6 and the fall), Transition (0, 1, 2, 3, 7, and on
  the SNES any frame whose OperMode_Task is not 3), a Transition at the start or right after a death being the
  LevelIntro title card; Gameplay otherwise.

Simplified against the reference: on-screen tracks are per slot (no merge across slots), Piranha Plants count while
in their pipe, and Bullet Bill cannons are not told from their bullets. The controller's ``Action/*`` press events
come from the game definition's ``button_events``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import shinobi_tools.events.rules.mario as mario
from shinobi_tools.events.vocabulary import Row, point, span

#: Both vocabularies: ``rows`` for cneuromod, ``detect`` for legacy.
VOCABULARIES = ("cneuromod", "legacy")
REQUIRED = ("lives", "score")
KILL_STATES = {4: "Stomp", 34: "Projectile", 132: "Shell"}
FORMS = {0: "Small", 1: "Super", 2: "Fire"}
#: GameEngineSubroutine values (SMBDIS.ASM's dispatch table).
ENTRANCE, VINE, SIDE_PIPE, VERTICAL_PIPE, FLAGPOLE, END_LEVEL, LOSE_LIFE, PLAYER_ENTRANCE = 0, 1, 2, 3, 4, 5, 6, 7
INJURY, DEATH = 10, 11
TRANSITIONS = (ENTRANCE, VINE, SIDE_PIPE, VERTICAL_PIPE, PLAYER_ENTRANCE)
#: SMB1 object ids (SMBDIS.ASM): enemies by name, and the ids that are not enemies.
SPECIES = {
    0x00: "GreenKoopa", 0x02: "BuzzyBeetle", 0x03: "RedKoopa", 0x05: "HammerBro", 0x06: "Goomba", 0x07: "Blooper",
    0x08: "BulletBill", 0x0A: "GreyCheepCheep", 0x0B: "RedCheepCheep", 0x0C: "Podoboo", 0x0D: "PiranhaPlant",
    0x0E: "GreenParatroopaJump", 0x0F: "RedParatroopa", 0x10: "GreenParatroopaFly", 0x11: "Lakitu", 0x12: "Spiny",
    0x14: "FlyingCheepCheep", 0x15: "BowserFlame", 0x1B: "ShortFirebar", 0x1C: "ShortFirebar",
    0x1D: "ShortFirebar", 0x1E: "ShortFirebar", 0x1F: "LongFirebar", 0x2D: "Bowser", 0x33: "BulletBill",
}
NOT_ENEMIES = frozenset(range(0x24, 0x2D)) | {0x15, 0x16, 0x17, 0x18, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x35, 0x36}
POWERUP, FLAGPOLE_FLAG, STAR_FLAG = 0x2E, 0x30, 0x31
FALL_SEARCH, TIMER_TICK_HALF, TIMEOUT_WINDOW = 400, 12, 120


@dataclass(frozen=True)
class Port:
    """Which variables carry each signal on one port."""

    slots: int
    ids: str
    states: str
    flags: str
    offscreen: str | None
    engine: str
    coins: str
    timer: str
    brick_points: int
    player_y_high: str | None
    music: str | None
    task: str | None


PORTS = {
    "nes": Port(6, "enemy_id_{}", "enemy_kill3{}", "enemy_drawn{}", "enemy_offscr_masked_{}", "player_state",
                "coins", "time", 5, "player_y_screen", "event_music_queue", None),
    "snes": Port(8, "sprite_number_{}", "sprite_state_{}", "sprite_onscreen_flag_{}", None, "player_action_state",
                 "player_coins", "time_units", 50, None, None, "reset"),
}


def _flag(port: Port, slot: int) -> str:
    """The NES Enemy_Flag slots are named enemy_drawn15..19 and enemy_drawn20."""
    return port.flags.format(15 + slot if port.offscreen else slot)


def _species(type_id: int) -> str:
    return SPECIES.get(type_id, f"Unknown_0x{type_id:02X}")


def detect(table: pd.DataFrame, fps: float, options: dict) -> pd.DataFrame:
    return mario.to_events(rows(table, options))


def rows(table: pd.DataFrame, options: dict) -> list[Row]:
    """Every row of one repetition (the ``Action/*`` presses aside), frames inclusive."""
    port = PORTS[str(options.get("port", "nes"))]
    engine = mario.column(table, port.engine)
    timer = mario.column(table, port.timer)
    out = [point(mario.LEVEL_STARTED, 0)]
    deaths, falls = _deaths(table, port, engine, timer, out)
    labels = _screens(table, port, engine, falls)
    out += mario.screen_rows(labels)
    onsets = sorted(deaths + [start for start, _ in falls])
    if "player_status" in table.columns:
        for start, stop, value in mario.constant_runs(mario.column(table, "player_status"), mario.alive(labels)):
            if value in FORMS:
                out.append(span(f"PlayerState/{FORMS[value]}", start, stop))
    out += mario.timer_rows("PlayerState/Star", mario.column(table, "star_timer"), onsets)
    out += mario.timer_rows("PlayerState/HitRecovery", mario.column(table, "injury_timer"), onsets)
    out += [point("LifeGained", f) for f in np.flatnonzero(np.diff(mario.column(table, "lives")) > 0) + 1]
    out += _items(table, port, engine)
    out += _objects(table, port)
    out += _level(table, port, engine, timer, labels)
    return out


def _deaths(table, port, engine, timer, out) -> tuple[list[int], list[tuple[int, int]]]:
    out += [point("PlayerDamaged", f) for f in mario.transitions(engine == INJURY)]
    deaths = mario.transitions(engine == DEATH)
    for frame in deaths:
        window = timer[max(0, frame - TIMEOUT_WINDOW):frame + 1]
        out.append(point("PlayerDied/Timeout" if (window == 0).all() else "PlayerDied/Enemy", frame))
    falls = []
    for frame in mario.transitions(engine == LOSE_LIFE):
        if any(0 <= frame - d <= FALL_SEARCH for d in deaths):
            continue
        onset = _fall_onset(table, port, timer, frame)
        out.append(span("PlayerDied/Fall", onset, frame))
        falls.append((onset, frame))
    return deaths, falls


def _fall_onset(table, port, timer, reset: int) -> int:
    """The frame the player dropped off the screen before the life loss at ``reset``."""
    low = max(reset - FALL_SEARCH, 1)
    y = mario.column(table, port.player_y_high)
    if y.any():
        frame = reset
        while frame > low and y[frame] > 1:
            frame -= 1
        if low < frame < reset:
            return frame + 1
    for frame in range(reset - 1, low, -1):
        if timer[frame] != timer[frame - 1]:
            return min(frame + TIMER_TICK_HALF, reset)
    return reset


def _screens(table, port, engine, falls) -> list[str]:
    labels = [mario.LEVEL_END if v in (FLAGPOLE, END_LEVEL) else mario.DEATH if v in (DEATH, LOSE_LIFE)
              else mario.TRANSITION if v in TRANSITIONS else mario.GAMEPLAY for v in engine]
    if port.task and port.task in table.columns:   # SNES: OperMode_Task from the `reset` BCD variable
        for frame, value in enumerate(mario.column(table, port.task)):
            task = (int(value) // 100) % 100
            if labels[frame] == mario.GAMEPLAY and min(task, 3) != 3:
                labels[frame] = mario.TRANSITION
    for onset, stop in falls:
        mario.fill(labels, onset, stop, mario.DEATH)
    for start, stop, label in mario.constant_runs(labels):
        if label == mario.TRANSITION and (start == 0 or labels[start - 1] == mario.DEATH):
            mario.fill(labels, start, stop, mario.LEVEL_INTRO)
    return labels


def _items(table, port, engine) -> list[Row]:
    out = []
    score = mario.column(table, "score")
    ends = mario.transitions(np.isin(engine, (FLAGPOLE, END_LEVEL)))
    cutoff = ends[0] if ends else len(table)
    airborne = mario.column(table, "jump_airborne") if port.offscreen else None
    for frame in np.flatnonzero(np.diff(score) == port.brick_points) + 1:
        if frame < cutoff and (airborne is None or airborne[frame - 1] in (1, 2)):
            out.append(point("BlockSmashed", frame))
    delta = np.diff(mario.column(table, port.coins))
    out += [point("ItemCollected/Coin", f) for f in np.flatnonzero((delta > 0) | (delta <= -99)) + 1]
    return out


def _visible(table, port, slot: int) -> np.ndarray:
    flag = mario.column(table, _flag(port, slot))
    if port.offscreen:
        return (flag != 0) & (mario.column(table, port.offscreen.format(slot)) == 0)
    return (flag & 1) != 0


def _objects(table, port) -> list[Row]:
    def ids(slot):
        return mario.column(table, port.ids.format(slot))

    out = []
    for slot in range(port.slots):
        state, kinds = mario.column(table, port.states.format(slot)), ids(slot)
        entered = np.isin(state, list(KILL_STATES)) & ~np.isin(np.concatenate([[0], state[:-1]]), list(KILL_STATES))
        for frame in np.flatnonzero(entered):
            if frame > 0 and kinds[frame] not in NOT_ENEMIES:
                out.append(point(f"EnemyDefeated/{KILL_STATES[state[frame]]}/{_species(kinds[frame])}", frame))
    for track in mario.tracks(port.slots, lambda s: _visible(table, port, s), ids, lambda k: k not in NOT_ENEMIES):
        out.append(span(f"EnemyOnScreen/{_species(track.type_id)}", track.frame_start, track.frame_stop))
    for track in mario.tracks(port.slots, lambda s: _visible(table, port, s), ids, lambda k: k == POWERUP, 2):
        out.append(span("ItemOnScreen/Powerup", track.frame_start, track.frame_stop))
    for kind, name in ((FLAGPOLE_FLAG, "FlagpoleVisible"), (STAR_FLAG, "CastleVisible")):
        occupied = [t for t in mario.tracks(port.slots, lambda s: mario.column(table, _flag(port, s)) != 0, ids,
                                            lambda k, kind=kind: k == kind, 2)]
        out += [span(name, t.frame_start, t.frame_stop) for t in occupied]
    return out


def _level(table, port, engine, timer, labels) -> list[Row]:
    out = [point("PipeEntered", f) for f in mario.transitions(np.isin(engine, (SIDE_PIPE, VERTICAL_PIPE)))]
    ended = mario.transitions(engine == END_LEVEL) or mario.transitions(engine == FLAGPOLE)
    if ended:
        out.append(point(mario.LEVEL_COMPLETED, ended[0]))
    else:
        place = np.stack([mario.column(table, "world"), mario.column(table, "area")])
        changed = np.flatnonzero((np.diff(place, axis=1) != 0).any(axis=0))
        if len(changed):
            out.append(point("LevelExited/Warp", changed[0] + 1))
    if port.music:
        warning = (mario.column(table, port.music) & 0x40) != 0
        out += [point("TimerWarningStarted", f) for f in mario.transitions(warning)]
    else:
        crossing = np.flatnonzero((timer[:-1] >= 100) & (timer[1:] < 100)) + 1
        out += [point("TimerWarningStarted", f) for f in crossing if labels[f] == mario.GAMEPLAY]
    return out


#: The duration, whether the level was completed, the score at the end (in tens of points), the deaths.
summarize = mario.summarize
