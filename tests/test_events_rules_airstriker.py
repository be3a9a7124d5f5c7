"""Airstriker in CNeuroMod's vocabulary (the default): real replays made here and from data/airstriker, the
measured game-over timeline, and the evidence behind its invisible events (inputs that change nothing on screen)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from shinobi_tools.cli import main
from shinobi_tools.events.extract import extract_events, summarize_run
from shinobi_tools.events.rules import airstriker
from shinobi_tools.events.tsv import read_events_tsv
from shinobi_tools.events.variables import read_frames
from shinobi_tools.events.vocabulary import COLUMNS, CONTAINER, check_partition, controller_table, frames_where, steps
from shinobi_tools.games import get_game
from shinobi_tools.naming import run_of
from shinobi_tools.replay.bk2 import GENESIS_BUTTONS

from conftest import DEFAULT_DATASET

STEM = "sub-01_ses-001_task-airstriker_run-01_level-1_rep-01"


def check_repetition(table: pd.DataFrame, events: pd.DataFrame) -> None:
    """What holds for every Airstriker repetition."""
    check_partition(events, len(table))
    assert events.iloc[0]["trial_type"] == CONTAINER and events.iloc[0]["frame_stop"] == len(table)
    counts = events["trial_type"].value_counts()
    gained = int(np.clip(np.diff(table["score"].to_numpy()), 0, None).sum())
    assert counts.get("EnemyDefeated", 0) * airstriker.POINTS_PER_ENEMY == gained
    died = events.loc[events["trial_type"] == "PlayerDied", ["frame_start", "frame_stop"]].values.tolist()
    assert died == events.loc[events["trial_type"] == "Screen/Death", ["frame_start", "frame_stop"]].values.tolist()
    drops = frames_where(steps(table["lives"].to_numpy()) < 0)
    assert set(drops) <= {stop for _, stop in died}   # every life lost ends a PlayerDied
    assert set(events.loc[events["trial_type"] == "Action/Attack", "button"]) <= {"B"}


def test_scripted_game(airstriker_states):
    table = read_frames(airstriker_states)
    game = get_game("airstriker")
    events = extract_events(table, game, stem=run_of(airstriker_states))
    check_repetition(table, events)
    types = set(events["trial_type"])
    assert {"Action/Attack", "Action/Left", "Action/Right", "Action/Up", "Action/Down", "LevelStarted",
            "EnemyDefeated", "PlayerDied", "Screen/Gameplay", "Screen/Death", "PlayerState/Normal"} <= types
    died = events[events["trial_type"] == "PlayerDied"]
    assert (died["frame_stop"] - died["frame_start"]).tolist()[:3] == [81, 81, 81]  # hit → lives drop
    summary = summarize_run(table, events, game)
    assert summary["Outcome"] == "failed/killed" and summary["game_over"] and summary["lives lost"] == 4
    assert summary["enemies defeated"] * 20 == summary["end_score"]
    assert set(game.salient_events) <= types


def test_cli_default_vocabulary_is_cneuromod(airstriker_states, tmp_path):
    assert main(["events", "--game", "airstriker", "--states", str(airstriker_states), "--out-dir", str(tmp_path),
                 "--formats", "srt,eaf"]) == 0
    stem = run_of(airstriker_states)
    text = (tmp_path / f"{stem}_events.tsv").read_text()
    assert text.splitlines()[0].split("\t")[:10] == [*COLUMNS, "description", "family"]
    assert "\tn/a\t" in text and "\r" not in text
    events = read_events_tsv(tmp_path / f"{stem}_events.tsv")
    assert events.iloc[0]["stim_file"] == f"{stem}.bk2" and events["stim_file"].notna().sum() == 1
    presses = events[events["trial_type"].str.startswith("Action/")]
    one_frame = presses[presses["frame_stop"] == presses["frame_start"]]
    assert (one_frame["duration"] == 0).all()   # inclusive frame_stop
    sidecar = json.loads((tmp_path / f"{stem}_events.json").read_text())
    assert sidecar["Vocabulary"] == "cneuromod" and sidecar["SamplingFrequency"] == 59.922743404312
    assert sidecar["InvisibleEvents"] == ["Action/Up", "Action/Down", "Action/Select", "Action/Other"]
    assert json.loads((tmp_path / f"{stem}_summary.json").read_text())["Outcome"] == "failed/killed"
    subtitles = (tmp_path / f"{stem}.srt").read_text()
    assert "One game attempt" not in subtitles and "The ship" in subtitles   # the container is no subtitle


def readme_table() -> dict:
    """Per file of data/airstriker: frames, lives lost, score gained, game over (data/airstriker/README.md)."""
    text = (DEFAULT_DATASET / "README.md").read_text()
    pattern = r"\| (sub-\S+)\.bk2 \| (\d+) \| [\d.]+ \| (\d+) \| (\d+) \| (yes|no) \|"
    return {m[1]: (int(m[2]), int(m[3]), int(m[4]), m[5] == "yes") for m in re.finditer(pattern, text)}


def default_dataset_check(bk2, folder) -> None:
    from shinobi_tools.replay.run import replay_bk2

    table = read_frames(replay_bk2(bk2, folder, video=False, progress=False).states)
    events = extract_events(table, get_game("airstriker"), stem=bk2.stem)
    check_repetition(table, events)
    frames, lost, gained, game_over = readme_table()[bk2.stem]
    assert len(table) == frames
    assert (events["trial_type"] == "EnemyDefeated").sum() * 20 == gained
    assert (airstriker.outcome(table) == "failed/killed") == game_over
    # every lost ship; one more when the run's budget stops the recording during an explosion
    assert lost + game_over <= (events["trial_type"] == "PlayerDied").sum() <= lost + game_over + 1


DEFAULT_BK2 = sorted(DEFAULT_DATASET.glob("sub-*/ses-*/gamelogs/*.bk2"))


@pytest.mark.parametrize("index", [0, 6, 9])   # a game over; one stopped by the run's budget after a death; another
def test_default_dataset_repetitions(index, tmp_path):
    if not DEFAULT_BK2:
        pytest.skip(f"no bk2 under {DEFAULT_DATASET}")
    default_dataset_check(DEFAULT_BK2[index], tmp_path)


@pytest.mark.slow
def test_every_default_dataset_repetition(tmp_path):
    assert DEFAULT_BK2
    for bk2 in DEFAULT_BK2:
        default_dataset_check(bk2, tmp_path / bk2.stem)


def test_game_over_after_done():
    """The RAM timeline measured by running the emulator past stable-retro's done (our recordings stop before)."""
    n, hit = 2400, 1538
    state = np.full(n, 9)
    state[hit:hit + 11] = 0
    state[hit + 11:hit + 22] = 1
    state[hit + 22:] = 2
    visible = np.full(n, 11)
    visible[hit + 32:] = 0
    score = np.full(n, 100)
    score[hit + 113:] = 0
    table = pd.DataFrame({"frame": np.arange(n), "time": np.arange(n) / 60, "gameover": state,
                          "lives": np.zeros(n, int), "ship_visible": visible, "score": score})
    events = extract_events(table, get_game("airstriker"), stem=STEM)
    screens = events[events["trial_type"].str.startswith("Screen/")]
    assert screens[["trial_type", "frame_start", "frame_stop"]].values.tolist() == [
        ["Screen/Gameplay", 0, hit - 1], ["Screen/Death", hit, hit + 31], ["Screen/GameOver", hit + 32, n - 1]]
    assert events.loc[events["trial_type"] == "PlayerDied", ["frame_start", "frame_stop"]].values.tolist() == [
        [hit, hit + 31]]
    assert airstriker.outcome(table) == "failed/killed" and "EnemyDefeated" not in set(events["trial_type"])


def test_invisible_events_are_the_inputs_that_change_nothing_on_screen():
    """Evidence for the game YAML's invisible_events: holding UP, DOWN, A, C, MODE, X, Y or Z now and then leaves
    every frame identical to playing without them; B, LEFT, RIGHT and START (pause) change the screen."""
    from shinobi_tools.replay.emulator import open_env

    game = get_game("airstriker")

    def screens(button: str | None) -> np.ndarray:
        with open_env(game) as env:
            names = env.unwrapped.buttons
            out = []
            for t in range(240):
                action = [0] * len(names)
                if button and t > 30 and t % 40 < 20:
                    action[names.index(button)] = 1
                out.append(env.step(action)[0].copy())
        return np.stack(out)

    idle = screens(None)
    changes = {b: bool((screens(b) != idle).any()) for b in GENESIS_BUTTONS}
    assert {b for b, changed in changes.items() if changed} == {"B", "LEFT", "RIGHT", "START"}
    roles = controller_table(GENESIS_BUTTONS, game.actions)
    assert {roles[b] for b, changed in changes.items() if not changed} == set(game.invisible_events)
