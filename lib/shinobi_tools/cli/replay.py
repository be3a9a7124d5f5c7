"""Commands of stage 2: inspect a bk2, replay it, record scripted replays, import ROMs, query a states table.

Library modules are imported inside the handlers, so each command loads only what it needs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shinobi_tools.cli.common import add_command, for_each, non_negative, positive


def _inspect(args: argparse.Namespace) -> int:
    from shinobi_tools.replay.bk2 import read_bk2

    bk2 = read_bk2(args.bk2)
    summary = {"game": bk2.game, "platform": bk2.platform, "system": bk2.system, "players": bk2.players,
               "frames": bk2.n_frames, "presses": bk2.presses()}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{bk2.path}\n  game: {bk2.game}\n  platform: {bk2.platform} ({bk2.system}, {bk2.players} "
              f"player{'s' if bk2.players > 1 else ''})\n  frames: {bk2.n_frames}")
        print("  presses: " + ", ".join(f"{k}={v}" for k, v in summary["presses"].items()))
    return 0


def _replay(args: argparse.Namespace) -> int:
    from shinobi_tools.replay.run import replay_bk2

    def replay(bk2: Path) -> None:
        outputs = replay_bk2(bk2, args.out_dir, game=args.game, video=not args.no_video, audio=args.audio,
                             fps=args.fps, preset=args.preset, crf=args.crf, progress=not args.quiet)
        print(f"{outputs.n_frames} frames → {outputs.states}" + (f", {outputs.video}" if outputs.video else ""))

    return for_each(args.bk2s, replay)


def _record(args: argparse.Namespace) -> int:
    from shinobi_tools.replay.record import record_dataset

    paths = record_dataset(
        args.out_dir, subjects=args.subjects, sessions=args.sessions, runs=args.runs,
        seconds=args.seconds, seed=args.seed, progress=not args.quiet, game=args.game,
        styles=args.styles,
    )
    print(f"{len(paths)} replays written under {args.out_dir}")
    return 0


def _import_roms(args: argparse.Namespace) -> int:
    from shinobi_tools.errors import InputError
    from shinobi_tools.replay.roms import ale_py_rom_dir, import_roms

    folders = list(args.folders) + ([ale_py_rom_dir()] if args.ale_py else [])
    if not folders:
        raise InputError("import-roms: give a folder of ROM files, or --ale-py for the Atari 2600 ROMs of ale-py")
    games = import_roms(folders)
    print(f"Imported {len(games)} games" + (f": {', '.join(games)}" if games else
                                             " (no file matched a stable-retro integration's SHA-1)"))
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from shinobi_tools.fetch import fetch_file

    return for_each(args.files, lambda path: print(fetch_file(args.dataset, path, args.out_dir)))


def _find_frame(args: argparse.Namespace) -> int:
    from shinobi_tools.replay.states import find_frame_in_file

    match = find_frame_in_file(args.states, args.condition)
    if match is None:
        print(f"{args.states}: no frame meets {args.condition!r}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"frame": match.frame, "time": match.time, "condition": match.condition}))
    else:
        print(f"frame {match.frame} (t = {match.time:.3f} s)")
    return 0


def add_commands(sub) -> None:
    inspect = add_command(sub, "inspect", _inspect, "summarise a bk2 (no ROM needed)")
    inspect.add_argument("bk2", type=Path)
    inspect.add_argument("--json", action="store_true", help="print one JSON object")

    replay = add_command(sub, "replay", _replay, "replay bk2s into mp4s and per-frame states tables")
    replay.add_argument("bk2s", type=Path, nargs="+", metavar="BK2", help="one or more bk2 files (a bad one does "
                        "not stop the others; the exit code is then 2)")
    replay.add_argument("--out-dir", type=Path, required=True)
    replay.add_argument("--game", help="one of our game names or a stable-retro id (default: the bk2 header's game)")
    replay.add_argument("--no-video", action="store_true", help="write only the states table")
    replay.add_argument("--audio", action="store_true", help="add the game's audio track to the mp4")
    replay.add_argument("--fps", type=positive(), help="frame rate for times and video (default: the game's)")
    replay.add_argument("--preset", default="superfast",
                        choices=["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"],
                        help="x264 preset (default: superfast; veryfast: half the size, ~15%% slower)")
    replay.add_argument("--crf", type=int, default=23, choices=range(52), metavar="0..51",
                        help="x264 quality, lower is better (default: 23)")
    replay.add_argument("--quiet", action="store_true", help="no progress bar")

    record = add_command(sub, "record", _record, "record replays of any stable-retro game with scripted players")
    record.add_argument("--out-dir", type=Path, required=True)
    record.add_argument("--game", default="airstriker",
                        help="one of our game names or a stable-retro id, e.g. Breakout-Atari2600-v0 "
                             "(default: airstriker)")
    record.add_argument("--subjects", type=positive(int), default=3, help="number of subjects (default: 3)")
    record.add_argument("--sessions", type=positive(int), default=2, help="sessions per subject (default: 2)")
    record.add_argument("--runs", type=positive(int), default=2, help="runs per session (default: 2)")
    record.add_argument("--seconds", type=positive(), default=75.0,
                        help="play time of each run, split into game attempts (reps) (default: 75)")
    record.add_argument("--seed", type=non_negative(), default=0, help="same seed, same input logs (default: 0)")
    record.add_argument("--quiet", action="store_true", help="no progress bar")
    record.add_argument("--styles", default="classic", choices=["classic", "varied", "heldout"],
                        help="Airstriker play-style family: classic (the default dataset's), varied (wider, with "
                             "dodgers and fire holders), heldout (sweepers firing in rhythm) (default: classic)")

    roms = add_command(sub, "import-roms", _import_roms,
                       "import ROM files into stable-retro (matched by SHA-1; zips are opened)")
    roms.add_argument("folders", type=Path, nargs="*", metavar="DIR", help="folders holding ROM files")
    roms.add_argument("--ale-py", action="store_true",
                      help="also import the Atari 2600 ROMs ale-py ships (pip install 'shinobi-tools[atari]')")

    fetch = add_command(sub, "fetch", _fetch, "get bk2s' content from a DataLad dataset and copy them to a folder")
    fetch.add_argument("files", type=Path, nargs="+", help="files of the dataset (annexed)")
    fetch.add_argument("--dataset", type=Path, required=True, help="the DataLad dataset's root")
    fetch.add_argument("--out-dir", type=Path, required=True, help="where the copies go")

    find = add_command(sub, "find-frame", _find_frame, "first frame where per-frame variables meet a condition")
    find.add_argument("states", type=Path, help="a run's *_states.parquet")
    find.add_argument("condition", help="VARIABLE OP VALUE (>= <= > < == !=), several joined with &")
    find.add_argument("--json", action="store_true", help="print one JSON object")
