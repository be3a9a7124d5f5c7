"""Generic events of a stable-retro game without rules of ours, on synthetic per-frame tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from shinobi_tools.events.descriptions import load_descriptions
from shinobi_tools.events.exports import export_run
from shinobi_tools.events.extract import extract_events, summarize_run
from shinobi_tools.events.rules import RULES, rules_of
from shinobi_tools.games import generic, get_game, platforms

FPS = 59.92


def table(n: int = 12, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({"frame": np.arange(n), "time": np.arange(n) / FPS})
    for name, values in columns.items():
        frame[name] = np.asarray(values)
    return frame


def atari_table() -> pd.DataFrame:
    """Breakout-like: BUTTON pressed twice, the score rises twice (once by 2), lives fall twice."""
    n = 12
    button = np.zeros(n, bool)
    button[[2, 3, 7]] = True
    left = np.zeros(n, bool)
    left[5:9] = True
    return table(n, BUTTON=button, SELECT=np.zeros(n, bool), RESET=np.zeros(n, bool), UP=np.zeros(n, bool),
                 DOWN=np.zeros(n, bool), LEFT=left, RIGHT=np.zeros(n, bool),
                 lives=[5, 5, 5, 4, 4, 4, 4, 4, 4, 3, 3, 3], score=[0, 0, 0, 0, 1, 1, 3, 3, 3, 3, 3, 3])


def legacy(game_id: str):
    """A generic game seen from the legacy vocabulary (press events named by role, FIRE)."""
    return get_game(game_id).for_vocabulary("legacy")


def test_generic_rules_are_registered_and_used_for_games_without_a_file():
    game = get_game("Breakout-Atari2600-v0")
    assert rules_of(game) is RULES["generic"]


def test_one_event_per_change_in_cneuromods_vocabulary():
    """The default vocabulary: the controller's Action/* rows (the Atari button is the fire button: Attack), then
    LevelStarted, then one point row per change; frame_stop inclusive."""
    events = extract_events(atari_table(), get_game("Breakout-Atari2600-v0"), fps=FPS)
    kinds = events["trial_type"].tolist()
    assert kinds.count("ScoreIncrease") == 2 and kinds.count("LifeLost") == 2 and kinds.count("Action/Attack") == 2
    assert kinds[:2] == ["gym-retro_game", "LevelStarted"] and kinds.count("Action/Left") == 1
    assert "Action/Select" not in kinds
    score = events[events["trial_type"] == "ScoreIncrease"]
    assert score["frame_start"].tolist() == [4, 6] and score["points"].tolist() == [1, 2]
    attack = events[events["trial_type"] == "Action/Attack"]
    assert attack[["frame_start", "frame_stop"]].values.tolist() == [[2, 3], [7, 7]]
    assert attack["button"].tolist() == ["BUTTON", "BUTTON"]
    assert events["description"].str.len().min() > 10 and not events["description"].str.startswith("Event ").any()


def test_one_event_per_change_with_points_and_descriptions():
    events = extract_events(atari_table(), legacy("Breakout-Atari2600-v0"), fps=FPS)
    kinds = events["trial_type"].tolist()
    assert kinds.count("ScoreIncrease") == 2 and kinds.count("LifeLost") == 2 and kinds.count("FIRE") == 2
    assert kinds.count("LEFT") == 1 and "SELECT" not in kinds
    score = events[events["trial_type"] == "ScoreIncrease"]
    assert score["frame_start"].tolist() == [4, 6] and score["points"].tolist() == [1, 2]
    lost = events[events["trial_type"] == "LifeLost"]
    assert lost[["value_before", "value_after"]].values.tolist() == [[5, 4], [4, 3]]
    fire = events[events["trial_type"] == "FIRE"]
    assert fire[["frame_start", "frame_stop"]].values.tolist() == [[2, 4], [7, 8]]
    assert fire["button"].tolist() == ["BUTTON", "BUTTON"] and set(fire["family"]) == {"action"}
    assert events["description"].str.len().min() > 10 and not events["description"].str.startswith("Event ").any()
    assert events["onset"].tolist() == pytest.approx((events["frame_start"] / FPS).tolist())


def test_health_lives_gained_and_signed_lives():
    game = legacy("Breakout-Atari2600-v0")
    frames = table(6, health=[10, 8, 8, 9, 9, 0], lives=[1, 1, 2, 2, 0, -1], score=[5, 5, 5, 5, 5, 0])
    events = extract_events(frames, game, fps=FPS)
    assert events["trial_type"].value_counts().to_dict() == {
        "LifeLost": 2, "PlayerDamaged": 2, "HealthGained": 1, "LifeGained": 1}   # the score reset is no event
    damaged = events[events["trial_type"] == "PlayerDamaged"]
    assert damaged["value_before"].tolist() == [10, 9]


def test_roles_map_other_variable_names():
    game = legacy("Breakout-Atari2600-v0")
    frames = table(4, score1=[0, 10, 10, 30])
    events = extract_events(frames, game, fps=FPS, options={"roles": {"score": "score1"}})
    assert events["points"].tolist() == [10, 20]
    assert extract_events(frames, game, fps=FPS).empty


def test_summary():
    game = get_game("Breakout-Atari2600-v0")
    frames = atari_table()
    summary = summarize_run(frames, extract_events(frames, game, fps=FPS), game, fps=FPS)
    assert summary["end_score"] == 3 and summary["score gained"] == 3
    assert summary["event_counts"]["LifeLost"] == 2 and summary["duration"] == pytest.approx(12 / FPS)


def test_every_loggable_button_of_every_platform_has_phrasings():
    phrasings = load_descriptions(get_game("Breakout-Atari2600-v0"))
    for system in platforms.systems():
        for button in platforms.logged_buttons(system):
            assert generic.button_role(system, button) in phrasings, (system, button)
    for kinds in generic.VARIABLE_EVENTS.values():
        assert set(kinds.values()) <= set(phrasings)


def test_events_command_takes_a_stable_retro_id(tmp_path):
    states = tmp_path / "sub-01_ses-001_task-breakout_run-01_states.parquet"
    atari_table().to_parquet(states)
    written = export_run(states, "Breakout-Atari2600-v0", tmp_path / "events", formats=["srt"])
    tsv = pd.read_csv(written["events"], sep="\t")
    assert (tsv["trial_type"] == "ScoreIncrease").sum() == 2 and (tsv["trial_type"] == "LifeLost").sum() == 2
    assert json.loads(written["summary"].read_text())["event_counts"]["Action/Attack"] == 2


@pytest.mark.parametrize("vocabulary", ["cneuromod", "legacy"])
def test_a_run_without_a_score_change_summarizes(vocabulary):
    game = get_game("Breakout-Atari2600-v0").for_vocabulary(vocabulary)
    frames = table(5, lives=[3, 3, 3, 2, 2], score=[7, 7, 7, 7, 7])
    events = extract_events(frames, game, fps=FPS)
    summary = summarize_run(frames, events, game, fps=FPS)
    assert summary["score gained"] == 0 and summary["end_score"] == 7
