"""How the frame rate limits per-frame event detection: the spotter trained at several rates on one dataset.

    .venv/bin/python bench/spotter_fps.py [--results results] [--configs 2:1,2:0,4:1,8:0,15:0] [--steps 300]

Needs a finished workflow's replays, events and splits under ``--results`` (``make demo``). For each
``stride:radius`` (every stride-th of the 59.92 fps frames: 2 → 30 fps, 15 → 4 fps, the video LLM's rate;
onsets labelled on ±radius sampled frames) it trains the spotter of ``config/spotter_demo.yaml`` with a 3.2 s
window, then prints F1 at ±0.5 s on the test runs per salient event type (the evaluation's matching).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import pandas as pd

from shinobi_tools.evaluation.metrics import evaluate
from shinobi_tools.evaluation.tables import read_runs
from shinobi_tools.events.vocabulary import targets
from shinobi_tools.games import get_game
from shinobi_tools.models.spotter.config import SpotterConfig
from shinobi_tools.models.spotter.spot import Spotter
from shinobi_tools.models.spotter.train import runs_from_splits, train_spotter
from shinobi_tools.naming import run_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--configs", default="2:1,2:0,4:1,8:0,15:0", help="stride:label_radius pairs")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--game", default="airstriker")
    parser.add_argument("--vocabulary", default="cneuromod", help="the vocabulary of results/events")
    args = parser.parse_args()
    r = args.results
    splits = r / "dataset" / "splits.tsv"
    train, val = (runs_from_splits(splits, r / "replay", r / "events", s) for s in ("train", "val"))
    test = runs_from_splits(splits, r / "replay", r / "events", "test")
    game = get_game(args.game).for_vocabulary(args.vocabulary)
    types = sorted(set(targets(read_runs([e for _, e in train]), game.invisible_events)["trial_type"]))
    salient = tuple(game.salient_events)
    truth = read_runs([e for _, e in test])
    base = SpotterConfig.from_yaml(Path(__file__).resolve().parents[1] / "config" / "spotter_demo.yaml")
    print(f"| stride | fps | label radius | window (frames) | train s | {' | '.join(salient)} | SALIENT |")
    print("|---:|---:|---:|---:|---:|" + "---:|" * (len(salient) + 1))
    with tempfile.TemporaryDirectory() as tmp:
        for stride, radius in (map(int, pair.split(":")) for pair in args.configs.split(",")):
            window = max(8, round(base.window * base.stride / stride))  # the same 3.2 s
            config = dataclasses.replace(base, stride=stride, window=window, steps=args.steps, label_radius=radius,
                                         cache_dir=f"{tmp}/frames")
            began = time.perf_counter()
            checkpoint = train_spotter(train, val, types, f"{tmp}/s{stride}", config)
            seconds = time.perf_counter() - began
            pred = pd.concat([Spotter.load(checkpoint).spot(video, cache_dir=f"{tmp}/frames").assign(run=run_of(e))
                              for video, e in test], ignore_index=True)
            f1 = evaluate(truth, pred, (0.5,), salient, game.invisible_events).set_index("event_type")["f1"]
            scores = " | ".join(f"{f1.get(t, float('nan')):.2f}" for t in salient)
            print(f"| {stride} | {59.922743 / stride:.1f} | {radius} | {window} | {seconds:.0f} | {scores} | "
                  f"{f1['SALIENT']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
