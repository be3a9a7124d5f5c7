"""Commands of stage 3: one run's events and exports, and the event counts of many runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from shinobi_tools.cli.common import add_command, add_vocabulary_argument, for_each, formats, non_negative, positive


def _events(args: argparse.Namespace) -> int:
    from shinobi_tools.events.exports import export_run
    from shinobi_tools.naming import run_of

    def events(frames: Path) -> None:
        video = args.video / f"{run_of(frames)}.mp4" if args.video and args.video.suffix != ".mp4" else args.video
        written = export_run(frames, args.game, args.out_dir, formats=formats(args.formats), fps=args.fps,
                             descriptions=args.descriptions, seed=args.seed, video=video,
                             vocabulary=args.vocabulary)
        print(", ".join(str(path) for path in written.values()))

    return for_each(args.states or args.variables, events)


def _event_counts(args: argparse.Namespace) -> int:
    from shinobi_tools.events.tsv import event_counts
    from shinobi_tools.files import atomic_output

    files = [f for path in args.events for f in (sorted(path.glob("*_events.tsv")) if path.is_dir() else [path])]
    table = event_counts(files)
    with atomic_output(args.out) as partial:
        table.to_csv(partial, sep="\t", index=False)
    print(f"{len(table)} runs → {args.out}")
    return 0


def add_commands(sub) -> None:
    events = add_command(sub, "events", _events, "timestamped gameplay events, summary and exports of one run")
    events.add_argument("--game", required=True,
                        help="one of our games (shinobi3, airstriker, mario ...) or a stable-retro id")
    source = events.add_mutually_exclusive_group(required=True)
    source.add_argument("--states", type=Path, nargs="+", help="per-frame tables from `replay` (*_states.parquet)")
    source.add_argument("--variables", type=Path, nargs="+", help="CNeuroMod *_variables.json[.gz] (their time column: 60 fps)")
    events.add_argument("--out-dir", type=Path, required=True, help="writes <stem>_events.tsv, .json, _summary.json")
    add_vocabulary_argument(events)
    events.add_argument("--formats", default="", help="extra exports, comma-separated: srt,vtt,eaf")
    events.add_argument("--fps", type=positive(),
                        help="frame rate for onsets (default: cneuromod, the console's true rate, 59.922743404312 "
                             "for the Genesis; legacy, the input's, 60 for CNeuroMod files)")
    events.add_argument("--descriptions", type=Path, help="YAML of phrasings overriding the game's built-in ones")
    events.add_argument("--seed", type=non_negative(), default=0, help="seed of the phrasing choice (default: 0)")
    events.add_argument("--video", type=Path, help="the run's mp4 (or the folder of <run>.mp4), linked from the "
                        "ELAN file")

    counts = add_command(sub, "event-counts", _event_counts, "gather event counts per type per run into one TSV")
    counts.add_argument("events", type=Path, nargs="+", help="per-run *_events.tsv files, or folders of them")
    counts.add_argument("--out", type=Path, required=True)
