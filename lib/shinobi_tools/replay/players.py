"""Scripted, human-like players for the recorder (:mod:`shinobi_tools.replay.record`): one per game family.

* Airstriker (:class:`ScriptedPlayer`): holds directions for varied lengths, fires in bursts, moves in every
  direction with pauses and sometimes idles, so that lives are lost and enemies destroyed. It reads one RAM value,
  the ship's x position, only to drift back from the screen edges as a person would.
* Any other stable-retro game (:class:`GenericPlayer`): knows nothing of the game. It takes the platform's buttons
  from stable-retro, keeps those a bk2 can log and that belong to play (the d-pad and the action buttons; never
  START, SELECT, RESET, MODE, PAUSE or RUN), and holds them in varied stretches: stick directions held for
  log-normally distributed times with pauses and diagonals, a few favourite action buttons tapped, held or pressed
  in bursts, and now and then no input at all for 1–3 s.

Everything is drawn from a seeded generator, so the same seed gives the same input log; each scripted subject has
its own style (``style_for_subject``), drawn from the dataset's seed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from shinobi_tools.errors import InputError
from shinobi_tools.games import GameDefinition
from shinobi_tools.games.platforms import DPAD, buttons, playable_buttons, resolve_system

#: The Genesis pad in the emulator's order (stable-retro's core data).
_GENESIS = buttons("Genesis")
#: Range of Airstriker's ``ship_x`` (137 at the left edge, 412 at the right one, 272 at the start); the ship only
#: moves sideways (UP and DOWN do nothing in this game).
SHIP_X_MIN, SHIP_X_MAX = 137, 412
_INDEX = {name: i for i, name in enumerate(_GENESIS)}
#: Stick directions the player can hold: (horizontal, vertical).
_HORIZONTAL = ("LEFT", "RIGHT")
_VERTICAL = ("UP", "DOWN")


@dataclass(frozen=True)
class PlayStyle:
    """How a scripted subject plays; times are in frames (≈ 1/60 s)."""

    #: Mean gap between two bursts of fire.
    fire_gap: float = 25.0
    #: Largest number of shots in one burst (the game fires one shot per press, about 6 frames apart).
    burst_max: int = 4
    #: Chance that a burst is one long hold of B instead of taps (only the first frame fires).
    hold_fire_prob: float = 0.1
    #: Median length of a held direction.
    move_hold: float = 14.0
    #: Chance that a movement segment is a pause (stick released; fire goes on).
    pause_prob: float = 0.3
    #: Chance that a movement segment uses UP/DOWN (alone or diagonal).
    vertical_prob: float = 0.15
    #: Chance that a segment is an idle period (no button at all for 1–3 s).
    idle_prob: float = 0.03
    #: Chance of heading back towards the middle when in the outer quarter of the screen.
    centering: float = 0.7
    #: How the stick moves: ``segments`` (held directions of varied length, pauses; the classic player),
    #: ``jitter`` (a dodger: short taps, mostly alternating sides) or ``sweep`` (edge to edge and back, turning
    #: only near the edges, with rare stops).
    movement: str = "segments"
    #: How B is pressed: ``bursts`` (gaps then a few taps or one hold; the classic player), ``hold`` (mostly long
    #: holds, re-pressed now and then) or ``rhythm`` (a metronome: one tap of fixed length every ``fire_gap`` frames).
    fire: str = "bursts"


#: Play-style families of :func:`style_for_subject`. ``classic``: the default dataset's players (segments + bursts);
#: ``varied``: wider parameter ranges and, per subject, a movement among segments / jitter and a fire habit among
#: bursts / hold (for training on varied play); ``heldout``: sweepers firing in rhythm, a policy neither of the
#: others uses (to check a model on a player style no training run has).
STYLE_FAMILIES = ("classic", "varied", "heldout")


def style_for_subject(seed: int, subject: int, family: str = "classic") -> PlayStyle:
    """A different play style per subject, derived from ``seed``, within one of :data:`STYLE_FAMILIES`."""
    if family not in STYLE_FAMILIES:
        raise InputError(f"play-style family must be one of {', '.join(STYLE_FAMILIES)}, not {family!r}")
    if family == "varied":
        rng = np.random.default_rng([seed, subject, 0x7A7ED])
        return PlayStyle(
            fire_gap=float(rng.uniform(4.0, 60.0)), burst_max=int(rng.integers(1, 9)),
            hold_fire_prob=float(rng.uniform(0.0, 0.5)), move_hold=float(rng.uniform(4.0, 40.0)),
            pause_prob=float(rng.uniform(0.05, 0.6)), vertical_prob=float(rng.uniform(0.0, 0.4)),
            idle_prob=float(rng.uniform(0.0, 0.08)), centering=float(rng.uniform(0.3, 1.0)),
            movement=("segments", "jitter")[subject % 2], fire=("bursts", "hold")[(subject // 2) % 2],
        )
    if family == "heldout":
        rng = np.random.default_rng([seed, subject, 0x4E1D])
        return PlayStyle(
            fire_gap=float(rng.uniform(10.0, 24.0)), burst_max=1, hold_fire_prob=0.0,
            move_hold=float(rng.uniform(30.0, 60.0)), pause_prob=float(rng.uniform(0.02, 0.1)),
            vertical_prob=0.0, idle_prob=0.0, centering=1.0, movement="sweep", fire="rhythm",
        )
    rng = np.random.default_rng([seed, subject, 0x5717E])
    return PlayStyle(
        fire_gap=float(rng.uniform(8.0, 30.0)),
        burst_max=int(rng.integers(2, 7)),
        hold_fire_prob=float(rng.uniform(0.0, 0.2)),
        move_hold=float(rng.uniform(8.0, 24.0)),
        pause_prob=float(rng.uniform(0.15, 0.4)),
        vertical_prob=float(rng.uniform(0.05, 0.25)),
        idle_prob=float(rng.uniform(0.01, 0.05)),
        centering=float(rng.uniform(0.5, 0.9)),
    )


class ScriptedPlayer:
    """Per-frame buttons from a movement process and an independent fire process.

    Call :meth:`act` once per frame with the ship's x position; it returns the emulator's button
    vector (``_GENESIS`` order, uint8).
    """

    def __init__(self, style: PlayStyle, rng: np.random.Generator):
        self.style = style
        self.rng = rng
        self._stick: tuple[str, ...] = ()
        self._stick_left = 0
        self._idle_left = 0
        self._fire_plan: Iterator[int] = iter(())
        self._heading = "LEFT"

    def act(self, ship_x: int) -> np.ndarray:
        buttons = np.zeros(len(_GENESIS), dtype=np.uint8)
        if self._idle_left > 0:
            self._idle_left -= 1
            return buttons
        if self._stick_left <= 0:
            self._next_segment(ship_x)
            if self._idle_left > 0:
                self._idle_left -= 1
                return buttons
        self._stick_left -= 1
        for name in self._stick:
            buttons[_INDEX[name]] = 1
        fire = next(self._fire_plan, None)
        if fire is None:
            self._fire_plan = self._fire_burst()
            fire = next(self._fire_plan)
        buttons[_INDEX["B"]] = fire
        return buttons

    # Movement ------------------------------------------------------------------------------
    def _next_segment(self, ship_x: int) -> None:
        style, rng = self.style, self.rng
        if style.movement == "sweep":
            self._sweep(ship_x)
            return
        draw = rng.random()
        if draw < style.idle_prob:
            self._idle_left = int(rng.integers(60, 181))
            self._stick, self._stick_left = (), 0
            self._fire_plan = iter(())
            return
        length = int(np.clip(rng.lognormal(np.log(style.move_hold), 0.6), 3, 120))
        if style.movement == "jitter":
            length = int(rng.integers(2, 7))
        if draw < style.idle_prob + style.pause_prob:
            self._stick, self._stick_left = (), max(length // 2, 4)
            return
        stick: list[str] = []
        vertical = rng.random() < style.vertical_prob
        if not vertical or rng.random() < 0.5:  # horizontal, or a diagonal
            stick.append(self._horizontal(ship_x))
        if vertical:
            stick.append(_VERTICAL[int(rng.integers(2))])
        self._stick, self._stick_left = tuple(stick), length

    def _sweep(self, ship_x: int) -> None:
        """Edge to edge: keep the heading until the outer eighth of the screen, then turn; rarely a short stop."""
        eighth = (SHIP_X_MAX - SHIP_X_MIN) / 8
        if ship_x < SHIP_X_MIN + eighth:
            self._heading = "RIGHT"
        elif ship_x > SHIP_X_MAX - eighth:
            self._heading = "LEFT"
        if self.rng.random() < self.style.pause_prob:
            self._stick, self._stick_left = (), int(self.rng.integers(6, 20))
            return
        self._stick, self._stick_left = (self._heading,), int(self.rng.integers(4, 10))

    def _horizontal(self, ship_x: int) -> str:
        if self.style.movement == "jitter":  # a dodger: mostly the other side than last time
            last = next((d for d in self._stick if d in _HORIZONTAL), None)
            if last is not None and self.rng.random() < 0.75:
                return "LEFT" if last == "RIGHT" else "RIGHT"
        quarter = (SHIP_X_MAX - SHIP_X_MIN) / 4
        if ship_x < SHIP_X_MIN + quarter and self.rng.random() < self.style.centering:
            return "RIGHT"
        if ship_x > SHIP_X_MAX - quarter and self.rng.random() < self.style.centering:
            return "LEFT"
        return _HORIZONTAL[int(self.rng.integers(2))]

    # Fire ----------------------------------------------------------------------------------
    def _fire_burst(self) -> Iterator[int]:
        """One burst, frame by frame (1 = B down): a gap with B released, then taps or one long hold."""
        style, rng = self.style, self.rng
        if style.fire == "rhythm":  # a metronome: the same gap and tap length every time
            period = max(round(style.fire_gap), 6)
            yield from [1] * 3 + [0] * (period - 3)
            return
        gap = int(np.clip(rng.exponential(style.fire_gap), 2, 240))
        yield from [0] * gap
        if style.fire == "hold" and rng.random() < 0.8:
            yield from [1] * int(rng.integers(15, 120)) + [0] * int(rng.integers(2, 6))
            return
        if rng.random() < style.hold_fire_prob:
            presses = [(int(rng.integers(20, 90)), int(rng.integers(2, 8)))]
        else:
            shots = int(rng.integers(1, style.burst_max + 1))
            presses = [(int(rng.integers(2, 7)), int(rng.integers(3, 9))) for _ in range(shots)]
        for down, up in presses:
            yield from [1] * down
            yield from [0] * up



@dataclass(frozen=True)
class GenericStyle:
    """How a scripted subject plays a game it knows nothing of; times are in frames (about 1/60 s)."""

    #: Median length of a held stick direction (log-normal, sigma 0.7).
    move_hold: float = 18.0
    #: Chance that a stick segment is a pause (stick released).
    pause_prob: float = 0.3
    #: Chance that a stick segment is diagonal.
    diagonal_prob: float = 0.15
    #: Chance that a stick segment is vertical (UP/DOWN) rather than horizontal.
    vertical_prob: float = 0.35
    #: Mean gap between two uses of the action buttons.
    action_gap: float = 22.0
    #: Chance that an action is a long hold (20–90 frames) rather than taps.
    hold_prob: float = 0.2
    #: Largest number of taps in a burst.
    burst_max: int = 4
    #: Number of action buttons a subject mostly uses; the others get ``other_prob`` of the actions.
    favourites: int = 2
    other_prob: float = 0.1
    #: Chance per stick segment of an idle period (no button at all for 1–3 s).
    idle_prob: float = 0.03


def generic_style_for_subject(seed: int, subject: int, family: str = "classic") -> GenericStyle:
    """A slightly different play style per subject, derived from ``seed`` (one family: ``classic``)."""
    if family != "classic":
        raise InputError(f"play-style family {family!r}: the generic player has only classic (Airstriker has "
                         f"{', '.join(STYLE_FAMILIES)})")
    rng = np.random.default_rng([seed, subject, 0x6E7E])
    return GenericStyle(
        move_hold=float(rng.uniform(10.0, 30.0)),
        pause_prob=float(rng.uniform(0.15, 0.4)),
        diagonal_prob=float(rng.uniform(0.05, 0.25)),
        vertical_prob=float(rng.uniform(0.2, 0.5)),
        action_gap=float(rng.uniform(10.0, 35.0)),
        hold_prob=float(rng.uniform(0.05, 0.3)),
        burst_max=int(rng.integers(2, 7)),
        favourites=int(rng.integers(1, 4)),
        idle_prob=float(rng.uniform(0.01, 0.05)),
    )


class GenericPlayer:
    """Per-frame buttons of any platform from a stick process and an independent action-button process.

    :meth:`act` returns the emulator's button vector (the platform's order, ``None`` slots included, uint8).
    """

    def __init__(self, system: str, style: GenericStyle, rng: np.random.Generator):
        self.style, self.rng = style, rng
        self.layout = buttons(system)
        self.index = {name: i for i, name in enumerate(self.layout) if name is not None}
        playable = playable_buttons(system)
        self.stick = [b for b in DPAD if b in playable]
        self.actions = [b for b in playable if b not in DPAD]
        self.favourites = [str(b) for b in rng.permutation(self.actions)[: max(1, style.favourites)]]
        self._stick = self._stick_frames()
        self._action = self._action_frames()

    def act(self, env=None) -> np.ndarray:
        held, idle = next(self._stick)
        action = next(self._action)
        row = np.zeros(len(self.layout), dtype=np.uint8)
        if not idle:
            for name in (*held, *action):
                row[self.index[name]] = 1
        return row

    def _stick_frames(self) -> Iterator[tuple[tuple[str, ...], bool]]:
        style, rng = self.style, self.rng
        horizontal = [b for b in ("LEFT", "RIGHT") if b in self.stick]
        vertical = [b for b in ("UP", "DOWN") if b in self.stick]
        while True:
            length = max(2, int(rng.lognormal(np.log(style.move_hold), 0.7)))
            held: tuple[str, ...] = ()
            if rng.random() < style.idle_prob:
                yield from [((), True)] * int(rng.integers(60, 180))
                continue
            if rng.random() >= style.pause_prob and self.stick:
                if rng.random() < style.diagonal_prob and horizontal and vertical:
                    held = (str(rng.choice(horizontal)), str(rng.choice(vertical)))
                elif vertical and (rng.random() < style.vertical_prob or not horizontal):
                    held = (str(rng.choice(vertical)),)
                elif horizontal:
                    held = (str(rng.choice(horizontal)),)
            yield from [(held, False)] * length

    def _action_frames(self) -> Iterator[tuple[str, ...]]:
        style, rng = self.style, self.rng
        if not self.actions:
            while True:
                yield ()
        others = [b for b in self.actions if b not in self.favourites]
        yield from [()] * int(rng.exponential(style.action_gap))
        while True:
            pool = others if others and rng.random() < style.other_prob else self.favourites
            name = (str(rng.choice(pool)),)
            if rng.random() < style.hold_prob:
                yield from [name] * int(rng.integers(20, 90))
            else:
                for _ in range(int(rng.integers(1, style.burst_max + 1))):
                    yield from [name] * int(rng.integers(3, 9))
                    yield from [()] * int(rng.integers(4, 12))
            yield from [()] * (int(rng.exponential(style.action_gap)) + 1)


@dataclass(frozen=True)
class Recipe:
    """How the recorder plays a game: the run names' task and level, the per-subject styles and the player."""

    task: str
    level: str | None
    #: (seed, subject, style family) → the subject's style.
    style_for_subject: Callable[[int, int, str], object]
    #: The style of a single recording (``record_episode``).
    default_style: object
    #: (game, style, generator, env) → a function giving the next frame's button vector.
    player: Callable[[GameDefinition, object, np.random.Generator, object], Callable[[], np.ndarray]]


def _airstriker_player(game: GameDefinition, style: PlayStyle, rng: np.random.Generator,
                       env) -> Callable[[], np.ndarray]:
    ship_x = {v.name: v for v in game.variables}.get("ship_x")
    if ship_x is None:
        raise InputError(f"{game.source}: the Airstriker recorder needs the RAM variable ship_x")
    player, memory = ScriptedPlayer(style, rng), env.unwrapped.data.memory
    return lambda: player.act(ship_x.read(memory))


def _generic_player(game: GameDefinition, style: GenericStyle, rng: np.random.Generator,
                    env) -> Callable[[], np.ndarray]:
    return GenericPlayer(resolve_system(game.platform), style, rng).act


def task_name(game: GameDefinition) -> str:
    """The run names' task of a game: our name, or the stable-retro id's title (``Breakout-Atari2600-v0`` →
    ``breakout``), letters and digits only."""
    title = game.name if game.name != game.retro_id else game.retro_id.split("-")[0]
    task = re.sub(r"[^A-Za-z0-9]", "", title).lower()
    if not task:
        raise InputError(f"{game.name}: no letters or digits to name the task of its recordings")
    return task


def recipe(game: GameDefinition) -> Recipe:
    """The recorder's recipe for ``game``: Airstriker's own player, or the generic one for any other game."""
    if game.name == "airstriker":
        return Recipe("airstriker", "1", style_for_subject, PlayStyle(), _airstriker_player)
    return Recipe(task_name(game), None, generic_style_for_subject, GenericStyle(), _generic_player)
