#!/usr/bin/env python
"""Benchmark clip cutting and GIF making: moviepy against PyAV (+ Pillow), speed and frame-exactness.

On one run video (``shinobi-tools replay ... --out-dir DIR`` writes it):

  (1) clip   a 4 s clip resampled to 8 fps at 160×112, starting at ``--start-frame``:
             ``shinobi_tools.dataset.clips.cut_clips`` with a one-row plan (PyAV decode + in-process x264)
             against moviepy ``VideoFileClip.subclipped(...).resized(...).write_videofile(fps=8)``
             (x264 veryfast crf 20, as cut_clips).
  (2) gif    a 3 s GIF at 15 fps, 320 px wide, caption in a band below the frame:
             ``shinobi_tools.media.gif.make_gif`` (PyAV + Pillow) against moviepy
             ``CompositeVideoClip([clip, TextClip(method="caption")]).write_gif(fps=15)``.

Times are in-process (imports done first), repeats interleaved, medians; CPU s counts this process
and its waited-for children (moviepy's ffmpeg). Frame-exactness: every output frame is matched to
the source frames (decoded by PyAV, counted from 0) within ±4 of the frame it should show
(``clips.clip_source_frames``); its offset is the best match's (lowest mean absolute difference;
a tie with the expected frame counts as 0). For clips only the first frame is matched (at 160×112
after x264, neighbouring frames are too alike); moviepy's 8 fps sampling is checked at full size. Separately, moviepy's ``get_frame(start / fps)`` at full
size is matched the same way for several starts.

Usage:  python bench/clips.py [VIDEO.mp4] [--repeats 5] [--start-frame 901]
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import pandas as pd

from shinobi_tools.dataset.clips import ClipOptions, cut_clips
from shinobi_tools.media.frames import FrameRange, iter_frames, probe_video, resample_indices
from shinobi_tools.media.gif import GifOptions, draw_caption, make_gif

DEFAULT = Path("/tmp/benchclips/sub-01_ses-001_task-airstriker_run-01_level-1_rep-01.mp4")
CAPTION = "The player shoots an enemy ship, which explodes"
WINDOW = 4


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(function) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    function()
    return time.perf_counter() - wall, _cpu() - cpu


# ------------------------------------------------------------------------------------ variants

def clip_pyav(video: Path, out_dir: Path, start: int, fps: float) -> Path:
    options = ClipOptions(length=4.0, out_fps=8.0, width=160, height=112)
    stop = start + int(round(4.0 * fps))
    plan = pd.DataFrame({"clip": ["bench_pyav"], "frame_start": [start], "frame_stop": [stop], "kind": ["window"]})
    return cut_clips(video, plan, out_dir, options, source_fps=fps)[0]


def clip_moviepy(video: Path, out_dir: Path, start: int, fps: float) -> Path:
    from moviepy import VideoFileClip

    out = out_dir / "bench_moviepy.mp4"
    with VideoFileClip(str(video), audio=False) as clip:
        sub = clip.subclipped(start / fps, (start + int(round(4.0 * fps))) / fps).resized(new_size=(160, 112))
        sub.write_videofile(str(out), fps=8, codec="libx264", preset="veryfast", audio=False, logger=None,
                            ffmpeg_params=["-crf", "20", "-pix_fmt", "yuv420p"])
    return out


def gif_pillow(video: Path, out_dir: Path, start: int, fps: float) -> Path:
    out = out_dir / "bench_pillow.gif"
    make_gif(video, out, FrameRange(start, start + int(round(3.0 * fps))),
             GifOptions(fps=15.0, width=320, caption=CAPTION), source_fps=fps)
    return out


def gif_moviepy(video: Path, out_dir: Path, start: int, fps: float, band: int) -> Path:
    from moviepy import CompositeVideoClip, TextClip, VideoFileClip

    out = out_dir / "bench_moviepy.gif"
    with VideoFileClip(str(video), audio=False) as clip:
        sub = clip.subclipped(start / fps, (start + int(round(3.0 * fps))) / fps)
        width, height = sub.size
        text = TextClip(text=CAPTION, font_size=max(9, width // 26), color="white", bg_color="black",
                        size=(width, band), method="caption", duration=sub.duration)
        composite = CompositeVideoClip([sub, text.with_position((0, height))], size=(width, height + band),
                                       bg_color=(0, 0, 0))
        composite.write_gif(str(out), fps=15, logger=None)
    return out


# ------------------------------------------------------------------------------------ exactness

def _reference(video: Path, first: int, last: int, size: tuple[int, int] | None = None) -> dict[int, np.ndarray]:
    frames = FrameRange(max(first, 0), last + 1)
    width, height = size or (None, None)
    return {i: a.astype(np.int16) for i, a in iter_frames(video, frames, clip_to_end=True, width=width, height=height)}


def _offset(frame: np.ndarray, expected: int, reference: dict[int, np.ndarray]) -> tuple[int, float]:
    """Offset of the best-matching source frame from ``expected`` (ties with 0 → 0), and its MAE."""
    errors = {i - expected: float(np.abs(frame.astype(np.int16) - reference[i]).mean())
              for i in range(expected - WINDOW, expected + WINDOW + 1) if i in reference}
    best = min(errors, key=lambda o: (errors[o], abs(o)))
    return (0, errors[0]) if errors.get(0, np.inf) <= errors[best] + 1e-9 else (best, errors[best])


def _video_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _gif_frames(path: Path) -> list[np.ndarray]:
    from PIL import Image, ImageSequence

    with Image.open(path) as gif:
        return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]


def clip_exactness(path: Path, video: Path, start: int, fps: float) -> dict:
    expected = resample_indices(start, start + int(round(4.0 * fps)), fps, 8.0)
    reference = _reference(video, start - WINDOW, expected[-1] + WINDOW, (160, 112))
    frames = _video_frames(path)
    # Only the first frame: at 160×112 after x264, neighbouring game frames are too alike to tell apart reliably.
    return {"frames": len(frames), "expected_frames": len(expected),
            "first_offset": _offset(frames[0], expected[0], reference)[0]}


def gif_exactness(path: Path, video: Path, start: int, fps: float, height: int) -> dict:
    expected = resample_indices(start, start + int(round(3.0 * fps)), fps, 15.0)
    reference = _reference(video, start - WINDOW, expected[-1] + WINDOW)
    frames = _gif_frames(path)
    first, mae = _offset(frames[0][:height], expected[0], reference)
    return {"frames": len(frames), "expected_frames": len(expected), "first_offset": first, "first_mae": round(mae, 2)}


def moviepy_get_frame(video: Path, starts: list[int], fps: float, fresh: bool) -> list[tuple[int, int, float]]:
    """moviepy's frame at ``start / fps`` for each start: one reader read forward, or a fresh reader each."""
    from moviepy import VideoFileClip

    reference = {}
    for start in starts:
        reference.update(_reference(video, start - WINDOW, start + WINDOW))
    rows = []
    clip = VideoFileClip(str(video), audio=False)
    print(f"moviepy reads the rate as {clip.fps} fps (stream: {fps})", file=sys.stderr)
    for start in starts:
        if fresh:
            clip.close()
            clip = VideoFileClip(str(video), audio=False)
        offset, mae = _offset(clip.get_frame(start / fps), start, reference)
        rows.append((start, offset, mae))
    clip.close()
    return rows


def moviepy_clip_frames(video: Path, start: int, fps: float) -> list[int]:
    """Offsets of the frames moviepy samples for the 4 s, 8 fps clip (full size, before resize and encoding)."""
    from moviepy import VideoFileClip

    expected = resample_indices(start, start + int(round(4.0 * fps)), fps, 8.0)
    reference = _reference(video, start - WINDOW, expected[-1] + WINDOW)
    with VideoFileClip(str(video), audio=False) as clip:
        sub = clip.subclipped(start / fps, (start + int(round(4.0 * fps))) / fps)
        frames = list(sub.iter_frames(fps=8))
    return [_offset(f, e, reference)[0] for f, e in zip(frames, expected)]


# ------------------------------------------------------------------------------------ main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", type=Path, nargs="?", default=DEFAULT)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--start-frame", type=int, default=901)
    args = parser.parse_args()
    if not args.video.is_file():
        sys.exit(f"{args.video}: missing; make it with `.venv/bin/shinobi-tools replay "
                 "data/airstriker/sub-01/ses-001/gamelogs/sub-01_ses-001_task-airstriker_run-01_level-1_rep-01.bk2 "
                 "--out-dir /tmp/benchclips --quiet`")
    from importlib.metadata import version

    info = probe_video(args.video)
    fps, start = info.fps, args.start_frame
    band = draw_caption(np.zeros((info.height, info.width, 3), np.uint8), CAPTION).shape[0] - info.height
    variants = {
        "clip: PyAV cut_clips": lambda d: clip_pyav(args.video, d, start, fps),
        "clip: moviepy": lambda d: clip_moviepy(args.video, d, start, fps),
        "gif: PyAV + Pillow make_gif": lambda d: gif_pillow(args.video, d, start, fps),
        "gif: moviepy": lambda d: gif_moviepy(args.video, d, start, fps, band),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    outputs: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, function in variants.items():   # warm-up (first ffmpeg start, font loading), not timed
            function(Path(tmp) / "warm")
        for repeat in range(args.repeats):
            for name, function in variants.items():
                out_dir = Path(tmp) / f"{repeat}"
                out_dir.mkdir(exist_ok=True)
                times[name].append(_timed(lambda: outputs.__setitem__(name, function(out_dir))))
        exact = {
            "clip: PyAV cut_clips": clip_exactness(outputs["clip: PyAV cut_clips"], args.video, start, fps),
            "clip: moviepy": clip_exactness(outputs["clip: moviepy"], args.video, start, fps),
            "gif: PyAV + Pillow make_gif": gif_exactness(outputs["gif: PyAV + Pillow make_gif"], args.video, start,
                                                         fps, info.height),
            "gif: moviepy": gif_exactness(outputs["gif: moviepy"], args.video, start, fps, info.height),
        }
        sizes = {name: outputs[name].stat().st_size for name in variants}
    print(f"video {args.video} ({info.width}×{info.height}, {fps} fps), start frame {start}, "
          f"{args.repeats} repeats; Python {platform.python_version()}, PyAV {av.__version__}, "
          f"moviepy {version('moviepy')}, Pillow {version('pillow')}\n")
    print("| variant | median s | min–max s | median CPU s | frames (expected) | first frame offset | size |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in variants:
        walls, cpus = [t[0] for t in times[name]], [t[1] for t in times[name]]
        e = exact[name]
        print(f"| {name} | {statistics.median(walls):.3f} | {min(walls):.3f}–{max(walls):.3f} | "
              f"{statistics.median(cpus):.3f} | {e['frames']} ({e['expected_frames']}) | {e['first_offset']:+d} | "
              f"{sizes[name] / 1000:.0f} kB |")
    n_frames = int(av.open(str(args.video)).streams.video[0].frames)   # metadata is enough to place starts
    starts = list(range(1, n_frames - WINDOW, 50))
    for fresh in (False, True):
        rows = moviepy_get_frame(args.video, starts, fps, fresh)
        counts = pd.Series([offset for _, offset, _ in rows]).value_counts().sort_index()
        print(f"\nmoviepy `get_frame(start / fps)` at full size against PyAV's frame `start`, {len(starts)} starts "
              f"(1, 51, ..., {starts[-1]}), {'a fresh VideoFileClip per start' if fresh else 'one VideoFileClip'}: "
              "offset → count: " + ", ".join(f"{o:+d} → {c}" for o, c in counts.items())
              + f"; starts off: {[s for s, o, _ in rows if o]}")
    offsets = moviepy_clip_frames(args.video, start, fps)
    print(f"moviepy 8 fps sampling of the 4 s clip at frame {start} (full size, before resize/encode): "
          f"{sum(o == 0 for o in offsets)}/{len(offsets)} frames exact, offsets {sorted(set(offsets))}")


if __name__ == "__main__":
    main()
