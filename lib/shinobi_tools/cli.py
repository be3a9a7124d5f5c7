"""The ``shinobi-tools`` command line: one sub-command per stage, each a thin wrapper of a library call."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from shinobi_tools.errors import InputError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(function: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = function
        return function
    return register


@command("inspect")
def _inspect(args: argparse.Namespace) -> int:
    from shinobi_tools.bk2 import read_bk2

    bk2 = read_bk2(args.bk2)
    summary = {"game": bk2.game, "platform": bk2.platform, "frames": bk2.n_frames, "presses": bk2.presses()}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{bk2.path}\n  game: {bk2.game}\n  platform: {bk2.platform}\n  frames: {bk2.n_frames}")
        print("  presses: " + ", ".join(f"{k}={v}" for k, v in summary["presses"].items()))
    return 0


@command("replay")
def _replay(args: argparse.Namespace) -> int:
    from shinobi_tools.replay import replay_bk2

    outputs = replay_bk2(
        args.bk2, args.out_dir, game=args.game, video=not args.no_video, audio=args.audio,
        fps=args.fps, preset=args.preset, crf=args.crf, progress=not args.quiet,
    )
    print(f"{outputs.n_frames} frames → {outputs.states}" + (f", {outputs.video}" if outputs.video else ""))
    return 0


@command("record")
def _record(args: argparse.Namespace) -> int:
    from shinobi_tools.record import record_dataset

    paths = record_dataset(
        args.out_dir, subjects=args.subjects, sessions=args.sessions, runs=args.runs,
        seconds=args.seconds, seed=args.seed, progress=not args.quiet,
    )
    print(f"{len(paths)} replays written under {args.out_dir}")
    return 0


@command("events")
def _events(args: argparse.Namespace) -> int:
    from shinobi_tools.exports import export_run

    formats = [f.strip() for f in (args.formats or "").split(",") if f.strip()]
    written = export_run(
        args.states or args.variables, args.game, args.out_dir, formats=formats, fps=args.fps,
        descriptions=args.descriptions, seed=args.seed, video=args.video,
    )
    print(", ".join(str(path) for path in written.values()))
    return 0


@command("event-counts")
def _event_counts(args: argparse.Namespace) -> int:
    from shinobi_tools.gather import event_counts

    table = event_counts(args.events)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, sep="\t", index=False)
    print(f"{len(table)} runs → {args.out}")
    return 0


@command("clips")
def _clips(args: argparse.Namespace) -> int:
    import pandas as pd

    from shinobi_tools.clips import ClipOptions
    from shinobi_tools.dataset import make_run_clips
    from shinobi_tools.games import get_game
    from shinobi_tools.qa import QAOptions

    from shinobi_tools.events import frame_rate

    game = get_game(args.game)
    states = pd.read_parquet(args.states, columns=["frame", "time"])
    fps = args.fps or frame_rate(states)
    salient = tuple(game.salient_events)
    clip_options = ClipOptions(length=args.length, stride=args.stride, out_fps=args.clip_fps, width=args.width,
                               height=args.height, event_types=salient, seed=args.seed)
    qa_options = QAOptions(grounding_types=salient, point_queries=args.point_queries, seed=args.seed)
    path = make_run_clips(args.video, args.events, len(states), fps, args.out_dir, clip_options, qa_options,
                          args.records)
    print(f"clips → {args.out_dir}, records → {path}")
    return 0


@command("dataset")
def _dataset(args: argparse.Namespace) -> int:
    import pandas as pd

    from shinobi_tools.dataset import build_dataset

    splits = pd.read_csv(args.splits, sep="\t")
    counts = pd.read_csv(args.counts, sep="\t") if args.counts else None
    written = build_dataset(args.records, args.clips_root, splits, args.out_dir, counts)
    print(f"{len(written)} files → {args.out_dir}")
    return 0


@command("splits")
def _splits(args: argparse.Namespace) -> int:
    import yaml

    from shinobi_tools.naming import parse_run_name
    from shinobi_tools.splits import assign_splits

    explicit = yaml.safe_load(args.explicit.read_text()) if args.explicit else None
    runs = [parse_run_name(name) for name in args.runs]
    table = assign_splits(runs, by=args.by, fractions=tuple(args.fractions), seed=args.seed, explicit=explicit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, sep="\t", index=False)
    print(table["split"].value_counts().to_string())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shinobi-tools", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    inspect = sub.add_parser("inspect", help="summarise a bk2 (no ROM needed)")
    inspect.add_argument("bk2", type=Path)
    inspect.add_argument("--json", action="store_true", help="print one JSON object")

    replay = sub.add_parser("replay", help="replay a bk2 into an mp4 and a per-frame states table")
    replay.add_argument("bk2", type=Path)
    replay.add_argument("--out-dir", type=Path, required=True)
    replay.add_argument("--game", help="game definition name (default: from the bk2 header)")
    replay.add_argument("--no-video", action="store_true", help="write only the states table")
    replay.add_argument("--audio", action="store_true", help="add the game's audio track to the mp4")
    replay.add_argument("--fps", type=float, help="frame rate for times and video (default: the game's)")
    replay.add_argument("--preset", default="veryfast", help="x264 preset (default: veryfast)")
    replay.add_argument("--crf", type=int, default=23, help="x264 quality, lower is better (default: 23)")
    replay.add_argument("--quiet", action="store_true", help="no progress bar")

    record = sub.add_parser("record", help="record Airstriker replays with a scripted player")
    record.add_argument("--out-dir", type=Path, required=True)
    record.add_argument("--subjects", type=int, default=3, help="number of subjects (default: 3)")
    record.add_argument("--sessions", type=int, default=2, help="sessions per subject (default: 2)")
    record.add_argument("--runs", type=int, default=2, help="runs per session (default: 2)")
    record.add_argument("--seconds", type=float, default=75.0,
                        help="play time of each run, split into game attempts (reps) (default: 75)")
    record.add_argument("--seed", type=int, default=0, help="same seed, same input logs (default: 0)")
    record.add_argument("--quiet", action="store_true", help="no progress bar")

    events = sub.add_parser("events", help="timestamped gameplay events, summary and exports of one run")
    events.add_argument("--game", required=True, help="game definition name (shinobi3, airstriker)")
    source = events.add_mutually_exclusive_group(required=True)
    source.add_argument("--states", type=Path, help="per-frame table from `replay` (*_states.parquet)")
    source.add_argument("--variables", type=Path, help="CNeuroMod *_variables.json[.gz] (60 fps)")
    events.add_argument("--out-dir", type=Path, required=True)
    events.add_argument("--formats", default="", help="extra exports, comma-separated: srt,vtt,eaf")
    events.add_argument("--fps", type=float, help="frame rate for onsets (default: the input's, 60 for CNeuroMod files)")
    events.add_argument("--descriptions", type=Path, help="YAML of phrasings overriding the game's built-in ones")
    events.add_argument("--seed", type=int, default=0, help="seed of the phrasing choice (default: 0)")
    events.add_argument("--video", type=Path, help="the run's mp4, linked from the ELAN file")
    counts = sub.add_parser("event-counts", help="gather event counts per type per run into one TSV")
    counts.add_argument("events", type=Path, nargs="+", help="per-run *_events.tsv files")
    counts.add_argument("--out", type=Path, required=True)
    clips = sub.add_parser("clips", help="cut one run's clips and write its question-answer records")
    clips.add_argument("--game", required=True)
    clips.add_argument("--video", type=Path, required=True, help="the run's mp4")
    clips.add_argument("--states", type=Path, required=True, help="the run's *_states.parquet")
    clips.add_argument("--events", type=Path, required=True, help="the run's *_events.tsv")
    clips.add_argument("--out-dir", type=Path, required=True, help="clips go to OUT_DIR/<run>/")
    clips.add_argument("--records", type=Path, required=True, help="JSON file of the run's QA records")
    clips.add_argument("--length", type=float, default=4.0, help="clip length in seconds (default: 4)")
    clips.add_argument("--stride", type=float, default=2.0, help="seconds between window starts (default: 2)")
    clips.add_argument("--clip-fps", type=float, default=8.0, help="frame rate of the clip files (default: 8)")
    clips.add_argument("--width", type=int, default=160)
    clips.add_argument("--height", type=int, default=112)
    clips.add_argument("--point-queries", type=int, default=1, help="point questions per clip (default: 1)")
    clips.add_argument("--fps", type=float, help="source frame rate (default: from the states table)")
    clips.add_argument("--seed", type=int, default=0)

    splits = sub.add_parser("splits", help="assign runs to train/val/test")
    splits.add_argument("runs", nargs="+", help="run names (stems)")
    splits.add_argument("--by", default="run", choices=["run", "subject", "session", "explicit"])
    splits.add_argument("--fractions", type=float, nargs=3, default=[0.7, 0.15, 0.15], metavar=("TRAIN", "VAL", "TEST"))
    splits.add_argument("--explicit", type=Path, help="YAML: split name → list of run names (with --by explicit)")
    splits.add_argument("--seed", type=int, default=0)
    splits.add_argument("--out", type=Path, required=True)

    dataset = sub.add_parser("dataset", help="gather clip records into LLaVA and LLaMA-Factory JSON files")
    dataset.add_argument("records", type=Path, nargs="+", help="per-run QA record files")
    dataset.add_argument("--clips-root", type=Path, required=True)
    dataset.add_argument("--splits", type=Path, required=True, help="splits.tsv (run, split)")
    dataset.add_argument("--counts", type=Path, help="event_counts.tsv, for per-split statistics")
    dataset.add_argument("--out-dir", type=Path, required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
