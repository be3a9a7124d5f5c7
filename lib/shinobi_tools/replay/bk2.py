"""Read Gym Retro / stable-retro ``.bk2`` replays without the emulator.

A bk2 is a zip with ``Header.txt`` (``key value`` lines), ``Input Log.txt`` (one row of button
letters per frame, the first row being the reset frame) and ``Core.bin`` (the start state).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.files import atomic_output

#: Emulator button order of the Genesis core (stable-retro's ``env.buttons``).
GENESIS_BUTTONS: tuple[str, ...] = ("B", "A", "MODE", "START", "UP", "DOWN", "LEFT", "RIGHT", "C", "Y", "X", "Z")
#: The letter each button shows in the input log when pressed.
GENESIS_LETTERS: dict[str, str] = {
    "B": "B", "A": "A", "MODE": "M", "START": "S", "UP": "U", "DOWN": "D",
    "LEFT": "L", "RIGHT": "R", "C": "C", "Y": "Y", "X": "X", "Z": "Z",
}
#: Input-log column names ("P1 Right") → emulator button names ("RIGHT").
_LOG_COLUMN_TO_BUTTON = {f"P1 {name.capitalize()}": name for name in GENESIS_BUTTONS}


@dataclass
class Bk2:
    """The parsed content of a bk2 file."""

    path: Path
    header: dict[str, str]
    buttons: tuple[str, ...]
    #: frames × buttons, True where pressed; row 0 is the reset frame.
    inputs: np.ndarray = field(repr=False)
    state: bytes = field(repr=False)

    @property
    def game(self) -> str:
        """The stable-retro game id, with the ``-v0`` suffix older files lack."""
        name = self.header.get("GameName", "")
        return name if name.endswith("-v0") else f"{name}-v0"

    @property
    def platform(self) -> str:
        return self.header.get("Platform", "")

    @property
    def n_frames(self) -> int:
        """Emulated frames: input rows after the reset row."""
        return max(len(self.inputs) - 1, 0)

    def frame_inputs(self) -> np.ndarray:
        """Buttons held on each emulated frame (frames × buttons, bool): the rows after the reset row."""
        return self.inputs[1:]

    def presses(self) -> dict[str, int]:
        """Number of presses (0→1 steps) per button over the emulated frames."""
        events = press_events(self.frame_inputs(), self.buttons)
        counts = events["button"].value_counts()
        return {name: int(counts.get(name, 0)) for name in self.buttons}


def read_bk2(path: str | Path) -> Bk2:
    """Parse a bk2; raise :class:`InputError` naming the file and the problem if it is malformed."""
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
    header = _parse_header(header_text)
    buttons, inputs = _parse_input_log(log_text, path)
    return Bk2(path=path, header=header, buttons=buttons, inputs=inputs, state=state)


def _parse_header(text: str) -> dict[str, str]:
    header = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            header[key] = value.strip()
    return header


def _parse_input_log(text: str, path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    lines = [line.rstrip("\r") for line in text.splitlines() if line.strip()]
    if not lines or lines[0].strip() != "[Input]" or len(lines) < 2:
        raise InputError(f"{path}: `Input Log.txt` must start with `[Input]` and a column line")
    columns = [c for c in lines[1].split("|") if c]
    log_buttons = []
    for column in columns:
        if column not in _LOG_COLUMN_TO_BUTTON:
            raise InputError(f"{path}: unknown input column `{column}` (only Genesis player-1 pads are supported)")
        log_buttons.append(_LOG_COLUMN_TO_BUTTON[column])
    letters = [GENESIS_LETTERS[b] for b in log_buttons]
    rows = [line for line in lines[2:] if line != "[/Input]"]
    pressed = np.zeros((len(rows), len(log_buttons)), dtype=bool)
    for i, row in enumerate(rows):
        fields = row.split("|")
        # A row is "|<console buttons>|<player 1 buttons>|".
        if len(fields) < 3:
            raise InputError(f"{path}: input row {i + 1} is malformed: {row!r}")
        pad = fields[2]
        if len(pad) != len(letters):
            raise InputError(
                f"{path}: input row {i + 1} has {len(pad)} button columns, expected {len(letters)}: {row!r}"
            )
        for j, char in enumerate(pad):
            if char == ".":
                continue
            if char != letters[j]:
                raise InputError(
                    f"{path}: input row {i + 1} has unknown letter {char!r} in column "
                    f"`{columns[j]}` (expected {letters[j]!r} or '.')"
                )
            pressed[i, j] = True
    # Reorder log columns into the emulator's button order.
    order = [log_buttons.index(name) for name in GENESIS_BUTTONS if name in log_buttons]
    buttons = tuple(log_buttons[k] for k in order)
    return buttons, pressed[:, order]


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


def write_bk2(path: str | Path, game: str, inputs: np.ndarray, state: bytes,
              buttons: tuple[str, ...] = GENESIS_BUTTONS, platform: str = "GEN") -> Path:
    """Write a bk2 that stable-retro replays: ``inputs`` (frames × buttons, bool) are the emulated
    frames; a blank reset row is prepended, as stable-retro's recorder does."""
    path = Path(path)
    inputs = np.asarray(inputs, dtype=bool)
    log_order = list(reversed(buttons))
    columns = "|".join(f"P1 {name.capitalize()}" for name in log_order) + "|"
    index = [buttons.index(name) for name in log_order]
    rows = ["|..|" + "." * len(buttons) + "|"]
    for row in inputs:
        rows.append("|..|" + "".join(GENESIS_LETTERS[buttons[k]] if row[k] else "." for k in index) + "|")
    log = "[Input]\n" + columns + "\n" + "\n".join(rows) + "\n[/Input]"
    header = f"MovieVersion Retro\nPlatform {platform}\nGameName {game}\n"
    with atomic_output(path) as partial, zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Header.txt", header)
        archive.writestr("Input Log.txt", log)
        archive.writestr("Core.bin", state)
    return path
