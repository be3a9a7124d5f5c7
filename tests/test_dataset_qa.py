import numpy as np
import pandas as pd

from shinobi_tools.dataset.answers import parse_events
from shinobi_tools.dataset.qa import DENSE_QUESTION, QAOptions, clip_events, clip_turns, run_records

from conftest import parse_intervals

FPS = 60.0
EVENTS = pd.DataFrame({
    "trial_type": ["FIRE", "LifeLost", "EnemyDestroyed", "FIRE"],
    "frame_start": [30, 90, 130, 250],
    "frame_stop": [36, 300, 130, 256],
    "description": ["The player fires.", "The player loses a life.", "An enemy is destroyed.", "The player fires."],
})


def test_clip_events_are_clip_relative_and_cut_at_the_end():
    events = clip_events(EVENTS, 60, 240, FPS)
    assert [(e.trial_type, e.onset, e.offset) for e in events] == [
        ("LifeLost", 0.5, 3.0), ("EnemyDestroyed", 70 / 60, 70 / 60),
    ]
    assert clip_events(EVENTS, 0, 240, FPS, types=("FIRE",))[0].onset == 0.5


def test_turns_answer_from_the_events():
    events = clip_events(EVENTS, 0, 240, FPS)
    turns = clip_turns(events, 4.0, QAOptions(grounding_types=("LifeLost", "GameOver"), point_queries=5),
                       np.random.default_rng(0))
    assert turns[0]["question"] == DENSE_QUESTION
    parsed = parse_events(turns[0]["answer"])
    assert parsed.malformed == 0
    assert [(e.trial_type, round(e.onset, 2)) for e in parsed.events] == [
        ("FIRE", 0.5), ("LifeLost", 1.5), ("EnemyDestroyed", 2.17)]
    assert parse_intervals(turns[1]["answer"]) == [(1.5, 4.0)]
    assert turns[2]["answer"] == "It does not happen in this clip."
    points = turns[3:]
    assert len(points) == 5 and all(t["question"].startswith("What is happening at ") for t in points)
    for turn in points:
        moment = float(turn["question"].removeprefix("What is happening at ").removesuffix("s?"))
        if 1.5 <= moment <= 4.0:
            assert "The player loses a life." in turn["answer"]


def test_dense_types_filter_and_empty_clip():
    options = QAOptions(dense_types=("EnemyDestroyed",), point_queries=0)
    events = clip_events(EVENTS, 0, 240, FPS)
    assert parse_events(clip_turns(events, 4.0, options, np.random.default_rng(0))[0]["answer"]).events[0].trial_type \
        == "EnemyDestroyed"
    assert clip_turns([], 4.0, options, np.random.default_rng(0))[0]["answer"] == "No notable event."


def test_run_records_are_seeded():
    plan = pd.DataFrame({"clip": ["r_clip-0000", "r_clip-0001"], "frame_start": [0, 120], "frame_stop": [240, 360],
                         "kind": ["window", "event"]})
    first = run_records("r", plan, EVENTS, FPS, QAOptions(point_queries=2), "r")
    assert first == run_records("r", plan, EVENTS, FPS, QAOptions(point_queries=2), "r")
    assert first[1]["video"] == "r/r_clip-0001.mp4" and first[1]["kind"] == "event"
    assert [e["trial_type"] for e in first[1]["events"]] == ["EnemyDestroyed", "FIRE"]
