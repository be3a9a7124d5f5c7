"""Open stable-retro headless for any game, turning its errors into one-line messages, and read the core's timing.

Every game is opened among all integrations (``Integrations.ALL``) with every button usable (``Actions.ALL``).
The frame rate, audio rate and frame size differ per game, not only per platform (Atari 2600: 59.92 Hz, but 49.92
for the PAL-like Adventure; 210 lines, 250 or 230 for some games), so they are read from the emulator's core.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import stable_retro

from shinobi_tools.errors import InputError, MissingRomError
from shinobi_tools.games import GameDefinition
from shinobi_tools.games.integration import all_integrations, find_retro_id
from shinobi_tools.replay.roms import missing_rom_message, rom_imported


@dataclass(frozen=True)
class CoreTiming:
    """What the emulator's core reports for a game: frames per second, audio samples per second, frame size."""

    fps: float
    audio_rate: float
    height: int
    width: int


def nominal_rate(rate: float) -> float:
    """A core's rate as the number it means: a value that is exactly a float32 (Stella reports 59.91999816894531)
    is read as that float32's shortest decimal (59.92), then rounded to 6 decimals (Genesis 59.92274340431231 →
    59.922743, the precision :func:`shinobi_tools.replay.states.frame_rate` reads back from a table)."""
    if float(np.float32(rate)) == rate:
        rate = float(str(np.float32(rate)))
    return round(rate, 6)


def core_timing(env) -> CoreTiming:
    """The frame rate, audio rate and frame size of the game ``env`` runs (after ``reset``)."""
    emulator = env.unwrapped.em
    height, width = emulator.get_screen().shape[:2]
    return CoreTiming(nominal_rate(emulator.get_screen_rate()), float(emulator.get_audio_rate()), height, width)


@contextlib.contextmanager
def open_env(game: GameDefinition, state: bytes | None = None, players: int = 1) -> Iterator:
    """A headless env with every button usable, started from ``state`` (a bk2's Core.bin) if given, else from the
    integration's default state; reset once. The env is closed on exit (stable-retro allows one emulator per
    process)."""
    retro_id = find_retro_id(game.retro_id)
    if retro_id is None:
        raise InputError(f"{game.source}: {game.retro_id} is not a stable-retro game; fix `retro_id` or use a game "
                         "stable-retro integrates")
    if not rom_imported(retro_id):
        raise MissingRomError(missing_rom_message(retro_id))
    try:
        env = stable_retro.make(
            retro_id,
            state=stable_retro.State.NONE if state is not None else stable_retro.State.DEFAULT,
            inttype=all_integrations(),
            players=players,
            use_restricted_actions=stable_retro.Actions.ALL,
            render_mode=None,
        )
    except FileNotFoundError:
        raise MissingRomError(missing_rom_message(retro_id)) from None
    try:
        if state is not None:
            # reset() ignores a state the core refuses; check it first (reset() sets it again).
            if not env.unwrapped.em.set_state(state):
                raise InputError(
                    f"the start state (Core.bin) is not a valid {retro_id} save state; "
                    "re-record or re-export the replay"
                )
            env.unwrapped.initial_state = state
        env.reset()
        yield env
    finally:
        env.close()
