"""Report commands: figures of the results and the annotated preview GIF."""

from __future__ import annotations

import argparse
from pathlib import Path

from shinobi_tools.cli.common import add_command, add_vocabulary_argument, game_of, named_paths, positive
from shinobi_tools.errors import InputError


def _plot(args: argparse.Namespace) -> int:
    from shinobi_tools.evaluation.tables import read_metrics
    from shinobi_tools.events.tsv import read_events_tsv
    from shinobi_tools.files import read_tsv
    from shinobi_tools.report import plots

    if args.kind == "f1":
        plots.f1_bars(read_metrics(args.inputs[0]), args.out, args.tolerance)
    elif args.kind == "stats":
        plots.split_statistics(read_tsv(args.inputs[0], ("split",), "a split statistics table (statistics.tsv)"),
                               args.out)
    elif args.kind == "curves":
        named = named_paths(args.inputs, "metrics.tsv")
        curves = {name: read_tsv(path, ("step",), "a training metrics table (metrics.tsv)") for name, path in named.items()}
        plots.training_curves(curves, args.out)
    else:  # timeline: truth=TSV then model=TSV pairs
        named = named_paths(args.inputs, "EVENTS.tsv")
        if "truth" not in named:
            raise InputError("timeline: give the true events as truth=EVENTS.tsv")
        truth = read_events_tsv(named.pop("truth"))
        game = game_of(args)
        plots.timeline(truth, {name: read_events_tsv(path) for name, path in named.items()}, args.out, args.title,
                       exclude=game.invisible_events if game else ())
    print(f"→ {args.out}")
    return 0


def _preview(args: argparse.Namespace) -> int:
    from shinobi_tools.events.tsv import read_events_tsv
    from shinobi_tools.report.preview import annotated_preview

    named = named_paths(args.events, "EVENTS.tsv (e.g. truth=run_events.tsv)")
    sources = {name: read_events_tsv(path) for name, path in named.items()}
    path = annotated_preview(args.video, sources, args.out, args.start, args.length, args.fps, args.width)
    print(f"→ {path}")
    return 0


def add_commands(sub) -> None:
    plot = add_command(sub, "plot", _plot, "report figures")
    plot.add_argument("kind", choices=["f1", "stats", "curves", "timeline"])
    plot.add_argument("inputs", nargs="+", help="f1: metrics.tsv; stats: statistics.tsv; curves: NAME=metrics.tsv ...; "
                      "timeline: truth=EVENTS.tsv NAME=EVENTS.tsv ...")
    plot.add_argument("--out", type=Path, required=True)
    plot.add_argument("--tolerance", type=positive(), default=0.5)
    plot.add_argument("--title", default="")
    plot.add_argument("--game", help="timeline: leave out the game's invisible event types, as the evaluation does")
    add_vocabulary_argument(plot)
    preview = add_command(sub, "preview", _preview,
                          "GIF of part of a run with true and predicted events under each frame")
    preview.add_argument("video", type=Path)
    preview.add_argument("events", nargs="+", help="NAME=EVENTS.tsv, one per source (truth first)")
    preview.add_argument("--out", type=Path, required=True)
    preview.add_argument("--start", type=float, default=0.0, help="seconds (default: 0)")
    preview.add_argument("--length", type=positive(), default=10.0, help="seconds (default: 10)")
    preview.add_argument("--fps", type=positive(), default=10.0)
    preview.add_argument("--width", type=positive(int), default=320)
