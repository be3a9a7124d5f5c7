"""The scripted Airstriker recorder and the embedded default dataset (real emulator, no mocks)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from shinobi_tools.games import get_game
from shinobi_tools.naming import discover_runs, parse_run_name
from shinobi_tools.replay.bk2 import press_events, read_bk2
from shinobi_tools.replay.emulator import open_env
from shinobi_tools.replay.record import PlayStyle, record_dataset, record_episode, record_run, style_for_subject
from shinobi_tools.replay.run import replay_bk2

DATASET = Path(__file__).resolve().parents[1] / "data" / "airstriker"
NAME = "sub-01_ses-001_task-airstriker_run-01_level-1_rep-01.bk2"


def input_log(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("Input Log.txt").decode()


@pytest.fixture(scope="module")
def episodes(tmp_path_factory) -> dict[str, Path]:
    """Two 15 s recordings with seed 1 and one with seed 2 (~15 s is past the first lost life)."""
    folder = tmp_path_factory.mktemp("episodes")
    return {
        key: record_episode(folder / f"{key}.bk2", seconds=15, seed=seed).path
        for key, seed in (("a", 1), ("b", 1), ("c", 2))
    }


def test_same_seed_gives_identical_recordings(episodes):
    assert input_log(episodes["a"]) == input_log(episodes["b"])
    assert episodes["a"].read_bytes() == episodes["b"].read_bytes()


def test_different_seeds_differ(episodes):
    assert input_log(episodes["a"]) != input_log(episodes["c"])


def test_recording_is_a_human_like_airstriker_bk2(episodes):
    bk2 = read_bk2(episodes["a"])
    assert bk2.header["GameName"] == "Airstriker-Genesis-v0"
    assert bk2.n_frames == round(15 * get_game("airstriker").fps)
    presses = bk2.presses()
    assert presses["B"] > 10 and presses["LEFT"] > 2 and presses["RIGHT"] > 2
    assert presses["START"] == 0 and presses["MODE"] == 0
    # Held buttons of varied length, and frames with nothing pressed (pauses, idling).
    holds = press_events(bk2.frame_inputs(), bk2.buttons)
    assert holds["n_frames"].nunique() > 10
    assert (~bk2.frame_inputs().any(axis=1)).sum() > 30


def test_recording_replays_and_loses_lives(episodes, tmp_path):
    outputs = replay_bk2(episodes["a"], tmp_path, video=False, progress=False)
    table = pd.read_parquet(outputs.states)
    assert outputs.n_frames == read_bk2(episodes["a"]).n_frames
    for column in ("frame", "time", "B", "A", "MODE", "START", "UP", "DOWN", "LEFT", "RIGHT", "C", "Y", "X", "Z",
                   "lives", "score"):
        assert column in table.columns
    assert table["lives"].iloc[0] == 3
    assert (table["lives"].diff() < 0).any()


def test_record_dataset_names_and_styles(tmp_path):
    paths = record_dataset(tmp_path, subjects=2, sessions=1, runs=2, seconds=3, seed=5, progress=False)
    assert len(paths) == 4
    for path in paths:
        run = parse_run_name(path)
        assert path.name == f"{run.stem}.bk2"
        assert path.parent == tmp_path / run.folder
        assert run.task == "airstriker" and run.level == "1" and run.rep == "01"
        assert len(run.subject) == 2 and len(run.session) == 3 and len(run.run) == 2
    assert [r.stem for r in discover_runs(tmp_path).runs] == sorted(p.name.removesuffix(".bk2") for p in paths)
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]  # no temp files left
    assert style_for_subject(5, 1) != style_for_subject(5, 2)
    assert style_for_subject(5, 1) == style_for_subject(5, 1)
    logs = {input_log(p) for p in paths}
    assert len(logs) == 4


def test_failed_recording_leaves_no_file(tmp_path):
    def crash(frames=[0]):
        frames[0] += 1
        if frames[0] == 50:
            raise RuntimeError("interrupted")

    with open_env(get_game("airstriker")) as env:
        with pytest.raises(RuntimeError, match="interrupted"):
            record_run(env, tmp_path, 1, 1, 1, seconds=2, seed=0, style=PlayStyle(), on_frame=crash)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not list(tmp_path.rglob(".record-*"))


def test_committed_dataset_is_complete():
    paths = sorted(DATASET.rglob("*.bk2"))
    assert paths, f"{DATASET} holds no bk2"
    assert sum(p.stat().st_size for p in DATASET.rglob("*") if p.is_file()) < 1_000_000
    runs = set()
    for path in paths:
        run = parse_run_name(path)
        assert path.name == f"{run.stem}.bk2" and path.parent == DATASET / run.folder
        assert read_bk2(path).game == "Airstriker-Genesis-v0"
        runs.add((run.subject, run.session, run.run))
    assert runs == {(f"{s:02d}", f"{e:03d}", f"{r:02d}") for s in (1, 2, 3) for e in (1, 2) for r in (1, 2)}
    assert (DATASET / "README.md").exists()


def test_committed_dataset_replays(tmp_path):
    path = DATASET / "sub-01" / "ses-001" / "gamelogs" / NAME
    outputs = replay_bk2(path, tmp_path, video=False, progress=False)
    table = pd.read_parquet(outputs.states)
    assert outputs.n_frames == read_bk2(path).n_frames
    assert table["lives"].iloc[-1] == 0 and table["score"].iloc[-1] > 0
