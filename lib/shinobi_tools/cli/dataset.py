"""Commands of stage 4: one run's clips and QA records, the splits, the training files."""

from __future__ import annotations

import argparse
from pathlib import Path

from shinobi_tools.cli.common import add_command, add_vocabulary_argument, for_each, game_of, non_negative, positive
from shinobi_tools.errors import InputError


def _clips(args: argparse.Namespace) -> int:
    from shinobi_tools.dataset.build import make_run_clips
    from shinobi_tools.dataset.clips import ClipOptions
    from shinobi_tools.dataset.qa import QAOptions
    from shinobi_tools.naming import run_of
    from shinobi_tools.replay.states import frame_rate, read_states

    game = game_of(args)
    salient = tuple(game.salient_events)
    clip_options = ClipOptions(length=args.length, stride=args.stride, out_fps=args.clip_fps, width=args.width,
                               height=args.height, event_types=salient, seed=args.seed)
    qa_options = QAOptions(grounding_types=salient, point_queries=args.point_queries, seed=args.seed)
    if args.replay_dir is not None:   # every run of a folder: <run>.mp4 + <run>_states.parquet
        if args.events_dir is None:
            raise InputError(f"{args.replay_dir}: give --events-dir with --replay-dir")
        runs = [(args.replay_dir / f"{run_of(s)}.mp4", s, args.events_dir / f"{run_of(s)}_events.tsv",
                 args.out_dir / f"{run_of(s)}.json") for s in sorted(args.replay_dir.glob("*_states.parquet"))]
    elif None in (args.video, args.states, args.events, args.records):
        raise InputError("give --video, --states, --events and --records (one run) or --replay-dir and --events-dir")
    else:
        runs = [(args.video, args.states, args.events, args.records)]

    def clips(run: tuple) -> None:
        video, states_path, events, records = run
        states = read_states(states_path)
        fps = args.fps or frame_rate(states)
        path = make_run_clips(video, events, len(states), fps, args.out_dir, clip_options, qa_options, records,
                              invisible=game.invisible_events)
        print(f"clips → {args.out_dir}, records → {path}")

    return for_each(runs, clips)


def _splits(args: argparse.Namespace) -> int:
    from shinobi_tools.dataset.splits import assign_splits, read_explicit_splits
    from shinobi_tools.files import atomic_output
    from shinobi_tools.naming import parse_run_name

    explicit = read_explicit_splits(args.explicit)
    runs = [parse_run_name(name) for name in args.runs]
    table = assign_splits(runs, by=args.by, fractions=tuple(args.fractions), seed=args.seed, explicit=explicit)
    with atomic_output(args.out) as partial:
        table.to_csv(partial, sep="\t", index=False)
    print(table["split"].value_counts().to_string())
    return 0


def _dataset(args: argparse.Namespace) -> int:
    from shinobi_tools.dataset.build import build_dataset
    from shinobi_tools.dataset.splits import read_splits_table
    from shinobi_tools.events.tsv import read_counts

    splits = read_splits_table(args.splits)
    counts = read_counts(args.counts) if args.counts else None
    records = [f for path in args.records for f in (sorted(path.glob("*.json")) if path.is_dir() else [path])]
    written = build_dataset(records, splits, args.out_dir, counts)
    print(f"{len(written)} files → {args.out_dir}")
    return 0


def add_commands(sub) -> None:
    clips = add_command(sub, "clips", _clips, "cut one run's clips and write its question-answer records")
    clips.add_argument("--game", required=True)
    add_vocabulary_argument(clips, "--events (salient types: grounding questions and event-centred clips)")
    clips.add_argument("--video", type=Path, help="the run's mp4")
    clips.add_argument("--states", type=Path, help="the run's *_states.parquet")
    clips.add_argument("--events", type=Path, help="the run's *_events.tsv")
    clips.add_argument("--records", type=Path, help="JSON file of the run's QA records")
    clips.add_argument("--replay-dir", type=Path, help="instead of one run: every <run>_states.parquet + <run>.mp4 "
                       "of this folder (records go to OUT_DIR/<run>.json)")
    clips.add_argument("--events-dir", type=Path, help="with --replay-dir: the folder of <run>_events.tsv")
    clips.add_argument("--out-dir", type=Path, required=True, help="clips go to OUT_DIR/<run>/")
    clips.add_argument("--length", type=positive(), default=4.0, help="clip length in seconds (default: 4)")
    clips.add_argument("--stride", type=positive(), default=2.0,
                       help="seconds between window starts (default: 2)")
    clips.add_argument("--clip-fps", type=positive(), default=8.0, help="frame rate of the clip files (default: 8)")
    clips.add_argument("--width", type=positive(int), default=160)
    clips.add_argument("--height", type=positive(int), default=112)
    clips.add_argument("--point-queries", type=non_negative(), default=1, help="point questions per clip (default: 1)")
    clips.add_argument("--fps", type=positive(), help="source frame rate (default: from the states table)")
    clips.add_argument("--seed", type=non_negative(), default=0)

    splits = add_command(sub, "splits", _splits, "assign runs to train/val/test")
    splits.add_argument("runs", nargs="+", help="run names (stems)")
    splits.add_argument("--by", default="run", choices=["run", "subject", "session", "explicit"])
    splits.add_argument("--fractions", type=non_negative(float), nargs=3, default=[0.7, 0.15, 0.15],
                        metavar=("TRAIN", "VAL", "TEST"))
    splits.add_argument("--explicit", type=Path, help="YAML: split name → list of run names (with --by explicit)")
    splits.add_argument("--seed", type=non_negative(), default=0)
    splits.add_argument("--out", type=Path, required=True)

    dataset = add_command(sub, "dataset", _dataset, "gather clip records into LLaVA and LLaMA-Factory JSON files")
    dataset.add_argument("records", type=Path, nargs="+",
                         help="per-run QA record files, or folders of them (the clips beside them)")
    dataset.add_argument("--splits", type=Path, required=True, help="splits.tsv (run, split)")
    dataset.add_argument("--counts", type=Path, help="event_counts.tsv, for per-split statistics")
    dataset.add_argument("--out-dir", type=Path, required=True)
