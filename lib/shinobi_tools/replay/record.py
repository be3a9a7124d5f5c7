"""Record Airstriker bk2 replays with a seeded, human-like scripted player.

The player holds buttons for varied lengths, fires in bursts, moves in every direction with pauses
and sometimes idles, so that lives are lost and enemies destroyed. It reads one RAM value, the
ship's x position, only to drift back from the screen edges as a person would; everything else is
drawn from a seeded generator, so the same seed gives byte-identical input logs.

Airstriker's default state (``Level1``) starts in the game ("Level 1 / Get ready"), so no START is
needed. After the last life the game goes back to its title screen, which would need START; a
repetition ends there instead (the game's ``done`` condition: ``gameover`` = 1 and no lives left)
and the next one starts from a fresh reset. The player never presses START or MODE (CNeuroMod's
scanner pad does not send them either).

Dataset layout (CNeuroMod-like)::

    sub-XX/ses-YYY/gamelogs/sub-XX_ses-YYY_task-airstriker_run-NN_level-1_rep-RR.bk2

A run has a time budget; it holds one or more repetitions (game attempts), each ending at game over
or when the budget is used.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from shinobi_tools.errors import InputError
from shinobi_tools.games import GameDefinition, get_game
from shinobi_tools.naming import RunName
from shinobi_tools.replay.bk2 import GENESIS_BUTTONS
from shinobi_tools.replay.emulator import open_env

#: The game definition the recorder plays.
GAME_NAME = "airstriker"
TASK = "airstriker"
LEVEL = "1"
#: Range of the game definition's ``ship_x`` (137 at the left edge, 412 at the right one, 272 at
#: the start); the ship only moves sideways (UP and DOWN do nothing in this game).
SHIP_X_MIN, SHIP_X_MAX = 137, 412
#: A run does not start a new repetition with less than this left of its budget.
MIN_REP_SECONDS = 5.0
#: Fixed zip timestamp so that re-recording gives byte-identical files.
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)

_INDEX = {name: i for i, name in enumerate(GENESIS_BUTTONS)}
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


def style_for_subject(seed: int, subject: int) -> PlayStyle:
    """A slightly different play style per subject, derived from ``seed``."""
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
    vector (``GENESIS_BUTTONS`` order, uint8).
    """

    def __init__(self, style: PlayStyle, rng: np.random.Generator):
        self.style = style
        self.rng = rng
        self._stick: tuple[str, ...] = ()
        self._stick_left = 0
        self._idle_left = 0
        self._fire_plan: Iterator[int] = iter(())

    def act(self, ship_x: int) -> np.ndarray:
        buttons = np.zeros(len(GENESIS_BUTTONS), dtype=np.uint8)
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
        draw = rng.random()
        if draw < style.idle_prob:
            self._idle_left = int(rng.integers(60, 181))
            self._stick, self._stick_left = (), 0
            self._fire_plan = iter(())
            return
        length = int(np.clip(rng.lognormal(np.log(style.move_hold), 0.6), 3, 120))
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

    def _horizontal(self, ship_x: int) -> str:
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
        gap = int(np.clip(rng.exponential(style.fire_gap), 2, 240))
        yield from [0] * gap
        if rng.random() < style.hold_fire_prob:
            presses = [(int(rng.integers(20, 90)), int(rng.integers(2, 8)))]
        else:
            shots = int(rng.integers(1, style.burst_max + 1))
            presses = [(int(rng.integers(2, 7)), int(rng.integers(3, 9))) for _ in range(shots)]
        for down, up in presses:
            yield from [1] * down
            yield from [0] * up


@dataclass(frozen=True)
class RecordedRep:
    """One recorded repetition (game attempt)."""

    path: Path
    #: Emulated frames (input rows after the reset row).
    frames: int
    #: Decreases of the ``lives`` RAM value (a full game: 3; its last death ends it without one).
    lives_lost: int
    #: Score gained (enemies give 20 points each).
    score: int
    #: Whether the attempt ended at game over rather than at the end of the time budget.
    game_over: bool


class _Ram:
    """Reads the game definition's RAM variables (``ship_x``, ``lives``, ``score``) from a live env."""

    def __init__(self, env, game: GameDefinition):
        self.memory = env.unwrapped.data.memory
        self.variables = {v.name: (v.address, v.type) for v in game.variables}
        missing = {"ship_x", "lives", "score"} - set(self.variables)
        if missing:
            raise InputError(f"{game.source}: the recorder needs the RAM variables {sorted(missing)}")

    def __getitem__(self, name: str) -> int:
        return int(self.memory.extract(*self.variables[name]))


def _record_rep(env, path: Path, max_frames: int, player: ScriptedPlayer,
                on_frame: Callable[[], object] | None = None) -> RecordedRep:
    """Reset ``env`` and play until game over or ``max_frames``, writing the bk2 to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".record-", dir=path.parent))
    partial = path.parent / f".{path.name}.partial"
    unwrapped = env.unwrapped
    ram = _Ram(env, _game())
    try:
        unwrapped.auto_record(str(scratch))
        env.reset()
        lives0, score0 = ram["lives"], ram["score"]
        lives, frames, done = lives0, 0, False
        while frames < max_frames and not done:
            # ``done`` is the game's own condition (scenario.json): the last ship explodes.
            _, _, done, _, _ = env.step(player.act(ram["ship_x"]))
            frames += 1
            lives = min(lives, ram["lives"])
            if on_frame is not None:
                on_frame()
        unwrapped.stop_record()
        (movie,) = scratch.glob("*.bk2")
        _normalise_zip(movie, partial)
        os.replace(partial, path)
    except BaseException:
        unwrapped.stop_record()
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return RecordedRep(path=path, frames=frames, lives_lost=lives0 - lives,
                       score=ram["score"] - score0, game_over=bool(done))


def _normalise_zip(source: Path, target: Path) -> None:
    """Copy the bk2 zip with fixed timestamps and member order, so equal recordings are equal bytes."""
    with zipfile.ZipFile(source) as archive:
        members = [(name, archive.read(name)) for name in sorted(archive.namelist())]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def _game() -> GameDefinition:
    return get_game(GAME_NAME)


def record_episode(path: str | Path, seconds: float, seed: int, style: PlayStyle | None = None) -> RecordedRep:
    """Record one game attempt into ``path``: it ends at game over or after ``seconds`` of play."""
    game = _game()
    player = ScriptedPlayer(style or PlayStyle(), np.random.default_rng(seed))
    with open_env(game) as env:
        return _record_rep(env, Path(path), round(seconds * game.fps), player)


def run_name(subject: int, session: int, run: int, rep: int) -> RunName:
    return RunName(subject=f"{subject:02d}", session=f"{session:03d}", task=TASK,
                   run=f"{run:02d}", level=LEVEL, rep=f"{rep:02d}")


def record_run(env, out_dir: Path, subject: int, session: int, run: int, seconds: float, seed: int,
               style: PlayStyle, on_frame: Callable[[], object] | None = None) -> list[RecordedRep]:
    """Record the repetitions of one run until its ``seconds`` budget is used."""
    fps = _game().fps
    budget = round(seconds * fps)
    min_rep = round(MIN_REP_SECONDS * fps)
    player = ScriptedPlayer(style, np.random.default_rng([seed, subject, session, run]))
    # Reps left from an earlier recording of this run would mix with the new ones.
    first = run_name(subject, session, run, 1)
    for stale in (Path(out_dir) / first.folder).glob(f"{first.stem.removesuffix('_rep-01')}_rep-*.bk2"):
        stale.unlink()
    reps: list[RecordedRep] = []
    while budget > 0 and (not reps or budget >= min_rep):
        name = run_name(subject, session, run, len(reps) + 1)
        rep = _record_rep(env, Path(out_dir) / name.folder / f"{name.stem}.bk2", budget, player, on_frame)
        reps.append(rep)
        budget -= rep.frames
    return reps


def record_dataset(out_dir: str | Path, subjects: int, sessions: int, runs: int, seconds: float,
                   seed: int, progress: bool = True) -> list[Path]:
    """Record ``subjects × sessions × runs`` runs of ``seconds`` each under ``out_dir``; return the bk2 paths.

    Each subject plays with its own :func:`style_for_subject`; each run is seeded by
    ``(seed, subject, session, run)``, so one run can be re-recorded alone with the same result.
    """
    out_dir = Path(out_dir)
    fps = _game().fps
    total = subjects * sessions * runs * round(seconds * fps)
    bar = tqdm(total=total, desc="record", unit="frame", disable=not progress)
    paths: list[Path] = []
    try:
        with open_env(_game()) as env:
            for subject in range(1, subjects + 1):
                style = style_for_subject(seed, subject)
                for session in range(1, sessions + 1):
                    for run in range(1, runs + 1):
                        bar.set_postfix_str(f"sub-{subject:02d} ses-{session:03d} run-{run:02d}")
                        start = bar.n
                        reps = record_run(env, out_dir, subject, session, run, seconds, seed, style,
                                          on_frame=bar.update)
                        paths.extend(rep.path for rep in reps)
                        # Runs that stop short of their budget still move the bar to the run's end.
                        bar.update(start + round(seconds * fps) - bar.n)
    finally:
        bar.close()
    return paths
