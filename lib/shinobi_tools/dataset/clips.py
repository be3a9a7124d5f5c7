"""Plan and cut short clips from a run's video: sliding windows plus event-centred clips.

Clip frames are sampled from the full-rate source at ``out_fps``: clip frame ``k`` is source frame
``frame_start + round(k * source_fps / out_fps)``, so clip frame 0 is exactly the source frame at the
clip's start index (:func:`shinobi_tools.media.frames.resample_indices`). Clips are small re-encodes (PyAV, in-process) for cheap training reads.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pandas as pd

from shinobi_tools.errors import InputError
from shinobi_tools.files import atomic_folder, partial_path
from shinobi_tools.media.frames import decode, open_video, resample_indices
from shinobi_tools.media.video import fps_fraction


@dataclass(frozen=True)
class ClipOptions:
    length: float = 4.0          # seconds
    stride: float = 2.0          # seconds between sliding-window starts
    out_fps: float = 8.0         # frame rate of the clip files
    width: int = 160
    height: int = 112
    event_types: tuple[str, ...] = ()   # types that also get event-centred clips
    event_clips_per_event: int = 1
    seed: int = 0


def plan_clips(run: str, n_frames: int, fps: float, options: ClipOptions,
               events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clip table: ``clip``, ``frame_start``, ``frame_stop`` (exclusive), ``kind`` (window|event)."""
    length = int(round(options.length * fps))
    stride = max(int(round(options.stride * fps)), 1)
    if length <= 0 or n_frames < length:
        return pd.DataFrame(columns=["clip", "frame_start", "frame_stop", "kind"])
    starts = list(range(0, n_frames - length + 1, stride))
    rows = [(start, "window") for start in starts]
    if events is not None and options.event_types:
        rng = np.random.default_rng(options.seed)
        chosen = events[events["trial_type"].isin(options.event_types)]
        for frame in chosen["frame_start"].astype(int):
            for _ in range(options.event_clips_per_event):
                # The event lands somewhere in the middle 60 % of the clip, not always at its centre.
                offset = int(rng.integers(int(0.2 * length), int(0.8 * length) + 1))
                rows.append((int(np.clip(frame - offset, 0, n_frames - length)), "event"))
    table = pd.DataFrame(rows, columns=["frame_start", "kind"])
    table["frame_stop"] = table["frame_start"] + length
    table.insert(0, "clip", [f"{run}_clip-{i:04d}" for i in range(len(table))])
    return table[["clip", "frame_start", "frame_stop", "kind"]]


def cut_clips(video: str | Path, plan: pd.DataFrame, out_dir: str | Path, options: ClipOptions,
              source_fps: float | None = None) -> list[Path]:
    """Write one mp4 per planned clip into the folder ``out_dir`` (``<clip>.mp4``) in a single decoding pass; the
    folder holds all of them or, after an error (a truncated or unreadable video), is left as it was."""
    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as partial:
        written = _cut(video, plan, partial, options, source_fps)
        missing = sorted(set(plan["clip"]) - {p.stem for p in written})
        if missing:
            raise InputError(f"{video}: the video ends before clips {', '.join(missing[:3])}...; re-run its replay")
    return sorted(out_dir / p.name for p in written)


def _cut(video: str | Path, plan: pd.DataFrame, out_dir: Path, options: ClipOptions,
         source_fps: float | None) -> list[Path]:
    needed: dict[int, list[str]] = defaultdict(list)
    last_frame = {}
    writers: dict[str, _ClipWriter] = {}
    paths = []
    try:
        with open_video(video) as container:
            stream = container.streams.video[0]
            source_fps = source_fps or float(stream.average_rate)
            for row in plan.itertuples():
                frames = resample_indices(row.frame_start, row.frame_stop, source_fps, options.out_fps)
                for index in frames:
                    needed[index].append(row.clip)
                last_frame[row.clip] = frames[-1]
            for index, frame in enumerate(decode(container, video)):
                if index not in needed:
                    continue
                small = frame.reformat(width=options.width, height=options.height, format="rgb24").to_ndarray()
                for clip in needed[index]:
                    if clip not in writers:
                        writers[clip] = _ClipWriter(out_dir / f"{clip}.mp4", options.out_fps)
                    writers[clip].write(small)
                    if index == last_frame[clip]:
                        paths.append(writers.pop(clip).close())
    finally:
        for writer in writers.values():
            writer.abort()
    return paths


class _ClipWriter:
    """A small in-process H.264 writer (clips are short; a process per clip would cost more)."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.partial = partial_path(path)
        self.container = av.open(str(self.partial), "w", format="mp4")
        self.stream = self.container.add_stream("libx264", rate=fps_fraction(fps))
        self.stream.pix_fmt = "yuv420p"
        self.stream.options = {"preset": "veryfast", "crf": "20"}
        self.stream.codec_context.thread_count = 1
        self.count = 0

    def write(self, pixels: np.ndarray) -> None:
        if self.count == 0:
            self.stream.height, self.stream.width = pixels.shape[:2]
        frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
        frame.pts = self.count
        self.count += 1
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> Path:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()
        os.replace(self.partial, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self.container.close()
        except Exception:  # removed below anyway
            pass
        self.partial.unlink(missing_ok=True)

