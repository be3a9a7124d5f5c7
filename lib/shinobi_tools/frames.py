"""Frame-exact access to a run's video: frame ranges, PNG frames, and the first frame meeting a condition.

Frame ``i`` of a run's mp4 is emulated frame ``i`` (``shinobi_tools.video.Mp4Writer`` writes one video
frame per emulated frame), so frames are found by decoding with PyAV and counting, never from
timestamps. Time ranges follow the events convention: frame ``i`` is shown during
``[i / fps, (i + 1) / fps)``; a range ``[start, stop)`` in seconds holds the frames shown in it.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pandas as pd

from shinobi_tools.errors import InputError

#: Seconds shown before and after an event by default.
EVENT_MARGIN = 1.0
_OPERATORS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
              ">": operator.gt, "<": operator.lt}
_CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<)\s*(\S.*?)\s*$")


@dataclass(frozen=True)
class FrameRange:
    """Frames ``start`` (inclusive) to ``stop`` (exclusive) of a video."""

    start: int
    stop: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.stop <= self.start:
            raise InputError(f"frame range [{self.start}, {self.stop}) is empty or negative; "
                             "give 0 <= start < stop")

    def __len__(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class FrameMatch:
    """The first frame of a states table meeting a condition."""

    frame: int
    time: float
    condition: str


# --------------------------------------------------------------------------------------- ranges

@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float


def probe_video(video: str | Path) -> VideoInfo:
    """Size and frame rate stored in the video stream (the rate is exact for our mp4s: 59922743/1000000)."""
    with _open(video) as container:
        stream = container.streams.video[0]
        rate, width, height = stream.average_rate, stream.codec_context.width, stream.codec_context.height
    if not rate:
        raise InputError(f"{video}: the video stream has no frame rate; give it with --fps")
    return VideoInfo(width, height, float(rate))


def time_range(start: float, stop: float, fps: float) -> FrameRange:
    """The frames shown during ``[start, stop)`` seconds."""
    if stop <= start:
        raise InputError(f"time range [{start}, {stop}) s is empty; give --start < --stop")
    return FrameRange(max(math.floor(start * fps + 1e-9), 0), math.ceil(stop * fps - 1e-9))


def event_range(events_tsv: str | Path, index: int, fps: float, before: float = EVENT_MARGIN,
                after: float = EVENT_MARGIN) -> tuple[FrameRange, pd.Series]:
    """Frames from ``before`` s before event ``index`` (0-based row) to ``after`` s after its end, and the row."""
    from shinobi_tools.gather import read_events_tsv

    path = Path(events_tsv)
    if not path.is_file():
        raise InputError(f"{path}: no such events file; give a run's *_events.tsv from the events stage")
    events = read_events_tsv(path)
    missing = {"frame_start", "frame_stop"} - set(events.columns)
    if missing:
        raise InputError(f"{path}: no {', '.join(sorted(missing))} column; re-run the events stage")
    if not 0 <= index < len(events):
        raise InputError(f"{path}: event index {index} is out of range; the file has {len(events)} events "
                         f"(give 0..{len(events) - 1})")
    row = events.iloc[index]
    first, last = int(row["frame_start"]), max(int(row["frame_stop"]), int(row["frame_start"]) + 1)
    start = max(first - int(round(before * fps)), 0)
    return FrameRange(start, last + int(round(after * fps))), row


# --------------------------------------------------------------------------------------- frames

def iter_frames(video: str | Path, frames: FrameRange, indices: list[int] | None = None,
                clip_to_end: bool = False, width: int | None = None,
                height: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(index, RGB array)`` for the frames of ``frames`` (or only ``indices`` in it), in order.

    Decodes from the start and counts frames, so index ``i`` is exactly frame ``i``. A range past the
    end of the video is an ``InputError`` unless ``clip_to_end`` (then it stops at the last frame;
    at least the range's first frame must exist). ``width``/``height`` rescale (swscale).
    """
    wanted = set(range(frames.start, frames.stop)) if indices is None else set(indices)
    last_wanted = max(wanted)
    index = -1
    with _open(video) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for index, frame in enumerate(container.decode(stream)):
            if index in wanted:
                if width or height:
                    frame = frame.reformat(width=width, height=height)
                yield index, frame.to_ndarray(format="rgb24")
            if index >= last_wanted:
                return
    n_frames = index + 1
    if clip_to_end and frames.start < n_frames:
        return
    raise InputError(f"{video}: frames [{frames.start}, {frames.stop}) go past the end of the video "
                     f"({n_frames} frames); give a stop frame <= {n_frames}")


def write_frames(video: str | Path, out_dir: str | Path, frames: FrameRange, every: int = 1,
                 clip_to_end: bool = False) -> list[Path]:
    """Write every ``every``-th frame of ``frames`` as ``out_dir/<stem>_frame-<index:06d>.png``."""
    from PIL import Image

    if every < 1:
        raise InputError(f"--every {every}: give a positive step")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(video).stem
    paths = []
    for index, pixels in iter_frames(video, frames, list(range(frames.start, frames.stop, every)), clip_to_end):
        path = out_dir / f"{stem}_frame-{index:06d}.png"
        Image.fromarray(pixels).save(path, compress_level=1)
        paths.append(path)
    return paths


def _open(video: str | Path):
    path = Path(video)
    if not path.is_file():
        raise InputError(f"{path}: no such video; give a run's mp4 from the replay stage")
    try:
        container = av.open(str(path))
    except av.FFmpegError as error:
        raise InputError(f"{path}: not a readable video ({error}); re-run its replay") from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{path}: no video stream; give a run's mp4 from the replay stage")
    return container


# --------------------------------------------------------------------------------------- find-frame

def parse_conditions(expression: str) -> list[tuple[str, str, float | bool]]:
    """``'a>=3 & b==True'`` → ``[('a', '>=', 3.0), ('b', '==', True)]``."""
    conditions = []
    for part in expression.split("&"):
        match = _CONDITION.match(part)
        if not match:
            raise InputError(f"condition {part.strip()!r} is not VARIABLE OP VALUE (ops: >= <= > < == !=; "
                             "join several with &), e.g. 'X_screen_total>=4550'")
        name, op, text = match.groups()
        if text.lower() in ("true", "false"):
            value: float | bool = text.lower() == "true"
        else:
            try:
                value = float(text)
            except ValueError:
                raise InputError(f"condition {part.strip()!r}: {text!r} is not a number or true/false") from None
        conditions.append((name, op, value))
    return conditions


def find_frame(states: pd.DataFrame, expression: str, source: str = "states table") -> FrameMatch | None:
    """The first row of ``states`` meeting every condition of ``expression``, or None."""
    conditions = parse_conditions(expression)
    unknown = [name for name, _, _ in conditions if name not in states.columns]
    if unknown:
        raise InputError(f"{source}: no variable {', '.join(map(repr, unknown))}; "
                         f"available: {', '.join(map(str, states.columns))}")
    mask = np.ones(len(states), dtype=bool)
    for name, op, value in conditions:
        mask &= _OPERATORS[op](states[name].to_numpy(), value)
    hits = np.flatnonzero(mask)
    if not len(hits):
        return None
    row = states.iloc[hits[0]]
    frame = int(row["frame"]) if "frame" in states.columns else int(hits[0])
    time = float(row["time"]) if "time" in states.columns else float("nan")
    return FrameMatch(frame, time, expression)


def find_frame_in_file(states_path: str | Path, expression: str) -> FrameMatch | None:
    """:func:`find_frame` on a ``*_states.parquet`` file."""
    from shinobi_tools.events import read_states

    return find_frame(read_states(states_path), expression, source=str(states_path))
