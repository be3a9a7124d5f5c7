"""Record bk2 replays of any stable-retro game with seeded, human-like scripted players
(:mod:`shinobi_tools.replay.players`), through stable-retro's own recorder.

A repetition starts from the game's default state (``metadata.json``'s ``default_state``: Airstriker's ``Level1``
starts in the game, "Level 1 / Get ready"; on the 32 Atari 2600 games whose ROMs ale-py ships, ``reset()`` lands in
play too), so no START is needed, and the players never press START, SELECT, RESET or MODE. It ends at the game's
own ``done`` condition (stable-retro's ``scenario.json``: for Airstriker ``gameover`` = 1 with no lives left; for
most games no lives left), where the game would need START to go on, or when the run's budget is used; the next
one starts from a fresh reset. The same seed gives byte-identical files (zip timestamps are fixed).

Dataset layout (CNeuroMod-like)::

    sub-XX/ses-YYY/gamelogs/sub-XX_ses-YYY_task-airstriker_run-NN_level-1_rep-RR.bk2
    sub-XX/ses-YYY/gamelogs/sub-XX_ses-YYY_task-breakout_run-NN_rep-RR.bk2     (Breakout-Atari2600-v0)

A run has a time budget; it holds one or more repetitions (game attempts).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from shinobi_tools.games import GameDefinition, get_game
from shinobi_tools.naming import RunName
from shinobi_tools.replay.emulator import core_timing, open_env
from shinobi_tools.replay.players import Recipe, recipe

#: The game the recorder plays by default (the embedded default dataset's).
DEFAULT_GAME = "airstriker"
#: A run does not start a new repetition with less than this left of its budget.
MIN_REP_SECONDS = 5.0
#: Fixed zip timestamp so that re-recording gives byte-identical files.
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class RecordedRep:
    """One recorded repetition (game attempt)."""

    path: Path
    #: Emulated frames (input rows after the reset row).
    frames: int
    #: Decreases of the ``lives`` RAM value (Airstriker, a full game: 3; its last death ends it without one);
    #: None for a game without a ``lives`` variable.
    lives_lost: int | None
    #: Score gained (Airstriker's enemies give 20 points each); None for a game without a ``score`` variable.
    score: int | None
    #: Whether the attempt ended at the game's ``done`` (game over) rather than at the end of the time budget.
    game_over: bool


def _record_rep(env, game: GameDefinition, path: Path, max_frames: int, act: Callable[[], np.ndarray],
                on_frame: Callable[[], object] | None = None) -> RecordedRep:
    """Reset ``env`` and play until the game's ``done`` or ``max_frames``, writing the bk2 to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".record-", dir=path.parent))
    partial = path.parent / f".{path.name}.partial"
    unwrapped = env.unwrapped
    memory = unwrapped.data.memory
    variables = {v.name: v for v in game.variables}
    lives_var, score_var = variables.get("lives"), variables.get("score")
    try:
        unwrapped.auto_record(str(scratch))
        env.reset()
        lives0 = lives = lives_var.read(memory) if lives_var else None
        score0 = score_var.read(memory) if score_var else None
        frames, done = 0, False
        while frames < max_frames and not done:
            # ``done`` is the game's own condition (scenario.json), e.g. the last life is lost.
            _, _, done, _, _ = env.step(act())
            frames += 1
            if lives_var is not None:
                lives = min(lives, lives_var.read(memory))
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
    return RecordedRep(path=path, frames=frames, lives_lost=None if lives_var is None else lives0 - lives,
                       score=None if score_var is None else score_var.read(memory) - score0, game_over=bool(done))


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


def _resolve(game: GameDefinition | str) -> GameDefinition:
    return get_game(game) if isinstance(game, str) else game


def record_episode(path: str | Path, seconds: float, seed: int, style: object | None = None,
                   game: GameDefinition | str = DEFAULT_GAME) -> RecordedRep:
    """Record one game attempt into ``path``: it ends at the game's ``done`` or after ``seconds`` of play.
    ``style`` defaults to the recipe's default style."""
    game = _resolve(game)
    how = recipe(game)
    with open_env(game) as env:
        act = how.player(game, style or how.default_style, np.random.default_rng(seed), env)
        return _record_rep(env, game, Path(path), round(seconds * core_timing(env).fps), act)


def run_name(subject: int, session: int, run: int, rep: int, task: str = "airstriker",
             level: str | None = "1") -> RunName:
    return RunName(subject=f"{subject:02d}", session=f"{session:03d}", task=task,
                   run=f"{run:02d}", level=level, rep=f"{rep:02d}")


def record_run(env, out_dir: Path, subject: int, session: int, run: int, seconds: float, seed: int,
               style: object, on_frame: Callable[[], object] | None = None,
               game: GameDefinition | str = DEFAULT_GAME) -> list[RecordedRep]:
    """Record the repetitions of one run until its ``seconds`` budget is used."""
    game = _resolve(game)
    how: Recipe = recipe(game)
    fps = core_timing(env).fps
    budget = round(seconds * fps)
    min_rep = round(MIN_REP_SECONDS * fps)
    act = how.player(game, style, np.random.default_rng([seed, subject, session, run]), env)
    # Reps left from an earlier recording of this run would mix with the new ones.
    first = run_name(subject, session, run, 1, how.task, how.level)
    for stale in (Path(out_dir) / first.folder).glob(f"{first.stem.removesuffix('_rep-01')}_rep-*.bk2"):
        stale.unlink()
    reps: list[RecordedRep] = []
    while budget > 0 and (not reps or budget >= min_rep):
        name = run_name(subject, session, run, len(reps) + 1, how.task, how.level)
        rep = _record_rep(env, game, Path(out_dir) / name.folder / f"{name.stem}.bk2", budget, act, on_frame)
        reps.append(rep)
        budget -= rep.frames
    return reps


def record_dataset(out_dir: str | Path, subjects: int, sessions: int, runs: int, seconds: float,
                   seed: int, progress: bool = True, game: GameDefinition | str = DEFAULT_GAME,
                   styles: str = "classic") -> list[Path]:
    """Record ``subjects × sessions × runs`` runs of ``seconds`` each of ``game`` (one of our names or a
    stable-retro id) under ``out_dir``; return the bk2 paths.

    Each subject plays with its own style of the ``styles`` family (the recipe's ``style_for_subject``; Airstriker:
    players.STYLE_FAMILIES); each run is seeded by
    ``(seed, subject, session, run)``, so one run can be re-recorded alone with the same result.
    """
    out_dir = Path(out_dir)
    game = _resolve(game)
    how = recipe(game)
    paths: list[Path] = []
    with open_env(game) as env:
        per_run = round(seconds * core_timing(env).fps)
        bar = tqdm(total=subjects * sessions * runs * per_run, desc=f"record {how.task}", unit="frame",
                   disable=not progress)
        try:
            for subject in range(1, subjects + 1):
                style = how.style_for_subject(seed, subject, styles)
                for session in range(1, sessions + 1):
                    for run in range(1, runs + 1):
                        bar.set_postfix_str(f"sub-{subject:02d} ses-{session:03d} run-{run:02d}")
                        start = bar.n
                        reps = record_run(env, out_dir, subject, session, run, seconds, seed, style,
                                          on_frame=bar.update, game=game)
                        paths.extend(rep.path for rep in reps)
                        # Runs that stop short of their budget still move the bar to the run's end.
                        bar.update(start + per_run - bar.n)
        finally:
            bar.close()
    return paths
