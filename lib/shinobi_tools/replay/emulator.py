"""Open stable-retro headless for a game, turning its errors into one-line messages."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import stable_retro

from shinobi_tools.errors import InputError, MissingRomError
from shinobi_tools.games import GameDefinition


def rom_import_hint(game: GameDefinition) -> str:
    return (
        f"the ROM of {game.retro_id} is not imported into stable-retro; "
        "import it with `python -m stable_retro.import /path/to/your/roms`"
    )


@contextlib.contextmanager
def open_env(game: GameDefinition, state: bytes | None = None, record_dir: str | None = None) -> Iterator:
    """A headless env with every button usable, started from ``state`` (a bk2's Core.bin) if given.

    The env is closed on exit (stable-retro allows one emulator per process).
    """
    kwargs = {"record": record_dir} if record_dir else {}
    try:
        env = stable_retro.make(
            game.retro_id,
            state=stable_retro.State.NONE if state is not None else stable_retro.State.DEFAULT,
            use_restricted_actions=stable_retro.Actions.ALL,
            render_mode=None,
            **kwargs,
        )
    except FileNotFoundError:
        raise MissingRomError(rom_import_hint(game)) from None
    try:
        if state is not None:
            # reset() ignores a state the core refuses; check it first (reset() sets it again).
            if not env.unwrapped.em.set_state(state):
                raise InputError(
                    f"the start state (Core.bin) is not a valid {game.retro_id} save state; "
                    "re-record or re-export the replay"
                )
            env.unwrapped.initial_state = state
        env.reset()
        yield env
    finally:
        env.close()
