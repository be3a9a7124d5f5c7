"""The Snakemake workflow on a tiny dataset made by the tests: dry run, real run, incremental run."""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO_ROOT

SNAKEMAKE = Path(sys.executable).parent / "snakemake"


#: The tiny scenario (merged over config/config.yaml): a few training steps for both models, 2 s clips.
TINY = "spotter: {steps: 3}\nvlm: {steps: 2, warmup_steps: 2}\nclips: {length: 2.0, stride: 1.0}\n"


def snakemake(*args: str, dataset: Path, cwd: Path) -> subprocess.CompletedProcess:
    tiny = cwd / "tiny.yaml"
    tiny.write_text(TINY)
    command = [str(SNAKEMAKE), "--snakefile", str(REPO_ROOT / "Snakefile"), "--directory", str(cwd),
               "--configfile", str(REPO_ROOT / "config" / "config.yaml"), str(tiny), "--config", f"dataset={dataset}",
               *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=cwd,
                          env={"PATH": f"{SNAKEMAKE.parent}:/usr/bin:/bin", "HOME": str(cwd)})


def planned_jobs(output: str) -> dict[str, int]:
    """Job counts per rule from a dry run's 'Job stats' table."""
    table = output.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


@pytest.fixture
def tiny_dataset(tmp_path, make_airstriker_bk2):
    root = tmp_path / "my dataset é"   # a space and a non-ASCII letter: paths are quoted everywhere
    for subject, seed in (("01", 1), ("02", 2), ("04", 4)):
        make_airstriker_bk2(f"sub-{subject}_ses-001_task-airstriker_run-01_level-1_rep-01.bk2", frames=240,
                            seed=seed, folder=root / f"sub-{subject}" / "ses-001" / "gamelogs")
    return root


def test_dry_run_lists_one_job_per_run_and_stage(tiny_dataset, tmp_path):
    result = snakemake("-n", dataset=tiny_dataset, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert jobs["replay_session"] == 3 and jobs["events_session"] == 3 and jobs["events_counts"] == 1
    assert jobs["spotter_train"] == jobs["vlm_train"] == jobs["vlm_annotate"] == jobs["evaluate_metrics"] == 1


def test_files_it_cannot_use_are_named_and_the_others_planned(tiny_dataset, tmp_path, make_airstriker_bk2):
    """A bk2 in another session's folder, a name that does not parse, an annexed file without content in a plain
    folder: one warning names them, and the good runs are planned as usual."""
    folder = tiny_dataset / "sub-01" / "ses-001" / "gamelogs"
    make_airstriker_bk2("sub-02_ses-009_task-airstriker_run-01_level-1_rep-01.bk2", frames=60, folder=folder)
    (folder / "notes.bk2").write_bytes(b"")
    (folder / "sub-01_ses-001_task-airstriker_run-02_level-1_rep-01.bk2").symlink_to(tmp_path / "absent-annex-key")
    result = snakemake("-n", dataset=tiny_dataset, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert warning.startswith("warning: 3 file(s) ignored: ")
    assert "in the wrong folder: its name says sub-02/ses-009/gamelogs" in warning and "notes.bk2" in warning
    assert "annexed without content" in warning
    assert planned_jobs(result.stdout)["replay_session"] == 3


def test_lint_is_clean(tiny_dataset, tmp_path):
    result = snakemake("--lint", dataset=tiny_dataset, cwd=tmp_path)
    assert result.returncode == 0 and "Congratulations" in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.slow
def test_run_then_add_a_run_reruns_only_that_run(tiny_dataset, tmp_path, make_airstriker_bk2):
    result = snakemake("--cores", "2", dataset=tiny_dataset, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    replay = tmp_path / "results" / "replay"
    tables = sorted(replay.glob("sub-*/ses-*/*_states.parquet"))
    assert len(tables) == 3 and all(len(pd.read_parquet(t)) == 240 for t in tables)
    assert len(list(replay.glob("sub-*/ses-*/*.mp4"))) == 3
    assert len(list((tmp_path / "results" / "benchmarks" / "replay").glob("sub-*/ses-*.tsv"))) == 3
    events = tmp_path / "results" / "events"
    for suffix in ("_events.tsv", "_events.json", "_summary.json", ".srt", ".vtt", ".eaf"):
        assert len(list(events.glob(f"sub-*/ses-*/sub-*{suffix}"))) == 3, suffix
    metrics = pd.read_csv(tmp_path / "results" / "evaluation" / "metrics.tsv", sep="\t")
    assert set(metrics["model"]) == {"prior", "periodic", "spotter", "vidllm", "vidllm_text"} and "ALL" in set(metrics["event_type"])
    assert (tmp_path / "results" / "models" / "vidllm" / "final" / "config.json").exists()
    report = snakemake("--report", str(tmp_path / "report.html"), dataset=tiny_dataset, cwd=tmp_path)
    assert report.returncode == 0 and (tmp_path / "report.html").stat().st_size > 10_000, report.stderr
    dataset = tmp_path / "results" / "dataset"
    assert (dataset / "llava" / "train.json").exists() and (dataset / "llamafactory" / "dataset_info.json").exists()
    counts = pd.read_csv(events / "event_counts.tsv", sep="\t")
    assert counts["run"].tolist() == [t.name.removesuffix("_states.parquet") for t in tables]

    make_airstriker_bk2("sub-03_ses-001_task-airstriker_run-01_level-1_rep-01.bk2", frames=120, seed=3,
                        folder=tiny_dataset / "sub-03" / "ses-001" / "gamelogs")
    result = snakemake("-n", dataset=tiny_dataset, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert jobs["replay_session"] == 1 and jobs["events_session"] == 1 and jobs["events_counts"] == 1
    assert "sub-03_ses-001" in result.stdout and "sub-01_ses-001_task-airstriker_run-01_level-1_rep-01.bk2" not in result.stdout


@pytest.mark.slow
def test_a_corrupt_run_fails_alone_with_keep_going(tiny_dataset, tmp_path):
    bad = tiny_dataset / "sub-09" / "ses-001" / "gamelogs"
    bad.mkdir(parents=True)
    (bad / "sub-09_ses-001_task-airstriker_run-01_level-1_rep-01.bk2").write_text("not a zip")
    result = snakemake("--cores", "2", "--keep-going", "results/events/event_counts.tsv", dataset=tiny_dataset,
                       cwd=tmp_path)
    assert result.returncode != 0
    replay = tmp_path / "results" / "replay"
    assert len(list(replay.glob("sub-*/ses-*/*_states.parquet"))) == 3
    assert not (replay / "sub-09").exists()
    log = (tmp_path / "results" / "logs" / "replay" / "sub-09" / "ses-001.log").read_text()
    assert log.strip().splitlines() == [
        f"error: {bad / 'sub-09_ses-001_task-airstriker_run-01_level-1_rep-01.bk2'}: not a valid bk2 (not a zip "
        "archive); re-export or re-record the replay"
    ]


def test_dry_run_of_a_game_nobody_wrote_a_file_for(tmp_path):
    """`game:` takes a stable-retro id; planning needs neither a game file nor the ROM."""
    import numpy as np

    from shinobi_tools.replay.bk2 import write_bk2

    root = tmp_path / "dataset"
    for subject in ("01", "02", "03"):
        folder = root / f"sub-{subject}" / "ses-001" / "gamelogs"
        folder.mkdir(parents=True)
        write_bk2(folder / f"sub-{subject}_ses-001_task-breakout_run-01_rep-01.bk2", "Breakout-Atari2600-v0",
                  np.zeros((60, 7), bool), b"state")
    result = snakemake("game=Breakout-Atari2600-v0", "-n", dataset=root, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert planned_jobs(result.stdout)["replay_session"] == 3


@pytest.mark.slow
def test_atari_recordings_from_bk2_to_the_evaluation(atari_roms, tmp_path):
    """The issue's done-when: a folder of Atari recordings of a game nobody wrote a file for, bk2 → evaluation."""
    from shinobi_tools.media.video import count_frames
    from shinobi_tools.replay.record import record_dataset

    root = tmp_path / "dataset"
    record_dataset(root, subjects=3, sessions=1, runs=1, seconds=8, seed=1, progress=False,
                   game="Breakout-Atari2600-v0")
    result = snakemake("game=Breakout-Atari2600-v0", "--cores", "2", dataset=root, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    results = tmp_path / "results"
    tables = sorted((results / "replay").glob("sub-*/ses-*/*_states.parquet"))
    assert len(tables) == 3
    for table in tables:
        video = table.with_name(table.name.replace("_states.parquet", ".mp4"))
        assert count_frames(video) == len(pd.read_parquet(table)) > 0
    counts = pd.read_csv(results / "events" / "event_counts.tsv", sep="\t")
    assert {"Action/Attack", "LifeLost"} <= set(counts.columns)
    metrics = pd.read_csv(results / "evaluation" / "metrics.tsv", sep="\t")
    assert set(metrics["model"]) == {"prior", "periodic", "spotter", "vidllm", "vidllm_text"}
    assert {"ALL", "SALIENT", "LifeLost"} <= set(metrics["event_type"])
