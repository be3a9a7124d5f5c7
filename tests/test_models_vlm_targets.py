"""Answer shaping for training, detector-checked decoding and threshold calibration (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shinobi_tools.dataset.answers import NO_EVENT, AnswerEvent, parse_events
from shinobi_tools.errors import ConfigError
from shinobi_tools.models.vlm.calibration import best_settings
from shinobi_tools.models.vlm.config import DataConfig, config_from_dict
from shinobi_tools.models.vlm.decoding import FrameSeries, Peak, check_events, head_peaks, peak_onsets
from shinobi_tools.models.vlm.head import EventHead, HeadSettings, load_head, save_head
from shinobi_tools.models.vlm.targets import shape_messages

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


def test_head_peaks_keep_close_events_apart_and_stand_for_onsets():
    probabilities = np.zeros((16, 2))
    probabilities[[5, 6, 8], 0] = [0.9, 0.4, 0.7]  # two hits two frames apart, a weaker neighbour of the first
    probabilities[3, 1] = 0.45  # below its type's threshold
    peaks = head_peaks(probabilities, 4.0, ["Hit", "Loss"], [0.5, 0.5], [1, 1], ["Hit", "Loss"])
    # half a frame before the frame the head fired on: the first frame showing an event comes after it began
    assert [(p.frame, p.time, p.trial_type) for p in peaks] == [(5, 1.125, "Hit"), (8, 1.875, "Hit")]
    assert [p.frame for p in head_peaks(probabilities, 4.0, ["Hit", "Loss"], [0.5, 0.5], [4, 1], ["Hit"])] == [5]


def test_frame_series_averages_overlapping_windows():
    series = FrameSeries(1)
    series.add(0, np.full((4, 1), 0.2))
    series.add(2, np.full((4, 1), 0.6))
    assert series.mean().ravel().tolist() == pytest.approx([0.2, 0.2, 0.4, 0.4, 0.6, 0.6])


def test_checked_decoding_matches_events_to_detections_one_to_one():
    peaks = [Peak(9, 2.125, "Hit", 0.9), Peak(10, 2.375, "Hit", 0.8), Peak(2, 0.375, "Loss", 0.7)]
    events = [AnswerEvent(2.25, 2.25, "Hit", "near both"), AnswerEvent(0.5, 0.5, "Hit", "no evidence"),
              AnswerEvent(1.0, 1.5, "FIRE", "unknown to the head"), AnswerEvent(2.3, 2.6, "Hit", "the second one")]
    kept, unmatched, rejected = check_events(events, peaks, ["Hit", "Loss"], radius=0.5)
    assert rejected == 1
    assert [(e.onset, round(e.offset, 6), e.trial_type, e.description) for e in kept] == [
        (1.0, 1.5, "FIRE", "unknown to the head"), (2.125, 2.125, "Hit", "near both"),
        (2.375, 2.675, "Hit", "the second one")]  # each detection confirms one event, moved there with its length
    assert unmatched == [peaks[2]]


def test_settings_maximise_event_f1_on_clips():
    rng = np.random.default_rng(0)
    times = np.arange(16) / 4
    probabilities, onsets = [], []
    for _ in range(30):
        p = rng.uniform(0.0, 0.55, (16, 3))  # noise up to 0.55: the middle threshold 0.5 would find it
        frames = rng.choice(np.arange(4, 15, 4), 2, replace=False)  # onsets 0.1 s before a frame, none before 0
        p[frames, 0] = 0.82
        p[frames + 1, 0] = 0.8  # the next frame still shows it: no threshold of the grid separates the two, a gap does
        probabilities.append(p)
        onsets.append([np.sort(times[frames]) - 0.1, np.array([]), np.array([])])
    settings = best_settings(probabilities, onsets, fps=4.0, tolerance=0.5)
    for p, o in zip(probabilities, onsets):  # exactly one detection per event, at its time
        found = peak_onsets(p[:, 0], 4.0, settings.thresholds[0], settings.gaps[0])[1]
        assert np.allclose(found, o[0] - 0.025), (settings, found)
    assert settings.thresholds[1:] == [0.5, 0.5] and settings.gaps[1:] == [1, 1]  # no events: the defaults


def test_event_head_keeps_clips_apart_and_round_trips(tmp_path):
    torch.manual_seed(0)
    head = EventHead(8, 2, change_features=6)
    a, b = torch.randn(5, 4, 8), torch.randn(4, 4, 8)
    pa, pb = torch.randn(5, 16, 6), torch.randn(4, 16, 6)
    together = head(torch.cat([a, b]), torch.cat([pa, pb]), [5, 4])
    torch.testing.assert_close(together[:5], head(a, pa, [5]))
    torch.testing.assert_close(together[5:], head(b, pb, [4]))
    assert not torch.allclose(head(torch.cat([a, b]), torch.cat([pa, pb]), [9])[3:7], together[3:7])  # neighbours
    # one patch that changes alone moves the score: the change features see what averaging washes out
    tokens, still = torch.zeros(3, 4, 8), torch.zeros(3, 16, 6)
    flash = still.clone()
    flash[1, 0] = 5.0
    assert not torch.allclose(head(tokens, still)[1], head(tokens, flash)[1])
    assert EventHead(8, 2)(a).shape == (5, 2)  # without change features: the token means only
    save_head(head, ["Hit", "Loss"], HeadSettings([0.4, 0.6], [1, 2]), tmp_path)
    loaded, types, settings = load_head(tmp_path)
    torch.testing.assert_close(loaded(a, pa), head(a, pa))
    assert types == ["Hit", "Loss"] and settings == HeadSettings([0.4, 0.6], [1, 2])
    torch.save({"weights": {}, "types": []}, tmp_path / "aux_head.pt")  # an older format: a clear error
    with pytest.raises(ValueError, match="fine-tune the model again"):
        load_head(tmp_path)


def test_numbers_written_without_a_dot_are_read_as_numbers():
    config = config_from_dict({"train": {"lr": "2e-3", "vision_warmup_steps": 5, "steps": 10}})
    assert config.train.lr == 0.002 and config.train.total_steps == 15
    with pytest.raises(ConfigError, match="train.lr must be a number, not 'fast'"):
        config_from_dict({"train": {"lr": "fast"}})
    with pytest.raises(ValueError, match="vision_warmup_steps"):
        config_from_dict({"train": {"vision_warmup_steps": -1, "steps": 10}})
    with pytest.raises(ValueError, match="frames.normalize"):
        config_from_dict({"frames": {"normalize": "imagenet"}})


def test_salient_answer_types_come_from_the_game():
    from shinobi_tools.models.vlm.targets import resolve_answer_types

    data = DataConfig(answer_types="salient")
    # the game's salient types in the default (CNeuroMod's) vocabulary; `finetune --vocabulary legacy` passes the
    # legacy ones as a list
    assert resolve_answer_types(data, "airstriker", ["Action/Attack", "EnemyDefeated", "PlayerDied"]) is None
    assert data.answer_types == ["EnemyDefeated", "PlayerDied"]
    with pytest.raises(ValueError, match="--game"):
        resolve_answer_types(DataConfig(answer_types="salient"), None, ["FIRE"])
    # e.g. a list of Airstriker types on Shinobi data: said, not fatal (a short dataset may have none yet)
    warning = resolve_answer_types(DataConfig(answer_types=["EnemyDestroyed"]), None, ["Kill", "HIT"])
    assert "never occur" in warning and "Kill, HIT" in warning


def test_hierarchical_types_survive_shaping_and_parsing():
    """CNeuroMod's names (Screen/Death, WeaponPowerupStarted/Ninjutsu1) through the trainer's answers and back."""
    events = [{"onset": 0.6, "offset": 1.9, "trial_type": "Screen/Death", "description": "The death animation plays."},
              {"onset": 2.3, "offset": 2.3, "trial_type": "WeaponPowerupStarted/Ninjutsu1", "description": "Magic."}]
    data = DataConfig(answer_types=["Screen/Death", "WeaponPowerupStarted/Ninjutsu1"], snap_times=True)
    shaped = shape_messages(MESSAGES, events, TIMES, data, "{t}s")[1]["content"]
    parsed = parse_events(shaped)
    assert parsed.malformed == 0
    assert [(e.onset, e.trial_type) for e in parsed.events] == [(0.75, "Screen/Death"),
                                                                (2.5, "WeaponPowerupStarted/Ninjutsu1")]
