"""stable-retro's platforms (its cores: ``Atari2600``, ``Nes``, ``Snes``, ``Genesis``, ``GameBoy`` ...), their buttons,
and how a bk2's ``Input Log.txt`` names and letters those buttons.

Where each fact comes from (stable-retro 1.0.1):

* Platforms, **button names and their order** (the emulator's order: ``env.buttons`` and the action vector): the
  core JSON files, loaded by ``import stable_retro`` into ``stable_retro.data.EMU_INFO[platform]["buttons"]``.
  ``None`` entries are unused slots; they keep their index (the action vector and a bk2's keymap use it).
* What the bk2 writer and reader do with them lives only in compiled C++ (``movie-bk2.cpp``), so it is mirrored in
  the three small tables below and checked against the compiled reader by ``tests/test_games_platforms.py``: only
  the buttons of :data:`KEY_LETTERS` are logged, each as one letter; a column is named ``P<n> <name of the
  letter>`` (Atari 2600: ``Button`` for ``B``); the header's ``Platform`` is ``GEN``/``SNES``/``NES``/``A26`` for four
  platforms and the core's own name for the others. The writer lists columns in the **reverse** of the emulator
  order; the reader maps each letter back to its button and takes only the number of players from the column line.
* Buttons a bk2 cannot log (Atari RESET, Sms PAUSE, PC Engine I–VI and RUN, N64 C buttons, NDS L2/R2/L3/R3) are
  silently dropped by stable-retro's recorder: a replay of a recording that pressed them desyncs, so the scripted
  players never press them.
"""

from __future__ import annotations

from dataclasses import dataclass

from shinobi_tools.errors import InputError

#: Header ``Platform`` code stable-retro writes for a core; the other cores write their own name.
CORE_TO_HEADER: dict[str, str] = {"Genesis": "GEN", "Snes": "SNES", "Nes": "NES", "Atari2600": "A26"}
HEADER_TO_CORE: dict[str, str] = {code: core for core, code in CORE_TO_HEADER.items()}
#: ``s_keyNames``: the buttons a bk2 holds and the letter each shows when pressed (Atari's BUTTON is ``B``).
KEY_LETTERS: dict[str, str] = {
    "A": "A", "B": "B", "C": "C", "X": "X", "Y": "Y", "Z": "Z", "START": "S", "SELECT": "s", "MODE": "M",
    "UP": "U", "DOWN": "D", "LEFT": "L", "RIGHT": "R", "L": "l", "R": "r", "BUTTON": "B",
}
#: ``s_buttonNames``: the column name (after ``P<n> ``) of each letter.
LETTER_COLUMN_NAMES: dict[str, str] = {
    "A": "A", "B": "B", "C": "C", "X": "X", "Y": "Y", "Z": "Z", "S": "Start", "s": "Select", "M": "Mode",
    "U": "Up", "D": "Down", "L": "Left", "R": "Right", "l": "L", "r": "R",
}
#: ``s_platformButtonNames``: per-platform overrides of column names.
PLATFORM_COLUMN_NAMES: dict[str, dict[str, str]] = {"Atari2600": {"B": "Button"}}

#: Buttons that drive the console or its menus rather than the game; scripted players never press them.
SYSTEM_BUTTONS: frozenset[str] = frozenset({"START", "SELECT", "RESET", "MODE", "PAUSE", "RUN", "C-MODE"})
DPAD: tuple[str, ...] = ("UP", "DOWN", "LEFT", "RIGHT")


def _emu_info() -> dict:
    import stable_retro.data  # noqa: F401  (loads the core JSON files into EMU_INFO)

    return stable_retro.data.EMU_INFO


def systems() -> list[str]:
    """Every platform stable-retro has a core for, by core name (``Atari2600``, ``Nes``, ``GbColor`` ...)."""
    return sorted(_emu_info())


def resolve_system(name: str) -> str:
    """The core name of a platform given by core name (``Nes``, any case) or bk2 header code (``NES``, ``GEN``)."""
    info = _emu_info()
    if name in info:
        return name
    if name in HEADER_TO_CORE:
        return HEADER_TO_CORE[name]
    lowered = {key.lower(): key for key in info}
    if name.lower() in lowered:
        return lowered[name.lower()]
    raise InputError(f"unknown platform {name!r}: stable-retro replays {', '.join(systems())} "
                     f"(bk2 header codes {', '.join(HEADER_TO_CORE)} or a core name)")


def core_info(system: str) -> dict:
    """The core JSON entry of a platform (``lib``, ``ext``, ``buttons``, ``rambase``, ``overlay`` ...)."""
    return _emu_info()[resolve_system(system)]


def buttons(system: str) -> tuple[str | None, ...]:
    """The emulator's button order of a platform (stable-retro's ``env.buttons``), ``None`` for unused slots."""
    return tuple(core_info(system)["buttons"])


def named_buttons(system: str) -> tuple[str, ...]:
    """The buttons that exist, in the emulator's order."""
    return tuple(b for b in buttons(system) if b is not None)


def logged_buttons(system: str) -> tuple[str, ...]:
    """The buttons a bk2 records, in the emulator's order."""
    return tuple(b for b in named_buttons(system) if b in KEY_LETTERS)


def playable_buttons(system: str) -> tuple[str, ...]:
    """Buttons of play: logged (so replayable) and not console or menu buttons."""
    return tuple(b for b in logged_buttons(system) if b not in SYSTEM_BUTTONS)


def header_code(system: str) -> str:
    """The ``Platform`` value stable-retro writes in a bk2 header (``GEN``, ``A26``, ``GameBoy`` ...)."""
    core = resolve_system(system)
    return CORE_TO_HEADER.get(core, core)


@dataclass(frozen=True)
class LogColumn:
    """One column of ``Input Log.txt``: player (1-based), button, its emulator index, column name and letter."""

    player: int
    button: str
    index: int
    name: str
    letter: str


def column_names(system: str) -> dict[str, str]:
    """Column name without ``P<n> `` → letter, for a platform (``Button`` → ``B`` on the Atari 2600)."""
    core = resolve_system(system)
    names = {name: letter for letter, name in LETTER_COLUMN_NAMES.items()}
    for letter, name in PLATFORM_COLUMN_NAMES.get(core, {}).items():
        names = {n: k for n, k in names.items() if k != letter}
        names[name] = letter
    return names


def keymap(system: str) -> dict[str, int]:
    """Letter → emulator index, as stable-retro's reader builds it."""
    return {KEY_LETTERS[b]: i for i, b in enumerate(buttons(system)) if b in KEY_LETTERS}


def log_columns(system: str, players: int = 1) -> list[LogColumn]:
    """The columns in the order stable-retro writes them: per player, logged buttons in reverse emulator order."""
    core = resolve_system(system)
    order = buttons(core)
    names = {letter: name for name, letter in column_names(core).items()}
    return [
        LogColumn(player, order[index], index, f"P{player} {names[KEY_LETTERS[order[index]]]}",
                  KEY_LETTERS[order[index]])
        for player in range(1, players + 1)
        for index in reversed(range(len(order)))
        if order[index] in KEY_LETTERS
    ]
