"""The Narval profile on a real single-node SLURM (tests/slurm_cluster.py): same outputs as a local run.

Needs Debian's ``slurmctld slurmd slurm-client munge`` and root (``.ci/run`` installs them, so CI runs it);
elsewhere it skips with the reason. The profile is used as is, except for what this one-node cluster
cannot share with Narval: the account and partition, and the job status command (no slurmdbd here, so
``sacct`` never answers; ``squeue`` with MinJobAge=300 does).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO_ROOT
from slurm_cluster import PARTITION, ClusterUnavailable, SlurmCluster

pytestmark = pytest.mark.slow

SNAKEMAKE = Path(sys.executable).parent / "snakemake"
PROFILE = REPO_ROOT / "profiles" / "narval"
TARGET = "results/events/event_counts.tsv"
#: Four runs in three sessions (one session job each, all bundled into one group submission by the profile).
RUNS = ["sub-01_ses-001_task-airstriker_run-01_level-1_rep-01", "sub-01_ses-001_task-airstriker_run-01_level-1_rep-02",
        "sub-01_ses-002_task-airstriker_run-01_level-1_rep-01", "sub-02_ses-001_task-airstriker_run-01_level-1_rep-01"]


def folder(run: str) -> str:
    return f"{run[:6]}/{run[7:14]}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    try:
        with SlurmCluster(tmp_path_factory.mktemp("slurm")) as running:
            yield running
    except ClusterUnavailable as reason:
        pytest.skip(f"no single-node SLURM here: {reason}")


def test_profile_entries_are_all_commented():
    """Every key of the profile has a comment on the line(s) just above it."""
    lines = (PROFILE / "config.yaml").read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\s*[\w-]+:", line):
            above = lines[i - 1].strip() if i else ""
            assert above.startswith("#"), f"profiles/narval/config.yaml:{i + 1} `{line.strip()}` has no comment"


def snakemake(*args: str, dataset: Path, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    command = ["timeout", "-s", "KILL", "240", str(SNAKEMAKE), "--snakefile", str(REPO_ROOT / "Snakefile"),
               "--directory", str(cwd), "--configfile", str(REPO_ROOT / "config" / "config.yaml"),
               "--config", f"dataset={dataset}", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd,
                          env={**(env or {}), "PATH": f"{SNAKEMAKE.parent}:/usr/bin:/bin", "HOME": str(cwd)})


def test_profile_dry_run_accepts_rules_that_do_not_exist_yet(tmp_path, make_airstriker_bk2):
    """The profile parses, and its set-resources for the future GPU rules do not break today's workflow."""
    make_airstriker_bk2(folder=tmp_path / "dataset" / "sub-01" / "ses-001" / "gamelogs", frames=120)
    (tmp_path / "work").mkdir()
    result = snakemake("-n", "--profile", str(PROFILE), TARGET, dataset=tmp_path / "dataset", cwd=tmp_path / "work")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "replay_session" in result.stdout and "slurm_account=def-<pi>" in result.stdout


def test_workflow_through_slurm_gives_the_local_outputs(cluster, tmp_path, make_airstriker_bk2):
    dataset = tmp_path / "dataset"
    for seed, run in enumerate(RUNS, start=1):
        make_airstriker_bk2(f"{run}.bk2", frames=120, seed=seed, folder=dataset / folder(run) / "gamelogs")
    local, remote = tmp_path / "local", tmp_path / "slurm"
    local.mkdir(), remote.mkdir()

    # The Narval profile with only the site values this cluster cannot share (and its 2 cores).
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    profile["default-resources"].update(slurm_account="def-test", slurm_partition=PARTITION)
    profile.update({"cores": 2, "slurm-status-command": "squeue", "slurm-init-seconds-before-status-checks": 2,
                    "slurm-keep-successful-logs": True})
    (tmp_path / "profile").mkdir()
    (tmp_path / "profile" / "config.yaml").write_text(yaml.safe_dump(profile))

    # The per-run stages (replay, events) and their gather: ~4 s per SLURM job here, so not the whole workflow.
    result = snakemake("--cores", "2", TARGET, dataset=dataset, cwd=local)
    assert result.returncode == 0, result.stderr
    result = snakemake("--profile", str(tmp_path / "profile"), TARGET, dataset=dataset, cwd=remote, env=cluster.env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:] + cluster.logs()

    # The per-session jobs went through sbatch bundled: the profile's groups put each session's replay and events
    # in one group and group-components puts up to 10 sessions in one submission, so the 7 planned jobs (3 replays,
    # 3 events, the gather) are 2 SLURM jobs; SLURM ran each to completion.
    log = result.stdout + result.stderr
    ids = set(re.findall(r"has been submitted with SLURM jobid (\d+)", log))
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", log.split("Job stats:")[1].split("total")[0], re.MULTILINE))
    assert planned["replay_session"] == planned["events_session"] == "3" and planned["events_counts"] == "1"
    assert len(ids) == 2, log[-3000:]
    states = dict(line.split() for line in cluster.run("squeue", "--noheader", "--states=all",
                                                       "--format=%i %T").stdout.splitlines())
    assert all(states.get(i) == "COMPLETED" for i in ids), states

    assert (remote / TARGET).read_bytes() == (local / TARGET).read_bytes()
    for run in RUNS:
        replay = f"results/replay/{folder(run)}/{run}"
        pd.testing.assert_frame_equal(pd.read_parquet(remote / f"{replay}_states.parquet"),
                                      pd.read_parquet(local / f"{replay}_states.parquet"))
        assert (remote / f"{replay}.mp4").read_bytes() == (local / f"{replay}.mp4").read_bytes()


class _Resources(dict):
    """What the SLURM executor reads of a job's resources (``.get`` and attributes)."""

    __getattr__ = dict.__getitem__


@pytest.mark.parametrize("gpus", [0, 1])
def test_gpu_rules_get_a_gpu_request_slurm_accepts(cluster, gpus):
    """The executor's GPU flags for each GPU rule (the profile's set-resources + the rule's ``gpu`` count) pass
    ``sbatch --test-only`` (a ``gres`` beside the count gave ``--gres=gpu:a100:1 --gpus=1``, which sbatch refuses)."""
    from types import SimpleNamespace

    from snakemake_executor_plugin_slurm.utils import set_gres_string

    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    for rule, resources in profile["set-resources"].items():
        job = SimpleNamespace(resources=_Resources({**resources, "gpu": gpus}))
        flags = set_gres_string(job).split()
        result = cluster.run("sbatch", "--test-only", "-p", PARTITION, *flags, "--wrap", "true", check=False)
        assert result.returncode == 0, f"{rule} {flags}: {result.stderr}"
