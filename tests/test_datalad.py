"""The workflow on a real local DataLad dataset: per-run `datalad get`, failures, increments.

A source dataset is made from small Airstriker bk2s (`datalad create -c text2git` annexes them), cloned,
and the workflow runs on the clone, whose bk2s are broken symlinks until fetched. git-annex comes from
PyPI's `git-annex` wheel (the `workflow` extra); the git identity comes from the environment, never from
the machine's git config.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from test_workflow import planned_jobs

BIN = Path(sys.executable).parent
#: The per-run stages of every run and their gather (the later dataset-level stages add nothing here).
TARGET = "results/events/event_counts.tsv"
RUNS = [f"sub-0{s}_ses-001_task-airstriker_run-01_level-1_rep-01" for s in (1, 2, 3, 4)]

pytestmark = pytest.mark.skipif(
    not (BIN / "datalad").exists() or shutil.which("git-annex", path=f"{BIN}:/usr/bin:/bin") is None,
    reason="datalad and git-annex are not installed (pip install -e '.[workflow]' installs both)",
)


def session(run: str) -> str:
    """The session folder of a run (each of these runs is alone in its session)."""
    return f"{run[:6]}/{run[7:14]}"


def environment(home: Path) -> dict[str, str]:
    identity = {f"GIT_{who}_{what}": value for who in ("AUTHOR", "COMMITTER")
                for what, value in (("NAME", "shinobi-tools tests"), ("EMAIL", "tests@example.org"))}
    return {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home), **identity}


def datalad(*args: str, home: Path, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "datalad"), *args], capture_output=True, text=True, timeout=120, check=check,
                          env=environment(home))


def snakemake(*args: str, dataset: Path, cwd: Path, configfiles: tuple[Path, ...] = ()) -> subprocess.CompletedProcess:
    command = [str(BIN / "snakemake"), "--snakefile", str(REPO_ROOT / "Snakefile"), "--directory", str(cwd),
               "--configfile", str(REPO_ROOT / "config" / "config.yaml"), *map(str, configfiles),
               "--config", f"dataset={dataset}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=cwd, env=environment(cwd))


def annexed_here(clone: Path, home: Path) -> list[str]:
    """Names of the bk2s whose content the clone holds."""
    result = subprocess.run(["git", "annex", "find", "--in", "here"], cwd=clone, capture_output=True, text=True,
                            check=True, env=environment(home))
    return sorted(Path(line).stem for line in result.stdout.split())


@pytest.fixture
def source(tmp_path, make_airstriker_bk2) -> Path:
    """A DataLad dataset holding the first three runs (120 frames each)."""
    root = tmp_path / "source"
    datalad("create", "-c", "text2git", str(root), home=tmp_path)
    for seed, run in enumerate(RUNS[:3], start=1):
        make_airstriker_bk2(f"{run}.bk2", frames=120, seed=seed, folder=root / run[:6] / "ses-001" / "gamelogs")
    datalad("save", "-d", str(root), "-m", "three runs", home=tmp_path)
    return root


def add_run(source: Path, run: str, make_airstriker_bk2, home: Path) -> None:
    make_airstriker_bk2(f"{run}.bk2", frames=120, seed=9, folder=source / run[:6] / "ses-001" / "gamelogs")
    datalad("save", "-d", str(source), "-m", f"add {run}", home=home)


def test_a_clone_plans_fetch_jobs_and_plain_folders_have_none(source, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    target = tmp_path / "resources" / "shinobi"
    result = snakemake("-n", TARGET, dataset=target, cwd=work)
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        f"error: {target}: dataset folder not found; set `dataset` in config/config.yaml (a DataLad dataset: "
        f"`datalad clone URL {target}`)"], result.stderr
    assert not target.exists()   # planning never clones or writes anything

    datalad("clone", str(source), str(target), home=tmp_path)
    result = snakemake("-n", TARGET, dataset=target, cwd=work)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert annexed_here(target, tmp_path) == []
    assert planned_jobs(result.stdout)["fetch_session"] == planned_jobs(result.stdout)["replay_session"] == 3

    result = snakemake("--lint", dataset=target, cwd=work)
    assert result.returncode == 0 and "Congratulations" in result.stdout + result.stderr, result.stdout + result.stderr

    plain = tmp_path / "plain"
    shutil.copytree(source, plain, symlinks=False, ignore=shutil.ignore_patterns(".git", ".datalad", ".gitattributes"))
    result = snakemake("-n", TARGET, dataset=plain, cwd=work)
    assert result.returncode == 0, result.stderr
    assert "fetch_session" not in planned_jobs(result.stdout) and planned_jobs(result.stdout)["replay_session"] == 3


@pytest.mark.slow
def test_clone_fetches_only_what_the_dag_needs(source, tmp_path, make_airstriker_bk2):
    clone, work = tmp_path / "clone", tmp_path / "work"
    datalad("clone", str(source), str(clone), home=tmp_path)
    work.mkdir()
    assert annexed_here(clone, tmp_path) == []

    # One session's replay: only its bk2 is fetched; the copy the replay read was a temp file.
    result = snakemake("--cores", "2", f"results/replay/{session(RUNS[0])}", dataset=clone, cwd=work)
    assert result.returncode == 0, result.stderr
    assert annexed_here(clone, tmp_path) == [RUNS[0]]
    assert (work / "results" / "logs" / "fetch" / f"{session(RUNS[0])}.log").read_text().strip().endswith(
        f"{RUNS[0]}.bk2")
    assert not list((work / "results").glob("fetch/**/*.bk2"))

    # All runs: the two others are fetched; dropping the content afterwards reruns nothing.
    result = snakemake("--cores", "2", TARGET, dataset=clone, cwd=work)
    assert result.returncode == 0, result.stderr
    assert annexed_here(clone, tmp_path) == RUNS[:3]
    datalad("drop", "-d", str(clone), *(str(p) for p in clone.glob("sub-*/ses-*/gamelogs/*.bk2")), home=tmp_path)
    assert annexed_here(clone, tmp_path) == []
    result = snakemake("-n", TARGET, dataset=clone, cwd=work)
    assert result.returncode == 0 and "Nothing to be done" in result.stdout + result.stderr, result.stdout

    # A new run in the source: after `datalad update`, only its jobs (and the dataset-level gathers) run.
    add_run(source, RUNS[3], make_airstriker_bk2, tmp_path)
    datalad("update", "-d", str(clone), "--how", "merge", home=tmp_path)
    result = snakemake("-n", TARGET, dataset=clone, cwd=work)
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert jobs["fetch_session"] == jobs["replay_session"] == 1, jobs
    fetched_or_replayed = re.findall(
        r"rule (?:fetch_session|replay_session):\n(?:    .*\n)*?    wildcards: session=(\S+)", result.stdout)
    assert fetched_or_replayed == [session(RUNS[3])] * 2, fetched_or_replayed
    result = snakemake("--cores", "2", TARGET, dataset=clone, cwd=work)
    assert result.returncode == 0, result.stderr
    assert annexed_here(clone, tmp_path) == [RUNS[3]]


@pytest.mark.slow
def test_content_that_cannot_be_fetched_fails_its_run_alone_in_one_line(source, tmp_path):
    clone, work = tmp_path / "clone", tmp_path / "work"
    datalad("clone", str(source), str(clone), home=tmp_path)
    work.mkdir()
    # The source loses the content of one run: no sibling has it any more.
    lost = next(source.glob(f"*/*/gamelogs/{RUNS[1]}.bk2"))
    datalad("drop", "--reckless", "availability", "-d", str(source), str(lost), home=tmp_path)

    result = snakemake("--cores", "2", "--keep-going", TARGET, dataset=clone, cwd=work)
    assert result.returncode != 0
    replay = work / "results" / "replay"
    assert sorted(p.name.split("_states")[0] for p in replay.glob("*/*/*_states.parquet")) == [RUNS[0], RUNS[2]]
    missing = clone / lost.relative_to(source)
    lines = (work / "results" / "logs" / "fetch" / f"{session(RUNS[1])}.log").read_text().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {missing}: content not available; `datalad get -d {clone} {missing}` failed: "
                               "get(error):"), lines[0]
    assert "Unable to access these remotes: origin" in lines[0] or "not available" in lines[0], lines[0]
