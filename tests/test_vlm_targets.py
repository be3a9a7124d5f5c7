"""Answer shaping for training, detector-checked decoding and threshold calibration (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shinobi_tools.answers import NO_EVENT, AnswerEvent, parse_events
from shinobi_tools.vlm.decoding import check_events
from shinobi_tools.vlm.calibration import best_thresholds
from shinobi_tools.vlm.config import DataConfig, config_from_dict
from shinobi_tools.vlm.model import EventHead
from shinobi_tools.vlm.targets import shape_messages

TIMES = np.arange(16) / 4
MESSAGES = [
    {"role": "user", "content": "<video>List the gameplay events in this clip with their times."},
    {"role": "assistant", "content": "0.10s-0.40s FIRE: The ship shoots.\n2.30s-2.30s Hit: An enemy is hit."},
    {"role": "user", "content": "When is an enemy hit?"},
    {"role": "assistant", "content": "2.30s-2.30s"},
]
EVENTS = [
    {"onset": 0.1, "offset": 0.4, "trial_type": "FIRE", "description": "The ship shoots."},
    {"onset": 2.3, "offset": 2.3, "trial_type": "Hit", "description": "An   enemy is hit."},
    {"onset": 2.45, "offset": 2.45, "trial_type": "Hit", "description": "Another hit."},  # same frame as 2.3
    {"onset": 3.9, "offset": 3.9, "trial_type": "Hit", "description": "Too late to be seen."},
]


def test_defaults_keep_the_conversation():
    assert shape_messages(MESSAGES, EVENTS, TIMES, DataConfig(), "{t}s") == MESSAGES


def test_dense_turn_types_and_frame_times():
    data = DataConfig(turns="dense", answer_types=["Hit"], snap_times=True)
    shaped = shape_messages(MESSAGES, EVENTS, TIMES, data, "{t}s")
    assert [m["role"] for m in shaped] == ["user", "assistant"] and shaped[0] == MESSAGES[0]
    # onset on the first frame showing it, one line per (frame, type), nothing after the last frame
    assert shaped[1]["content"] == "2.5s Hit: An enemy is hit."
    assert [(e.onset, e.trial_type) for e in parse_events(shaped[1]["content"]).events] == [(2.5, "Hit")]
    intervals = shape_messages(MESSAGES, EVENTS, TIMES, DataConfig(answer_types=["FIRE"], snap_times=True), "{t}s")
    assert intervals[1]["content"] == "0.25s FIRE: The ship shoots." and intervals[2:] == MESSAGES[2:]
    empty = shape_messages(MESSAGES, EVENTS, TIMES, DataConfig(answer_types=["Jump"]), "{t}s")
    assert empty[1]["content"] == NO_EVENT
    with pytest.raises(ValueError, match="data.turns"):
        shape_messages(MESSAGES, EVENTS, TIMES, DataConfig(turns="first"), "{t}s")


def test_checked_decoding_keeps_confirmed_events_at_the_detector_peak():
    types, thresholds = ["Hit", "Loss"], [0.5, 0.5]
    probabilities = np.zeros((16, 2))
    probabilities[9, 0], probabilities[10, 0] = 0.6, 0.9  # a Hit seen at 2.5 s
    events = [AnswerEvent(2.25, 2.25, "Hit", "near the peak"), AnswerEvent(0.5, 0.5, "Hit", "no evidence"),
              AnswerEvent(1.0, 1.5, "FIRE", "unknown to the head"), AnswerEvent(2.5, 2.5, "Loss", "below threshold")]
    kept, rejected = check_events(events, probabilities, TIMES, types, thresholds, radius=0.5)
    assert rejected == 2
    assert [(e.onset, e.offset, e.trial_type, e.description) for e in kept] == [
        (2.5, 2.5, "Hit", "near the peak"), (1.0, 1.5, "FIRE", "unknown to the head")]


def test_thresholds_maximise_frame_f1():
    rng = np.random.default_rng(0)
    targets = np.zeros((200, 3))
    targets[rng.choice(200, 20, replace=False), 0] = 1
    probabilities = np.where(targets > 0, 0.72, 0.3) + rng.uniform(-0.05, 0.05, targets.shape)
    chosen = best_thresholds(probabilities, targets)
    assert 0.35 <= chosen[0] <= 0.65  # separates the two groups
    assert chosen[1] == chosen[2] == 0.5  # no positives: the default


def test_temporal_head_keeps_clips_apart():
    torch.manual_seed(0)
    head = EventHead(8, 2, temporal=True)
    a, b = torch.randn(5, 8), torch.randn(4, 8)
    together = head(torch.cat([a, b]), [5, 4])
    torch.testing.assert_close(together[:5], head(a, [5]))
    torch.testing.assert_close(together[5:], head(b, [4]))
    assert not torch.allclose(head(torch.cat([a, b]), [9])[3:5], together[3:5])  # neighbours do matter


def test_numbers_written_without_a_dot_are_read_as_numbers():
    config = config_from_dict({"train": {"lr": "2e-3", "vision_warmup_steps": 5, "steps": 10}})
    assert config.train.lr == 0.002 and config.train.total_steps == 15
    with pytest.raises(ValueError, match="train.lr must be a number"):
        config_from_dict({"train": {"lr": "fast"}})
    with pytest.raises(ValueError, match="vision_warmup_steps"):
        config_from_dict({"train": {"vision_warmup_steps": -1, "steps": 10}})
    with pytest.raises(ValueError, match="frames.normalize"):
        config_from_dict({"frames": {"normalize": "imagenet"}})


def test_salient_answer_types_come_from_the_game():
    from shinobi_tools.vlm.targets import resolve_answer_types

    data = DataConfig(answer_types="salient")
    assert resolve_answer_types(data, "airstriker", ["EnemyDestroyed", "FIRE", "LifeLost"]) is None
    assert data.answer_types == ["EnemyDestroyed", "LifeLost"]
    with pytest.raises(ValueError, match="--game"):
        resolve_answer_types(DataConfig(answer_types="salient"), None, ["FIRE"])
    # e.g. a list of Airstriker types on Shinobi data: said, not fatal (a short dataset may have none yet)
    warning = resolve_answer_types(DataConfig(answer_types=["EnemyDestroyed"]), None, ["Kill", "HIT"])
    assert "never occur" in warning and "Kill, HIT" in warning
