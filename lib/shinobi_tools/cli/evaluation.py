"""Commands of stage 6: score predictions against the truth, the baselines, the results table."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shinobi_tools.cli.common import add_command, add_vocabulary_argument, game_of, named_paths, non_negative, positive
from shinobi_tools.evaluation.metrics import DEFAULT_TOLERANCES


def _evaluate(args: argparse.Namespace) -> int:
    from shinobi_tools.evaluation.metrics import metrics_json
    from shinobi_tools.evaluation.tables import evaluate_pairs

    game = game_of(args)
    salient, invisible = (game.salient_events, game.invisible_events) if game else ((), ())
    table = evaluate_pairs(args.truth, args.pred, tuple(args.tolerances), salient, invisible)
    if args.json:
        print(json.dumps(metrics_json(table)))
    else:
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0


def _baselines(args: argparse.Namespace) -> int:
    from shinobi_tools.evaluation.tables import write_baselines

    game = game_of(args)
    written = write_baselines(args.train_events, args.train_summaries, args.test_summaries, args.out_dir, args.seed,
                              game.invisible_events if game else ())
    print(f"{len(written)} prediction files → {args.out_dir}")
    return 0


def _metrics_table(args: argparse.Namespace) -> int:
    from shinobi_tools.evaluation.tables import headline, metrics_table, write_metrics

    folders = named_paths(args.model, "FOLDER (a folder of <run>_events.tsv files)")
    predictions = {name: [folder / Path(t).name for t in args.truth] for name, folder in folders.items()}
    game = game_of(args)
    table = metrics_table(args.truth, predictions, tuple(args.tolerances), game.salient_events,
                          game.invisible_events)
    write_metrics(table, args.out)
    print(headline(table).to_string(index=False))
    return 0


def _results(args: argparse.Namespace) -> int:
    from shinobi_tools.evaluation.tables import read_metrics, wide_f1

    wide = wide_f1(read_metrics(args.metrics), args.tolerance)
    print(f"F1 at ±{args.tolerance:g} s on the test runs ({args.metrics}):")
    print(wide.to_string(float_format=lambda x: f"{x:.2f}"))
    return 0


def add_commands(sub) -> None:
    tolerances = dict(type=positive(), nargs="+", default=list(DEFAULT_TOLERANCES),
                      help="time tolerances (s) within which a prediction matches (default: "
                           f"{' '.join(f'{t:g}' for t in DEFAULT_TOLERANCES)})")
    evaluate = add_command(sub, "evaluate", _evaluate, "precision/recall/F1 of predicted events against true events")
    evaluate.add_argument("--truth", type=Path, nargs="+", required=True, help="true <run>_events.tsv file(s)")
    evaluate.add_argument("--pred", type=Path, nargs="+", required=True,
                          help="predicted events, one file per truth file, in the same order")
    evaluate.add_argument("--tolerances", **tolerances)
    evaluate.add_argument("--game", help="adds the SALIENT average over the game's salient event types and leaves "
                          "out its invisible ones")
    add_vocabulary_argument(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    baselines = add_command(sub, "baselines", _baselines, "prior and periodic predictions at the training event rates")
    baselines.add_argument("--train-events", type=Path, nargs="+", required=True)
    baselines.add_argument("--train-summaries", type=Path, nargs="+", required=True)
    baselines.add_argument("--test-summaries", type=Path, nargs="+", required=True)
    baselines.add_argument("--out-dir", type=Path, required=True)
    baselines.add_argument("--seed", type=non_negative(), default=0)
    baselines.add_argument("--game", help="leave out the game's invisible event types (and always gym-retro_game)")
    add_vocabulary_argument(baselines)

    table = add_command(sub, "metrics-table", _metrics_table,
                        "the results table: every model against the test runs' events")
    table.add_argument("--truth", type=Path, nargs="+", required=True, help="the test runs' <run>_events.tsv")
    table.add_argument("--model", nargs="+", required=True, help="NAME=FOLDER of <run>_events.tsv predictions")
    table.add_argument("--game", required=True)
    add_vocabulary_argument(table)
    table.add_argument("--tolerances", **tolerances)
    table.add_argument("--out", type=Path, required=True)

    results = add_command(sub, "results", _results, "print the results table (F1 per model and event type)")
    results.add_argument("metrics", type=Path, help="results/evaluation/metrics.tsv")
    results.add_argument("--tolerance", type=positive(), default=0.5)
