"""Commands on a run's video: PNG frames and GIFs of a frame range, a time range or an event (frame-exact)."""

from __future__ import annotations

import argparse
from pathlib import Path

from shinobi_tools.cli.common import add_command, non_negative, positive
from shinobi_tools.errors import InputError


def _frame_range(args: argparse.Namespace):
    """The range of `frames`/`gif`: frames, seconds or an event with margins; returns (range, event row, fps)."""
    from shinobi_tools.media.frames import FrameRange, event_range, probe_video, time_range

    fps = args.video_fps or probe_video(args.video).fps
    if args.event_tsv is not None:
        if args.event_index is None:
            raise InputError(f"{args.event_tsv}: give --event-index K (0-based row) with --event-tsv")
        row = _event_row(args.event_tsv, args.event_index)
        return event_range(row["frame_start"], row["frame_stop"], fps, args.before, args.after), row, fps
    if args.start is not None and args.stop is not None:
        return time_range(args.start, args.stop, fps), None, fps
    if args.start_frame is not None and args.stop_frame is not None:
        return FrameRange(args.start_frame, args.stop_frame), None, fps
    raise InputError(f"{args.video}: give a range: --start-frame N --stop-frame M, --start S --stop S, "
                     "or --event-tsv FILE --event-index K")


def _event_row(path: Path, index: int):
    from shinobi_tools.events.tsv import read_events_tsv

    events = read_events_tsv(path)
    missing = {"frame_start", "frame_stop"} - set(events.columns)
    if missing:
        raise InputError(f"{path}: no {', '.join(sorted(missing))} column; give a run's events.tsv from the events "
                         "stage")
    if not 0 <= index < len(events):
        raise InputError(f"{path}: event index {index} is out of range; the file has {len(events)} events "
                         f"(give 0..{len(events) - 1})")
    row = events.iloc[index]
    if row[["frame_start", "frame_stop"]].isna().any():
        raise InputError(f"{path}: event {index} has no frame_start/frame_stop; pick another event")
    return row


def _frames(args: argparse.Namespace) -> int:
    from shinobi_tools.media.frames import write_frames

    frames, event, _ = _frame_range(args)
    paths = write_frames(args.video, args.out_dir, frames, every=args.every, clip_to_end=event is not None)
    print(f"{len(paths)} frames [{frames.start}, {frames.stop}) → {args.out_dir}")
    return 0


def _gif(args: argparse.Namespace) -> int:
    from shinobi_tools.media.gif import GifOptions, make_gif

    frames, event, fps = _frame_range(args)
    caption = args.caption
    if caption is None and event is not None and isinstance(event.get("description"), str):
        caption = event["description"]
    result = make_gif(args.video, args.out, frames, GifOptions(fps=args.fps, width=args.width, caption=caption),
                      source_fps=fps, clip_to_end=event is not None)
    print(f"{result.n_frames} GIF frames of [{frames.start}, {frames.stop}) → {result.path}")
    return 0


def _add_range_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, help="a run's mp4 (from `replay`)")
    parser.add_argument("--start-frame", type=non_negative(), help="first frame (0-based)")
    parser.add_argument("--stop-frame", type=positive(int), help="frame after the last one (exclusive)")
    parser.add_argument("--start", type=non_negative(float), help="start time in seconds")
    parser.add_argument("--stop", type=positive(), help="stop time in seconds (exclusive)")
    parser.add_argument("--event-tsv", type=Path, help="a run's *_events.tsv; with --event-index")
    parser.add_argument("--event-index", type=non_negative(), help="0-based row of the event in --event-tsv")
    parser.add_argument("--before", type=non_negative(float), default=1.0,
                        help="seconds shown before the event (default: 1)")
    parser.add_argument("--after", type=non_negative(float), default=1.0,
                        help="seconds shown after the event (default: 1)")
    parser.add_argument("--video-fps", type=positive(), help="video frame rate for times (default: the video's)")


def add_commands(sub) -> None:
    frames = add_command(sub, "frames", _frames,
                         "write PNG frames of a frame range, time range or event (frame-exact)")
    _add_range_arguments(frames)
    frames.add_argument("--out-dir", type=Path, required=True, help="PNGs go to OUT_DIR/<stem>_frame-<index>.png")
    frames.add_argument("--every", type=positive(int), default=1, help="keep every N-th frame (default: 1)")
    gif = add_command(sub, "gif", _gif, "an animated GIF of a frame range, time range or event, with a caption")
    _add_range_arguments(gif)
    gif.add_argument("--out", type=Path, required=True, help="the GIF file")
    gif.add_argument("--fps", type=positive(), default=15.0, help="frame rate of the GIF (default: 15)")
    gif.add_argument("--width", type=positive(int), default=320, help="width in pixels, aspect kept (default: 320)")
    gif.add_argument("--caption", help="text in a band at the bottom (default with an event: its description)")
