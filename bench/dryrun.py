#!/usr/bin/env python
"""Benchmark the workflow's dry run on a synthetic dataset of many runs (names only: empty bk2 files).

Variants (each a fresh `snakemake -n` process, wall clock end to end, median of `--repeats`):

  cold         plain folder, no results yet: every run's jobs are planned
  incremental  plain folder whose results all exist (empty files in DAG order, see fake_outputs) plus one new run
               in a new session: only that session's jobs and the gathers are planned (the check is printed)
  datalad      (with --datalad) a DataLad clone of the same names, content absent (broken symlinks):
               every session gets a fetch_session job as well

Run discovery reads names only, so empty files stand in for bk2s (nothing is replayed).
Goals: 10,000 runs planned in <= 30 s on the 2-core development machine, and <= 11x the time of 1,000 runs.

Usage:  python bench/dryrun.py [--runs 1000] [--repeats 3] [--datalad] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def make_names(root: Path, runs: int, content: bool = False) -> list[str]:
    """``runs`` bk2 names in the CNeuroMod layout: 4 subjects, sessions of 5 runs × 5 repetitions."""
    stems = []
    for i in range(runs):
        subject, rest = divmod(i, (runs + 3) // 4)
        session, rest = divmod(rest, 25)
        run, rep = divmod(rest, 5)
        stem = f"sub-{subject + 1:02d}_ses-{session + 1:03d}_task-shinobi_run-{run + 1:02d}_level-1_rep-{rep + 1:02d}"
        folder = root / f"sub-{subject + 1:02d}" / f"ses-{session + 1:03d}" / "gamelogs"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{stem}.bk2").write_bytes(stem.encode() if content else b"")
        stems.append(stem)
    return stems


def snakemake(work: Path, dataset: Path, *args: str) -> subprocess.CompletedProcess:
    command = [str(BIN / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(work),
               "--configfile", str(REPO / "config" / "config.yaml"), "--config", f"dataset={dataset}", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=work,
                          env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})


def time_dry_run(work: Path, dataset: Path, repeats: int) -> tuple[float, str]:
    times, output = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        result = snakemake(work, dataset, "-n")
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"dry run failed:\n{result.stderr[-3000:]}")
        output = result.stdout
    return statistics.median(times), output


def fake_outputs(work: Path, dry_run_output: str, dataset: Path) -> None:
    """Create every output the dry run listed, as empty files with increasing mtimes in the listed order
    (a topological order), older bk2s first: the state after a finished run, without running it
    (`snakemake --touch` only touches outputs that exist). Outputs without a suffix are directory() outputs."""
    base = time.time()
    for bk2 in dataset.glob("sub-*/ses-*/gamelogs/*.bk2"):
        os.utime(bk2, (base - 100_000, base - 100_000))
    blocks = re.findall(r"^    output: (.+)$", dry_run_output, re.MULTILINE)
    for i, line in enumerate(blocks, start=1):
        for name in line.split(", "):
            path = work / name
            if path.suffix:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
            else:
                path.mkdir(parents=True, exist_ok=True)
            os.utime(path, (base + i, base + i))


def job_counts(output: str) -> str:
    table = output.split("Job stats:")[1].split("total")[0] if "Job stats:" in output else ""
    return ", ".join(f"{m.group(1)} {m.group(2)}" for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--datalad", action="store_true", help="also time a DataLad clone (needs datalad, git-annex)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary folder)")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="dryrun-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"# dry run of {args.runs} runs; {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    rows = []
    try:
        dataset, work = root / "dataset", root / "work"
        work.mkdir(exist_ok=True)
        make_names(dataset, args.runs)
        seconds, output = time_dry_run(work, dataset, args.repeats)
        rows.append(("cold", seconds, job_counts(output)))

        fake_outputs(work, output, dataset)
        extra = dataset / "sub-99" / "ses-001" / "gamelogs" / "sub-99_ses-001_task-shinobi_run-01_level-1_rep-01.bk2"
        extra.parent.mkdir(parents=True)
        extra.write_bytes(b"")
        seconds, output = time_dry_run(work, dataset, args.repeats)
        replayed = set(re.findall(r"rule replay_session:\n(?:    .*\n)*?    wildcards: session=(\S+)", output))
        rows.append(("incremental", seconds,
                     f"{job_counts(output)}; replays only the new session: {replayed == {'sub-99/ses-001'}}"))

        if args.datalad:
            env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(root),
                   "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
                   "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}
            source, clone = root / "source", root / "clone"
            subprocess.run([str(BIN / "datalad"), "create", "-c", "text2git", str(source)], env=env, check=True,
                           capture_output=True)
            make_names(source, args.runs, content=True)  # distinct content: one annex key per file
            subprocess.run([str(BIN / "datalad"), "save", "-d", str(source), "-m", "names"], env=env, check=True,
                           capture_output=True)
            subprocess.run([str(BIN / "datalad"), "clone", str(source), str(clone)], env=env, check=True,
                           capture_output=True)
            (root / "work-datalad").mkdir(exist_ok=True)
            seconds, output = time_dry_run(root / "work-datalad", clone, args.repeats)
            rows.append(("datalad", seconds, job_counts(output)))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    print(f"\n| variant | dry run (s, median of {args.repeats}) | planned |\n|---|---|---|")
    for name, seconds, note in rows:
        print(f"| {name} | {seconds:.1f} | {note} |")


if __name__ == "__main__":
    main()
