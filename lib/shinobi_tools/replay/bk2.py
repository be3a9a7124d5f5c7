"""Read and write Gym Retro / stable-retro ``.bk2`` replays of any platform, without the emulator.

A bk2 is a zip with ``Header.txt`` (``key value`` lines: ``Platform``, ``GameName`` ...), ``Input Log.txt`` and
``Core.bin`` (the emulator state the movie starts from). The log is ``[Input]``, a column line (``P1 Right|P1
Left|...|P2 Right|...|``), then one row per emulated frame, ``|..|<player 1>|<player 2>|``: ``..`` is the console
field, then per player a letter where a button is pressed and a dot where it is not. The first row is the reset
frame (the frame ``reset()`` emulates, nothing pressed); every later row is one ``step``.

The platform's buttons, their order and letters come from :mod:`shinobi_tools.games.platforms` (stable-retro's own
core data plus its bk2 letter tables). Every column is mapped to its button and every letter checked against its
column. BizHawk-style ``LogKey:`` column lines are read too; a header platform stable-retro does not know (BizHawk's
``GB``, ``SMS`` ...) is refused: stable-retro would replay such a file with no button at all.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.files import atomic_output
from shinobi_tools.games import platforms
from shinobi_tools.games.integration import find_retro_id, system_of_game

_COLUMN = re.compile(r"^P(\d+) (.+)$")
#: The Genesis pad in the emulator's order, from stable-retro's core data (B A MODE START UP DOWN LEFT RIGHT C Y X Z).
GENESIS_BUTTONS: tuple[str, ...] = platforms.named_buttons("Genesis")
#: Fixed zip timestamp: equal content gives equal bytes.
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


@dataclass
class Bk2:
    """The parsed content of a bk2 file."""

    path: Path
    header: dict[str, str]
    #: stable-retro platform (core name): ``Genesis``, ``Atari2600``, ``Nes`` ...
    system: str
    #: The platform's emulator button order, ``None`` for unused slots (the last axis of ``inputs``).
    layout: tuple[str | None, ...]
    players: int
    #: rows × players × len(layout), True where pressed; row 0 is the reset frame.
    inputs: np.ndarray = field(repr=False)
    state: bytes = field(repr=False)

    @property
    def game(self) -> str:
        """The stable-retro game id, with the ``-v0`` suffix older files lack."""
        name = self.header.get("GameName", "")
        return name if name.endswith("-v0") or not name else f"{name}-v0"

    @property
    def platform(self) -> str:
        """The header's ``Platform`` code (``GEN``, ``A26``, ``GameBoy`` ...)."""
        return self.header.get("Platform", platforms.header_code(self.system))

    @property
    def buttons(self) -> tuple[str, ...]:
        """Button column names in emulator order: player 1's by name (``B``, ``UP``), then ``P2_B`` ..."""
        return button_columns(self.system, self.players)

    @property
    def n_frames(self) -> int:
        """Emulated frames: input rows after the reset row (the rows of the states table, the frames of the mp4)."""
        return max(len(self.inputs) - 1, 0)

    def frame_inputs(self) -> np.ndarray:
        """Buttons held on each emulated frame (frames × :attr:`buttons`, bool): the rows after the reset row."""
        named = [i for i, b in enumerate(self.layout) if b is not None]
        return self.inputs[1:][:, :, named].reshape(self.n_frames, -1)

    def presses(self) -> dict[str, int]:
        """Number of presses (0→1 steps) per button over the emulated frames."""
        events = press_events(self.frame_inputs(), self.buttons)
        counts = events["button"].value_counts()
        return {name: int(counts.get(name, 0)) for name in self.buttons}


def button_columns(system: str, players: int = 1) -> tuple[str, ...]:
    """The states table's button columns of a platform: player 1's buttons by name, then ``P2_<button>`` ..."""
    named = platforms.named_buttons(system)
    return tuple(name if player == 1 else f"P{player}_{name}" for player in range(1, players + 1) for name in named)


def read_bk2(path: str | Path) -> Bk2:
    """Parse a bk2 of any platform; raise :class:`InputError` naming the file and the problem if it is malformed."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise InputError(f"{path}: annexed file without content; run `datalad get {path}`")
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for required in ("Header.txt", "Input Log.txt"):
                if required not in names:
                    raise InputError(f"{path}: not a valid bk2, `{required}` is missing from the archive")
            header_text = archive.read("Header.txt").decode("utf-8", errors="replace")
            log_text = archive.read("Input Log.txt").decode("utf-8", errors="replace")
            state = archive.read("Core.bin") if "Core.bin" in names else b""
    except zipfile.BadZipFile:
        raise InputError(f"{path}: not a valid bk2 (not a zip archive); re-export or re-record the replay") from None
    header = parse_header(header_text)
    try:
        system = header_system(header)
        players, inputs = parse_input_log(log_text, system)
    except InputError as error:
        raise InputError(f"{path}: {error}") from None
    return Bk2(path=path, header=header, system=system, layout=platforms.buttons(system), players=players,
               inputs=inputs, state=state)


def parse_header(text: str) -> dict[str, str]:
    header = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            header[key] = value.strip()
    return header


def header_system(header: dict[str, str]) -> str:
    """The platform of a header: its ``Platform`` (``GEN``/``SNES``/``NES``/``A26`` or a core name, as stable-retro
    writes and reads it), or, without one, the platform of its ``GameName``."""
    value = header.get("Platform")
    if value is None:
        retro_id = find_retro_id(header.get("GameName", ""))
        if retro_id is None:
            raise InputError("the header has no `Platform` and its `GameName` is not a stable-retro game; "
                             "re-export the replay with stable-retro")
        return system_of_game(retro_id)
    core = platforms.HEADER_TO_CORE.get(value, value)
    if core not in platforms.systems():
        raise InputError(f"platform {value!r} is not one stable-retro replays ({', '.join(platforms.HEADER_TO_CORE)} "
                         f"or a core name: {', '.join(platforms.systems())}); re-record the replay with stable-retro")
    return core


def _columns(line: str, system: str) -> list[platforms.LogColumn]:
    if line.startswith("LogKey:"):  # BizHawk: LogKey:#Reset|Power|#P1 Up|P1 Down|...
        line = "|".join(part for part in line[len("LogKey:"):].replace("#", "|").split("|") if _COLUMN.match(part))
    letters = platforms.column_names(system)
    keymap = platforms.keymap(system)
    layout = platforms.buttons(system)
    columns = []
    for raw in (c for c in line.split("|") if c):
        match = _COLUMN.match(raw)
        letter = letters.get(match.group(2)) if match else None
        if letter not in keymap:
            known = ", ".join(f"`{c.name}`" for c in platforms.log_columns(system))
            raise InputError(f"unknown input column `{raw}` for the {system} (its columns: {known}); "
                             "re-record the replay with stable-retro")
        index = keymap[letter]
        columns.append(platforms.LogColumn(int(match.group(1)), layout[index], index, raw, letter))
    if not columns:
        raise InputError("the column line of `Input Log.txt` is empty; re-record the replay with stable-retro")
    return columns


def parse_input_log(text: str, system: str) -> tuple[int, np.ndarray]:
    """Number of players and rows × players × buttons (emulator order) of an ``Input Log.txt``."""
    lines = [line.rstrip("\r") for line in text.splitlines() if line.strip()]
    if not lines or lines[0].strip() != "[Input]" or len(lines) < 2:
        raise InputError("`Input Log.txt` must start with `[Input]` and a column line")
    columns = _columns(lines[1], system)
    players = max(c.player for c in columns)
    per_player = [[c for c in columns if c.player == p] for p in range(1, players + 1)]
    rows = [line for line in lines[2:] if line.strip() != "[/Input]"]
    inputs = np.zeros((len(rows), players, len(platforms.buttons(system))), dtype=bool)
    for i, row in enumerate(rows):
        fields = row.split("|")  # "|..|p1|p2|" → ['', '..', 'p1', 'p2', '']
        if len(fields) < 3 + players or fields[0]:
            raise InputError(f"input row {i + 1} is malformed (expected |..|{'|'.join(['...'] * players)}|): {row!r}")
        for p, expected in enumerate(per_player):
            pad = fields[2 + p]
            if len(pad) != len(expected):
                raise InputError(f"input row {i + 1}, player {p + 1} has {len(pad)} button columns, expected "
                                 f"{len(expected)}: {row!r}")
            for char, column in zip(pad, expected):
                if char == ".":
                    continue
                if char != column.letter:
                    raise InputError(f"input row {i + 1} has unknown letter {char!r} in column `{column.name}` "
                                     f"(expected {column.letter!r} or '.')")
                inputs[i, p, column.index] = True
    return players, inputs


def press_events(pressed: np.ndarray, buttons: tuple[str, ...] | list[str], fps: float | None = None) -> pd.DataFrame:
    """Rising edges of each button with their duration until release.

    Returns a DataFrame with ``button``, ``frame_start`` (first pressed frame), ``frame_stop``
    (first released frame; the number of frames if still held at the end), ``n_frames``, and, when
    ``fps`` is given, ``onset`` and ``duration`` in seconds. Sorted by frame then button order.
    """
    pressed = np.asarray(pressed, dtype=bool)
    n = len(pressed)
    records = []
    for j, name in enumerate(buttons):
        column = np.concatenate([[False], pressed[:, j], [False]]).astype(np.int8)
        steps = np.diff(column)
        starts = np.flatnonzero(steps == 1)
        stops = np.flatnonzero(steps == -1)
        for start, stop in zip(starts, stops):
            records.append((name, j, int(start), int(min(stop, n))))
    frame = pd.DataFrame(records, columns=["button", "_order", "frame_start", "frame_stop"])
    frame = frame.sort_values(["frame_start", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
    frame["n_frames"] = frame["frame_stop"] - frame["frame_start"]
    if fps is not None:
        frame["onset"] = frame["frame_start"] / fps
        frame["duration"] = frame["n_frames"] / fps
    return frame


def input_log(system: str, inputs: np.ndarray) -> str:
    """``Input Log.txt`` exactly as stable-retro writes it, for rows × players × emulator buttons, reset row first."""
    inputs = np.asarray(inputs, dtype=bool)
    players = inputs.shape[1]
    columns = platforms.log_columns(system)
    lines = ["[Input]", "".join(f"{c.name}|" for c in platforms.log_columns(system, players))]
    for row in inputs:
        lines.append("|..|" + "".join(
            "".join(c.letter if row[p, c.index] else "." for c in columns) + "|" for p in range(players)))
    return "\n".join(lines) + "\n[/Input]"


def header_text(system: str, game: str) -> str:
    """``Header.txt`` exactly as stable-retro writes it."""
    return (f"MovieVersion Retro\nAuthor ?\nemuVersion ?\nPlatform {platforms.header_code(system)}\n"
            f"GameName {game}\nSHA1 ?\nCore ?\nrerecordCount 1\n")


def write_bk2(path: str | Path, game: str, inputs: np.ndarray, state: bytes, system: str | None = None,
              players: int = 1) -> Path:
    """Write a bk2 that stable-retro replays, atomically and byte-reproducibly.

    ``inputs`` are the emulated frames, frames × :func:`button_columns` (bool; player 1's buttons, then player 2's
    ...); a blank reset row is prepended, as stable-retro's recorder does. ``system`` defaults to the game's
    platform. A button a bk2 cannot log (Atari RESET ...) is refused rather than silently dropped.
    """
    path = Path(path)
    system = platforms.resolve_system(system) if system else system_of_game(find_retro_id(game) or game)
    layout = platforms.buttons(system)
    named = [i for i, b in enumerate(layout) if b is not None]
    frames = np.asarray(inputs, dtype=bool).reshape(len(inputs), players, len(named))
    full = np.zeros((len(frames) + 1, players, len(layout)), dtype=bool)
    full[1:, :, named] = frames
    unlogged = [layout[i] for i in named if layout[i] not in platforms.KEY_LETTERS and full[:, :, i].any()]
    if unlogged:
        raise InputError(f"{path}: a bk2 cannot hold presses of {', '.join(unlogged)} (stable-retro does not log "
                         "them); leave those buttons out")
    members = {"Input Log.txt": input_log(system, full), "Header.txt": header_text(system, game)}
    if state:
        members["Core.bin"] = state
    with atomic_output(path) as partial, zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path
