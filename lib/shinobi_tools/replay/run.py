"""Replay a bk2 of any stable-retro game: stream frames and RAM variables, write an mp4 and a states table.

The replay feeds the bk2's input rows straight to the emulator (every player's buttons), starting from the bk2's
Core.bin; this gives the same frames and RAM as stable-retro's Movie API, at emulator speed. The variables are the
game definition's: our YAML where one exists, else the integration's ``data.json``, each read as stable-retro
computes ``info`` (its own decoder, then the mask). A variable outside the emulator's memory is left out, as
``info`` leaves it out. The frame rate (the ``time`` column and the video) and the audio rate come from the core.

Frames: the reset row of the bk2 (row 0, emulated by ``reset()``) is not a frame of the outputs; each later input
row is one emulated frame, one row of the states table and one frame of the mp4 (see
:mod:`shinobi_tools.replay.states`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from shinobi_tools.errors import InputError, MissingRomError
from shinobi_tools.files import ensure_folder, partial_path
from shinobi_tools.games import GameDefinition, RamVariable, game_for_retro_id, get_game
from shinobi_tools.media.video import Mp4Writer
from shinobi_tools.naming import run_of
from shinobi_tools.replay.bk2 import Bk2, read_bk2
from shinobi_tools.replay.emulator import CoreTiming, core_timing, open_env
from shinobi_tools.replay.states import build_states


@dataclass
class ReplayStep:
    frame: int
    buttons: np.ndarray
    variables: list[int]
    screen: np.ndarray | None
    audio: np.ndarray | None
    #: The core's rates and frame size (the same object on every step).
    timing: CoreTiming
    #: The variables read (the game's, less any outside the emulator's memory).
    names: list[str]


@dataclass
class ReplayOutputs:
    states: Path
    video: Path | None
    n_frames: int
    #: Frame rate of the ``time`` column and the video.
    fps: float | None = None


def check_game(bk2: Bk2, game: GameDefinition) -> None:
    """Raise if the bk2 was recorded in another game than ``game``."""
    if bk2.game != game.retro_id:
        raise InputError(
            f"{bk2.path}: recorded in {bk2.game}, but the configured game is {game.name} ({game.retro_id}); "
            "set the right game in the config or pass --game"
        )


def iter_replay(bk2: Bk2, game: GameDefinition, screens: bool = True, audio: bool = False) -> Iterator[ReplayStep]:
    """Emulate every frame of ``bk2``, yielding its inputs, RAM variables and (optionally) screen and audio.

    The emulator is closed when the generator finishes or is closed.
    """
    check_game(bk2, game)
    if not bk2.state:
        raise InputError(f"{bk2.path}: the bk2 has no Core.bin start state; it cannot be replayed")
    try:
        with open_env(game, state=bk2.state, players=bk2.players) as env:
            emulator, memory = env.unwrapped.em, env.unwrapped.data.memory
            timing = core_timing(env)
            variables = readable_variables(game, memory)
            names = [v.name for v in variables]
            rows = bk2.inputs.astype(np.uint8)
            pressed = bk2.frame_inputs()
            for index in range(bk2.n_frames):
                for player in range(bk2.players):
                    emulator.set_button_mask(rows[index + 1, player], player)
                emulator.step()  # memory.extract reads live RAM: no data.update_ram() needed
                yield ReplayStep(
                    frame=index,
                    buttons=pressed[index],
                    variables=[v.read(memory) for v in variables],
                    screen=emulator.get_screen() if screens else None,
                    audio=emulator.get_audio() if audio else None,
                    timing=timing,
                    names=names,
                )
    except (InputError, MissingRomError) as error:  # from opening the emulator: name the replay too
        raise type(error)(f"{bk2.path}: {error}") from None


def readable_variables(game: GameDefinition, memory) -> list[RamVariable]:
    """The game's variables the emulator's memory maps (stable-retro's ``info`` leaves the others out too)."""
    readable, outside = [], []
    for variable in game.variables:
        try:
            variable.read(memory)
        except (IndexError, ValueError, RuntimeError):
            outside.append(variable.name)
            continue
        readable.append(variable)
    if outside:
        print(f"note: {game.name}: {', '.join(outside)} lie outside the emulator's memory; left out",
              file=sys.stderr)
    return readable


def replay_bk2(
    bk2_path: str | Path,
    out_dir: str | Path,
    game: GameDefinition | str | None = None,
    video: bool = True,
    audio: bool = False,
    fps: float | None = None,
    preset: str = "superfast",
    crf: int = 23,
    progress: bool = True,
) -> ReplayOutputs:
    """Replay one bk2 into ``out_dir/<stem>.mp4`` and ``out_dir/<stem>_states.parquet``.

    ``game`` (one of our names or a stable-retro id) defaults to the one named in the bk2 header. ``fps`` sets the
    ``time`` column and the video rate (default: the core's, 59.922743 for the Genesis). Outputs appear only when
    complete.
    """
    bk2 = read_bk2(bk2_path)
    if game is None:
        game = game_for_retro_id(bk2.game)
    elif isinstance(game, str):
        game = get_game(game)
    check_game(bk2, game)
    out_dir = ensure_folder(out_dir)
    stem = run_of(bk2.path)
    states_path = out_dir / f"{stem}_states.parquet"
    video_path = out_dir / f"{stem}.mp4" if video else None
    partial_video = partial_path(out_dir / f"{stem}.mp4")
    partial_states = partial_path(states_path)

    values: list[list[int]] = []
    names = game.variable_names
    steps = iter_replay(bk2, game, screens=video, audio=audio and video)
    bar = tqdm(total=bk2.n_frames, desc=f"replay {stem}", unit="frame", disable=not progress, leave=False)
    writer = None
    try:
        for step in steps:
            if step.frame == 0:
                fps, names = fps or step.timing.fps, step.names
                if video:
                    audio_rate = round(step.timing.audio_rate) if audio else None
                    writer = Mp4Writer(partial_video, fps=fps, preset=preset, crf=crf, audio_rate=audio_rate)
            values.append(step.variables)
            if writer is not None:
                writer.write(step.screen, step.audio)
            if step.frame % 256 == 255:
                bar.update(256)
        bar.update(bar.total - bar.n)
        if not values:
            raise InputError(f"{bk2.path}: the bk2 has no input row after its reset row; nothing to replay")
        if writer is not None:
            writer.close()
            writer = None
        table = build_states(bk2.buttons, bk2.frame_inputs(), names, values, fps)
        table.to_parquet(partial_states, index=False)
        os.replace(partial_states, states_path)
        if video_path is not None:
            os.replace(partial_video, video_path)
    except BaseException:
        if writer is not None:
            writer.abort()
        partial_video.unlink(missing_ok=True)
        partial_states.unlink(missing_ok=True)
        raise
    finally:
        steps.close()
        bar.close()
    return ReplayOutputs(states=states_path, video=video_path, n_frames=len(values), fps=fps)
