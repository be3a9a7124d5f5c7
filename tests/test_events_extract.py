"""Event extraction in the legacy vocabulary (kept exactly), CNeuroMod-exact Shinobi III summaries in both
vocabularies, every legacy event type of both games, errors. The cneuromod vocabulary: test_events_rules_*.py."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shinobi_tools.cli import main
from shinobi_tools.errors import InputError
from shinobi_tools.events.extract import extract_events, summarize_run
from shinobi_tools.events.primitives import continuous_position
from shinobi_tools.events.variables import CNEUROMOD_FPS, read_frames, read_variables_json
from shinobi_tools.games import definition
from shinobi_tools.games import get_game as current_game
from shinobi_tools.naming import run_of
from shinobi_tools.replay.bk2 import GENESIS_BUTTONS
from shinobi_tools.replay.states import frame_rate

from conftest import DEFAULT_DATASET

SHINOBI_BUTTON_TYPES = {"HIT", "JUMP", "LEFT", "RIGHT", "UP", "DOWN"}


def get_game(name: str):
    """The game in the legacy vocabulary (these tests check that it keeps today's events exactly)."""
    return current_game(name).for_vocabulary("legacy")


def variables_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*_variables.json.gz"))


# --------------------------------------------------------------------------- Shinobi III, real data

@pytest.mark.parametrize("vocabulary", ["legacy", "cneuromod"])
def test_summaries_equal_cneuromod(cneuromod_shinobi, vocabulary):
    files = variables_files(cneuromod_shinobi)
    assert files
    game = current_game("shinobi3").for_vocabulary(vocabulary)
    for path in files:
        expected = json.loads(Path(str(path).replace("_variables.json.gz", "_summary.json")).read_text())
        table = read_frames(path)
        summary = summarize_run(table, extract_events(table, game), game)
        assert {key: summary[key] for key in expected} == expected, path.name
        assert summary["Outcome"] == ("cleared" if expected["cleared"] else "failed")  # CNeuroMod's label
        # Our replays' true rate changes the duration by 0.13 %, within CNeuroMod's 0.2 % tolerance.
        true_rate = summarize_run(table, extract_events(table, game, fps=game.fps), game, fps=game.fps)
        assert true_rate["duration"] == pytest.approx(expected["duration"], rel=0.002)


def test_shinobi_event_types_on_real_runs(cneuromod_shinobi):
    game = get_game("shinobi3")
    events = pd.concat([extract_events(read_frames(p), game) for p in variables_files(cneuromod_shinobi)])
    types = set(events["trial_type"])
    assert SHINOBI_BUTTON_TYPES | {"Kill", "HealthLoss", "HealthGain", "ShurikenThrown", "LevelComplete"} <= types
    kills = events[events["trial_type"] == "Kill"]
    assert set(kills["points"]) == {200, 300}
    assert kills["x_player"].notna().all() and (kills["description"].str.len() > 0).all()
    hits = events[events["trial_type"] == "HIT"]
    assert (hits["button"] == "B").all() and (hits["duration"] > 0).all()
    assert (events["onset"] == events["frame_start"] / CNEUROMOD_FPS).all()


def test_newer_kill_definition_is_an_option(cneuromod_shinobi):
    path = next(p for p in variables_files(cneuromod_shinobi) if "level-5" in p.name)
    game, table = get_game("shinobi3"), read_frames(path)
    default = extract_events(table, game)
    newer = extract_events(table, game, options={"kill_scores": [200, 300, 400, 500]})
    assert (default["trial_type"] == "Kill").sum() == 32
    assert (newer["trial_type"] == "Kill").sum() == 33  # one 500-point enemy


# --------------------------------------------------------------------------- Shinobi III, events absent from the real runs

def shinobi_table(n: int = 600) -> pd.DataFrame:
    """A small Shinobi III frames table (60 fps): a fall, a life lost, a ninjutsu press, an X wrap."""
    table = pd.DataFrame({"frame": np.arange(n), "time": np.arange(n) / 60.0})
    for name in GENESIS_BUTTONS:
        table[name] = False
    table.loc[10:19, "A"] = True
    values = {"health": 16, "lives": 2, "score": 0, "instantScore": 0, "shurikens": 20, "status": 0,
              "X_player": 0, "Y_player": 400, "blackScreen": 0}
    for name, value in values.items():
        table[name] = value
    table["X_player"] = np.arange(n) % 300  # wraps by 299 every 300 frames
    table.loc[100:129, "status"] = 43  # falls
    table.loc[200:, "lives"] = 1
    table.loc[300:339, "status"] = 41  # killed by an enemy
    table.loc[400:, "lives"] = 0
    return table


def test_shinobi_deaths_lives_and_ninjutsu():
    events = extract_events(shinobi_table(), get_game("shinobi3"))
    deaths = events[events["trial_type"] == "Death"]
    assert deaths[["frame_start", "frame_stop"]].values.tolist() == [[100, 130], [300, 340]]
    assert list(deaths["cause"]) == ["fall", "enemy"]
    lives = events[events["trial_type"] == "LifeLost"]
    assert list(lives["frame_start"]) == [200, 400] and list(lives["cause"]) == ["fall", "enemy"]
    assert lives["description"].iloc[0] in {"The player loses a life after a fall.", "The ninja falls and loses a life."}
    assert "LevelComplete" not in set(events["trial_type"])
    ninjutsu = events[events["trial_type"] == "NINJUTSU"]
    assert ninjutsu[["frame_start", "frame_stop"]].values.tolist() == [[10, 20]]
    summary = summarize_run(shinobi_table(), events, get_game("shinobi3"))
    assert summary["cleared"] is False
    assert set(events.loc[events["trial_type"].isin(get_game("shinobi3").salient_events), "trial_type"]) == {"Death"}


def test_x_player_is_continuous_across_wraps():
    x = np.arange(900) % 300
    fixed = continuous_position(x)
    assert (np.diff(fixed) >= 0).all() and fixed[-1] == 899 - 2  # each wrap keeps one step of 0
    events = extract_events(shinobi_table(), get_game("shinobi3"))
    deaths = events[events["trial_type"] == "Death"]
    assert list(deaths["x_player"]) == [100, 299]  # frame 300: raw 0 + offset 299


def test_level_complete_starts_with_the_final_fade(cneuromod_shinobi):
    path = next(p for p in variables_files(cneuromod_shinobi) if "level-4" in p.name)
    events = extract_events(read_frames(path), get_game("shinobi3"))
    done = events[events["trial_type"] == "LevelComplete"]
    assert done[["frame_start", "frame_stop"]].values.tolist() == [[7096, 7112]]


# --------------------------------------------------------------------------- Airstriker, replayed here

def test_airstriker_every_event_type(airstriker_states):
    game, table = get_game("airstriker"), read_frames(airstriker_states)
    events = extract_events(table, game)
    assert set(events["trial_type"]) == {"FIRE", "LEFT", "RIGHT", "EnemyDestroyed", "LifeLost", "GameOver"}
    assert frame_rate(table) == pytest.approx(game.fps)
    assert np.allclose(events["onset"], events["frame_start"] / game.fps)
    enemies = events[events["trial_type"] == "EnemyDestroyed"]
    score = table["score"].to_numpy()
    assert len(enemies) == int((np.diff(score) > 0).sum())
    lost = events[events["trial_type"] == "LifeLost"]
    assert list(lost["value_after"]) == [2, 1, 0, 0]  # the last ship's loss has no lives drop
    lengths = (lost["frame_stop"] - lost["frame_start"]).tolist()
    assert lengths[:3] == [81, 81, 81] and 0 < lengths[3] <= 81  # from the hit to the respawn
    over = events[events["trial_type"] == "GameOver"]
    assert len(over) == 1 and over["frame_start"].iloc[0] == lost["frame_start"].iloc[-1]
    summary = summarize_run(table, events, game)
    assert summary["game_over"] is True and summary["lives lost"] == 4
    assert summary["end_score"] == int(enemies["points"].sum()) > 0  # the game resets the score afterwards
    assert summary["event_counts"]["EnemyDestroyed"] == summary["enemies destroyed"]


def test_airstriker_default_dataset(tmp_path):
    bk2s = sorted(DEFAULT_DATASET.glob("sub-*/ses-*/gamelogs/*.bk2"))
    if not bk2s:
        pytest.skip(f"no bk2 under {DEFAULT_DATASET}: record the default dataset first")
    from shinobi_tools.replay.run import replay_bk2

    states = replay_bk2(bk2s[0], tmp_path, video=False, progress=False).states
    table = read_frames(states)
    events = extract_events(table, get_game("airstriker"))
    lives = table["lives"].to_numpy()
    game_over = int((events["trial_type"] == "GameOver").sum())
    assert (events["trial_type"] == "LifeLost").sum() == int((np.diff(lives) < 0).sum()) + game_over
    assert (events["trial_type"] == "FIRE").sum() > 0


# --------------------------------------------------------------------------- a game with one YAML, inputs, CLI

def test_declarative_rules_for_a_yaml_only_game(tmp_path, monkeypatch, airstriker_states):
    (tmp_path / "mystriker.yaml").write_text(
        "name: mystriker\nretro_id: MyStriker-Genesis-v0\n"
        "variables:\n  lives: {address: 0xFF025A, type: '>u2'}\n  score: {address: 0xFF024E, type: '>u4'}\n"
        "button_events: {B: SHOOT}\n"
        "event_rules:\n  - {trial_type: Crash, variable: lives, when: decrease, family: life}\n"
        "  - {trial_type: Points, variable: score, when: increase, values: [20]}\n"
    )
    monkeypatch.setenv("SHINOBI_TOOLS_GAMES", str(tmp_path))
    definition._all_games.cache_clear()
    try:
        game = get_game("mystriker")
        table = read_frames(airstriker_states)
        events = extract_events(table, game)
        assert set(events["trial_type"]) == {"SHOOT", "Crash", "Points"}
        assert (events["trial_type"] == "Crash").sum() == 3
        assert events.loc[events["trial_type"] == "Crash", "description"].iloc[0] == "Event Crash."
        assert set(summarize_run(table, events, game)) == {"duration", "event_counts"}
        # In CNeuroMod's vocabulary: the controller's Action rows, LevelStarted, the same rule events (inclusive
        # frame_stop), the container row.
        current = extract_events(table, current_game("mystriker"), stem="sub-01_ses-001_task-x_run-01")
        assert {"Action/Other", "Action/Left", "LevelStarted", "Crash", "Points", "gym-retro_game"} <= set(
            current["trial_type"])
        crash = events[events["trial_type"] == "Crash"]["frame_start"].tolist()
        assert current[current["trial_type"] == "Crash"]["frame_start"].tolist() == crash
    finally:
        monkeypatch.delenv("SHINOBI_TOOLS_GAMES")
        definition._all_games.cache_clear()


def write_variables(path: Path, data: dict) -> Path:
    with gzip.open(path, "wt") as handle:
        json.dump(data, handle)
    return path


def test_variables_json_shape_and_errors(tmp_path):
    good = {"level": "1", "actions": list(GENESIS_BUTTONS), "B": [0, 1, 1], "lives": [2, 2, 1], "UP": [0, 0, 1]}
    table = read_variables_json(write_variables(tmp_path / "a_variables.json.gz", good))
    assert list(table.columns[:4]) == ["frame", "time", "B", "UP"] and table["B"].dtype == bool
    assert frame_rate(table) == pytest.approx(60.0)
    bad = dict(good, health=[16, 16])
    with pytest.raises(InputError, match="health \\(2\\)"):
        read_variables_json(write_variables(tmp_path / "b_variables.json.gz", bad))
    with pytest.raises(InputError, match="lacks variable"):
        extract_events(table, get_game("shinobi3"))


def test_cli_events(tmp_path, airstriker_states, capsys):
    assert main(["events", "--game", "airstriker", "--states", str(airstriker_states), "--out-dir", str(tmp_path),
                 "--formats", "srt,vtt,eaf", "--vocabulary", "legacy"]) == 0
    stem = run_of(airstriker_states)
    for suffix in ("_events.tsv", "_events.json", "_summary.json", ".srt", ".vtt", ".eaf"):
        assert (tmp_path / f"{stem}{suffix}").exists(), suffix
    summary = json.loads((tmp_path / f"{stem}_summary.json").read_text())
    assert summary["lives lost"] == 4 and summary["Outcome"] == "failed/killed"
    sidecar = json.loads((tmp_path / f"{stem}_events.json").read_text())
    assert sidecar["Vocabulary"] == "legacy" and sidecar["SamplingFrequency"] == pytest.approx(59.922743)
    header = (tmp_path / f"{stem}_events.tsv").read_text().splitlines()[0].split("\t")
    assert header[:5] == ["onset", "duration", "trial_type", "frame_start", "frame_stop"]


@pytest.mark.parametrize("argv, message", [
    (["--game", "tetris"], "unknown game 'tetris'"),
    (["--game", "shinobi3"], "lacks variable(s) health"),
    (["--game", "airstriker", "--formats", "pdf"], "unknown export format(s) pdf"),
])
def test_cli_bad_input_is_one_line(tmp_path, airstriker_states, capsys, argv, message):
    code = main(["events", *argv, "--states", str(airstriker_states), "--out-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
