"""Frame-exact access to a run's video: frame ranges, resampling, PNG frames.

Frame ``i`` of a run's mp4 is emulated frame ``i`` (``shinobi_tools.media.video.Mp4Writer`` writes one video
frame per emulated frame), so frames are found by decoding with PyAV and counting, never from
timestamps. Time ranges follow the events convention: frame ``i`` is shown during
``[i / fps, (i + 1) / fps)``; a range ``[start, stop)`` in seconds holds the frames shown in it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from shinobi_tools.errors import InputError
from shinobi_tools.files import atomic_folder, ensure_folder

#: Seconds shown before and after an event by default.
EVENT_MARGIN = 1.0


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


# --------------------------------------------------------------------------------------- ranges

@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float


def probe_video(video: str | Path) -> VideoInfo:
    """Size and frame rate stored in the video stream (the rate is exact for our mp4s: 59922743/1000000)."""
    with open_video(video) as container:
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


def event_range(frame_start: int, frame_stop: int, fps: float, before: float = EVENT_MARGIN,
                after: float = EVENT_MARGIN) -> FrameRange:
    """Frames from ``before`` s before an event's first frame to ``after`` s after its end (an instantaneous
    event counts as one frame)."""
    last = max(int(frame_stop), int(frame_start) + 1)
    start = max(int(frame_start) - int(round(before * fps)), 0)
    return FrameRange(start, last + int(round(after * fps)))


def resample_indices(frame_start: int, frame_stop: int, source_fps: float, out_fps: float) -> list[int]:
    """Source frames of ``[frame_start, frame_stop)`` resampled at ``out_fps``: frame ``k`` is
    ``frame_start + round(k * source_fps / out_fps)``, so the first is exactly ``frame_start``."""
    step = source_fps / out_fps
    count = int(np.floor((frame_stop - frame_start - 1) / step)) + 1
    return [frame_start + int(round(k * step)) for k in range(count)]


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
    with open_video(video) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for index, frame in enumerate(decode(container, video)):
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
    """Write every ``every``-th frame of ``frames`` as ``out_dir/<stem>_frame-<index:06d>.png``; all of them or,
    after an error (a range past the end of the video), none."""
    from PIL import Image

    if every < 1:
        raise InputError(f"--every {every}: give a positive step")
    out_dir = ensure_folder(out_dir)
    stem = Path(video).stem
    names = []
    with atomic_folder(out_dir / f".{stem}-frames") as partial:
        for index, pixels in iter_frames(video, frames, list(range(frames.start, frames.stop, every)), clip_to_end):
            names.append(f"{stem}_frame-{index:06d}.png")
            Image.fromarray(pixels).save(partial / names[-1], compress_level=1)
        for name in names:
            os.replace(partial / name, out_dir / name)
    return [out_dir / name for name in names]


def decode(container, video: str | Path) -> Iterator:
    """The frames of ``container``'s video stream; a stream that breaks off is one :class:`InputError` line."""
    count = 0
    try:
        for frame in container.decode(container.streams.video[0]):
            yield frame
            count += 1
    except av.FFmpegError as error:
        raise InputError(f"{video}: the video breaks off after {count} frames ({error}); re-run its replay") from None


def open_video(video: str | Path):
    """The PyAV container of a video file with a video stream; anything else is one :class:`InputError` line."""
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
