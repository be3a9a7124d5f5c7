#!/usr/bin/env python
"""Benchmark bk2 replay speed: our replay against the emulator's limit and stable-retro's converter.

Variants, all on the same bk2 in the same run (frames = the bk2's input rows after the reset row):

  (a) raw      read the bk2, open the env from its Core.bin, ``em.set_button_mask(row, 0); em.step()``
               per row: the emulator's limit (no RAM read, no screen copy, no output)
  (b) table    ``shinobi_tools.replay.run.replay_bk2(video=False)``: states table (parquet) only
  (c) mp4      ``replay_bk2(video=True)``: mp4 + states table, default preset (or ``--preset``)
  (d) retro    stable-retro's converter ``python -m stable_retro.scripts.playback_movie FILE``
               (its defaults: x264 ``slow`` crf 17 + AAC audio, through an ``ffmpeg`` binary)
               (headless: its env is made with render_mode=None, see _child)
  (d') retro -A the same with ``--no-audio``, for reference (our (c) writes no audio by default)

Fairness: every measurement runs in a fresh Python process (stable-retro allows one emulator per
process). Two times are taken for each: ``in-process`` (measured inside the child around the call,
after imports: includes reading the bk2, opening the emulator, the encoder's process start-up and
writing the outputs; excludes the interpreter start-up and imports) and ``end-to-end`` (wall clock of
the whole child process, start-up and imports included). Ratios are given for both. Repeats are
interleaved (a, b, c, d, a, b, ...) and the median is reported.

stable-retro's converter needs an ``ffmpeg`` executable on PATH; this script provides one to that
subprocess only: ``--ffmpeg PATH``, else an ``ffmpeg`` already on PATH, else the static binary of the
PyPI package ``imageio-ffmpeg`` (symlinked as ``ffmpeg`` in a temporary folder put first on PATH).
The converter also requires a ``-v0`` game id in the header; a temporary copy of the bk2 with the
header fixed is used (every variant reads its own copy in a temporary folder).

Usage:  python bench/replay.py [BK2] [--repeats 5] [--presets ultrafast,superfast,veryfast]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT.parent / "shared" / "data" / "bk2_external" / "Airstriker-Genesis-best.bk2"
DATASET = ROOT / "data" / "airstriker"


# --------------------------------------------------------------------------------------------------
# Child side: one measurement per process, prints one JSON line.


def _child(variant: str, bk2_path: str, out_dir: str, preset: str | None) -> None:
    if variant == "raw":
        import numpy as np

        from shinobi_tools.games import game_for_retro_id
        from shinobi_tools.replay.bk2 import read_bk2
        from shinobi_tools.replay.emulator import open_env

        start = time.perf_counter()
        bk2 = read_bk2(bk2_path)
        rows = bk2.frame_inputs().astype(np.uint8)
        with open_env(game_for_retro_id(bk2.game), state=bk2.state) as env:
            emulator = env.unwrapped.em
            loop_start = time.perf_counter()
            for row in rows:
                emulator.set_button_mask(row, 0)
                emulator.step()
            loop = time.perf_counter() - loop_start
        elapsed = time.perf_counter() - start
        result = {"frames": len(rows), "inner_s": elapsed, "loop_s": loop}
    elif variant in ("table", "mp4"):
        from shinobi_tools.replay.run import replay_bk2

        kwargs = {"preset": preset} if preset else {}
        start = time.perf_counter()
        outputs = replay_bk2(bk2_path, out_dir, video=variant == "mp4", progress=False, **kwargs)
        elapsed = time.perf_counter() - start
        result = {"frames": outputs.n_frames, "inner_s": elapsed,
                  "mp4": str(outputs.video) if outputs.video else None}
    elif variant in ("retro", "retro-noaudio"):
        import stable_retro
        from stable_retro.scripts import playback_movie

        # The script makes its env with stable-retro's default render_mode="human", which opens a
        # window on every step and fails headless; make it headless (this only removes work).
        make = stable_retro.make
        stable_retro.make = lambda *a, **k: make(*a, **{"render_mode": None, **k})
        argv = [bk2_path] + (["--no-audio"] if variant == "retro-noaudio" else [])
        start = time.perf_counter()
        playback_movie.main(argv)
        elapsed = time.perf_counter() - start
        result = {"frames": None, "inner_s": elapsed, "mp4": str(Path(bk2_path).with_suffix(".mp4"))}
    else:
        raise SystemExit(f"unknown variant {variant}")
    print("RESULT " + json.dumps(result), flush=True)


# --------------------------------------------------------------------------------------------------
# Parent side.


def find_default_bk2() -> Path:
    if EXTERNAL.exists():
        return EXTERNAL
    found = sorted(DATASET.rglob("*.bk2")) if DATASET.exists() else []
    if not found:
        raise SystemExit(f"no bk2 given, and neither {EXTERNAL} nor a bk2 under {DATASET} exists")
    return found[0]


def provide_ffmpeg(explicit: str | None, tmp: Path) -> tuple[Path, str]:
    """A folder holding an ``ffmpeg`` to put first on the converter's PATH, and where it came from."""
    if explicit:
        target, origin = Path(explicit).resolve(), "--ffmpeg"
    elif shutil.which("ffmpeg"):
        target, origin = Path(shutil.which("ffmpeg")).resolve(), "PATH"
    else:
        try:
            import imageio_ffmpeg
        except ImportError:
            raise SystemExit(
                "variant (d) needs an ffmpeg executable: `pip install imageio-ffmpeg` (static binary), "
                "`apt-get install ffmpeg`, or pass --ffmpeg PATH (or --skip-retro)"
            ) from None
        target, origin = Path(imageio_ffmpeg.get_ffmpeg_exe()), f"imageio-ffmpeg {imageio_ffmpeg.__version__}"
    folder = tmp / "ffmpeg-bin"
    folder.mkdir()
    (folder / "ffmpeg").symlink_to(target)
    version = subprocess.run([str(target), "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    return folder, f"{origin}: {version}"


def copy_bk2(source: Path, dest: Path) -> None:
    """Copy a bk2, adding the ``-v0`` suffix to ``GameName`` if it lacks it (playback_movie needs it)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "Header.txt":
                lines = data.decode("utf-8").splitlines()
                for i, line in enumerate(lines):
                    key, _, value = line.partition(" ")
                    if key == "GameName" and not value.strip().endswith("-v0"):
                        lines[i] = f"GameName {value.strip()}-v0"
                data = ("\n".join(lines) + "\n").encode("utf-8")
            zout.writestr(item, data)


def run_one(variant: str, source: Path, tmp: Path, preset: str | None, env: dict, run_id: int) -> dict:
    work = tmp / f"run{run_id:03d}"
    work.mkdir()
    bk2 = work / source.name
    copy_bk2(source, bk2)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", variant, "--out", str(work / "out"),
               str(bk2)] + (["--preset", preset] if preset else [])
    log = work / "child.log"
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(log, "w") as stderr:
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
                              stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the child and every process it waited for (encoder, ffmpeg, pool worker).
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        raise SystemExit(f"{variant} failed (exit {proc.returncode}):\n" + "\n".join(tail))
    result = json.loads(lines[-1].removeprefix("RESULT "))
    result["wall_s"] = wall
    result["cpu_s"] = cpu
    result["load1"] = os.getloadavg()[0]
    if result.get("mp4"):
        mp4 = Path(result["mp4"])
        result["mp4_bytes"] = mp4.stat().st_size if mp4.exists() else None
    return result


def mp4_frames(path: str) -> int:
    from shinobi_tools.media.video import count_frames

    return count_frames(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bk2", nargs="?", help="bk2 to replay (default: the external sample, else a dataset file)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--presets", default="ultrafast,superfast,veryfast",
                        help="x264 presets for the secondary table ('' to skip)")
    parser.add_argument("--ffmpeg", help="ffmpeg executable for stable-retro's converter")
    parser.add_argument("--skip-retro", action="store_true", help="skip variant (d)")
    parser.add_argument("--json", help="also write all raw timings to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--preset", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.bk2, args.out, args.preset)
        return

    source = Path(args.bk2) if args.bk2 else find_default_bk2()
    from shinobi_tools.replay.bk2 import read_bk2

    n_frames = read_bk2(source).n_frames
    default_preset = _default_preset()
    presets = [p for p in args.presets.split(",") if p]

    variants: list[tuple[str, str, str | None]] = [
        ("(a) raw emulator step", "raw", None),
        ("(b) replay_bk2 → table", "table", None),
        (f"(c) replay_bk2 → mp4 + table ({default_preset})", "mp4", None),
    ]
    if not args.skip_retro:
        variants += [("(d) playback_movie (slow crf17 + audio)", "retro", None),
                     ("(d') playback_movie --no-audio", "retro-noaudio", None)]
    variants += [(f"(c) preset {p}", "mp4", p) for p in presets if p != default_preset]

    with tempfile.TemporaryDirectory(prefix="bench-replay-") as tmp_name:
        tmp = Path(tmp_name)
        env = dict(os.environ)
        ffmpeg_origin = None
        if not args.skip_retro:
            folder, ffmpeg_origin = provide_ffmpeg(args.ffmpeg, tmp)
            env["PATH"] = f"{folder}{os.pathsep}{env.get('PATH', '')}"
        results: dict[str, list[dict]] = {label: [] for label, _, _ in variants}
        checked: dict[str, int] = {}
        run_id = 0
        for repeat in range(args.repeats):
            for label, variant, preset in variants:
                result = run_one(variant, source, tmp, preset, env, run_id)
                run_id += 1
                if result.get("mp4") and label not in checked:
                    checked[label] = mp4_frames(result["mp4"])
                results[label].append(result)
                print(f"  [{repeat + 1}/{args.repeats}] {label}: in-process {result['inner_s']:.3f} s, "
                      f"end-to-end {result['wall_s']:.3f} s", file=sys.stderr, flush=True)
        for label, variant, preset in variants:
            for result in results[label]:
                if result.get("frames") not in (None, n_frames):
                    raise SystemExit(f"{label}: replayed {result['frames']} frames, expected {n_frames}")

    def median(label: str, key: str) -> float:
        return statistics.median(r[key] for r in results[label])

    rows = []
    for label, variant, preset in variants:
        inner, wall = median(label, "inner_s"), median(label, "wall_s")
        sizes = [r["mp4_bytes"] for r in results[label] if r.get("mp4_bytes")]
        rows.append({"label": label, "variant": variant, "preset": preset, "inner_s": inner, "wall_s": wall,
                     "cpu_s": median(label, "cpu_s"),
                     "inner_fps": n_frames / inner, "wall_fps": n_frames / wall,
                     "mp4_bytes": statistics.median(sizes) if sizes else None,
                     "mp4_frames": checked.get(label)})
    by_variant = {(r["variant"], r["preset"]): r for r in rows}
    raw_loop = median(variants[0][0], "loop_s")

    print()
    print(f"bk2: {source} ({n_frames} frames = {n_frames / 59.922743:.1f} s of play)")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {args.repeats} repeats (median)")
    loads = [r["load1"] for rs in results.values() for r in rs]
    print(f"1-min load average during the runs: {min(loads):.2f}–{max(loads):.2f} "
          "(the benchmark itself uses up to 2 cores: emulator + encoder)")
    if ffmpeg_origin:
        print(f"ffmpeg for (d): {ffmpeg_origin}")
    print()
    print("| variant | in-process s | in-process fps | end-to-end s | end-to-end fps | CPU s | mp4 size | mp4 frames |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        size = f"{r['mp4_bytes'] / 1e6:.2f} MB" if r["mp4_bytes"] else "–"
        frames = str(r["mp4_frames"]) if r["mp4_frames"] is not None else "–"
        print(f"| {r['label']} | {r['inner_s']:.3f} | {r['inner_fps']:,.0f} | {r['wall_s']:.3f} | "
              f"{r['wall_fps']:,.0f} | {r['cpu_s']:.2f} | {size} | {frames} |")
    print()
    print(f"(a) stepping loop alone (no env open, no bk2 read): {n_frames / raw_loop:,.0f} fps")
    a, b, c = by_variant[("raw", None)], by_variant[("table", None)], by_variant[("mp4", None)]
    print()
    print("| ratio | in-process | end-to-end | target |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| (b)/(a) table vs raw emulator | {b['inner_fps'] / a['inner_fps']:.2f} | "
          f"{b['wall_fps'] / a['wall_fps']:.2f} | ≥ 0.8 |")
    if ("retro", None) in by_variant:
        d, d2 = by_variant[("retro", None)], by_variant[("retro-noaudio", None)]
        print(f"| (c)/(d) mp4 vs playback_movie | {c['inner_fps'] / d['inner_fps']:.2f} | "
              f"{c['wall_fps'] / d['wall_fps']:.2f} | ≥ 2 |")
        print(f"| (c)/(d') mp4 vs playback_movie --no-audio | {c['inner_fps'] / d2['inner_fps']:.2f} | "
              f"{c['wall_fps'] / d2['wall_fps']:.2f} | – |")
    if args.json:
        Path(args.json).write_text(json.dumps({"bk2": str(source), "frames": n_frames, "rows": rows,
                                               "raw": results}, indent=1))


def _default_preset() -> str:
    import inspect

    from shinobi_tools.replay.run import replay_bk2

    return inspect.signature(replay_bk2).parameters["preset"].default


if __name__ == "__main__":
    main()
