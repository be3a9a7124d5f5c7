"""Frames, time markers, config, chat rendering with answer-only labels (lib/shinobi_tools/vlm)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")

from shinobi_tools.media.video import Mp4Writer
from shinobi_tools.models.vlm.config import load_config
from shinobi_tools.models.vlm.data import frame_values, load_qa, onset_targets, sampling_weights, step_targets
from shinobi_tools.models.vlm.frames import compact_seconds, sample_frames, time_marker
from shinobi_tools.models.vlm.prompt import IGNORE, encode, segments
from shinobi_tools.models.vlm.synthetic import write_synthetic_qa

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def qa(tmp_path_factory) -> Path:
    return write_synthetic_qa(tmp_path_factory.mktemp("qa"), clips=4)


@pytest.fixture(scope="module", params=["tiny-smolvlm", "tiny-qwen2_5_vl", "tiny-qwen3_vl"])
def vlm(request):
    from shinobi_tools.models.vlm.bases import load_base
    from shinobi_tools.models.vlm.config import ModelConfig

    return load_base(ModelConfig(kind=request.param))


def test_sampled_frames_are_the_ones_shown_at_each_time(tmp_path):
    with Mp4Writer(tmp_path / "ramp.mp4", fps=8, crf=0) as writer:
        for i in range(32):
            writer.write(np.full((48, 64, 3), i * 8, dtype=np.uint8))
    sample = sample_frames(tmp_path / "ramp.mp4", fps=4, width=32, height=24)
    assert sample.frames.shape == (16, 24, 32, 3)
    np.testing.assert_allclose(sample.times, np.arange(16) / 4)
    # frame 2k is shown at k/4 s: its grey level is 16k (± codec error)
    assert np.abs(sample.frames[:, 12, 16, 1].astype(int) - np.arange(16) * 16).max() <= 3
    window = sample_frames(tmp_path / "ramp.mp4", fps=2, width=32, height=24, start=1.0, duration=2.0)
    np.testing.assert_allclose(window.times, [1.0, 1.5, 2.0, 2.5])


def test_time_markers_are_compact():
    assert [compact_seconds(t) for t in (0, 0.25, 1.5, 2.0, 3.14159, 12.999)] == ["0", "0.25", "1.5", "2", "3.14", "13"]
    assert time_marker(2.25) == "2.25s"
    assert time_marker(2.25, "<{t}s>") == "<2.25s>"


def test_demo_config_loads_and_unknown_keys_are_named():
    config = load_config(REPO / "config" / "finetune_demo.yaml", {"train.steps": 3})
    assert config.model.kind == "embedded" and config.train.steps == 3
    with pytest.raises(ValueError, match="train.stpes"):
        load_config(REPO / "config" / "finetune_demo.yaml", {"train.stpes": 3})


def test_records_targets_and_weights(qa):
    records = load_qa(qa)
    assert all(r.video.exists() for r in records)
    times = np.arange(16) / 4
    # the onset only (not the frames during a long event), on the first frame at or after it
    targets = onset_targets([{"onset": 1.1, "offset": 1.6, "trial_type": "B"}], times, ["A", "B"])
    assert targets[:, 1].nonzero()[0].tolist() == [5] and targets[:, 0].sum() == 0
    assert step_targets(targets, [[4, 5], [6, 7], [8, 9]]).tolist() == [[0, 1], [0, 0], [0, 0]]
    assert frame_values(np.array([[0.1], [0.7]]), [[0, 1], [2]]).ravel().tolist() == [0.1, 0.1, 0.7]
    # events after the last frame are shown by none; an exact frame time is that frame
    instants = [{"onset": 2.3, "offset": 2.3, "trial_type": "A"}, {"onset": 3.0, "offset": 3.0, "trial_type": "A"},
                {"onset": 3.9, "offset": 3.9, "trial_type": "A"}]
    assert onset_targets(instants, times, ["A"])[:, 0].nonzero()[0].tolist() == [10, 12]
    weights = sampling_weights(records, power=1.0)
    rare = [i for i, r in enumerate(records) if any(e["trial_type"] == "Flash" for e in r.events)]
    assert weights[rare].min() > weights.min()


def test_labels_cover_the_answers_only(vlm, qa):
    record = load_qa(qa)[0]
    answer = record.messages[1]["content"]
    messages = record.messages + [{"role": "user", "content": "Again?"}, {"role": "assistant", "content": "Yes."}]
    sample = sample_frames(record.video, 4, 64, 48)
    encoded = encode(vlm.family, messages, sample.frames, sample.times, "{t}s")
    labelled = [t for t, label in zip(encoded.input_ids, encoded.labels) if label != IGNORE]
    text = vlm.tokenizer.decode(labelled)
    assert text.startswith(answer) and "Yes." in text and "Again?" not in text and "List the" not in text
    assert len(encoded.input_ids) == len(encoded.labels) == len(encoded.token_types)
    # the generation prompt is exactly the prompt part of the training sequence
    prompt = encode(vlm.family, messages, sample.frames, sample.times, "{t}s", generation=True)
    assert encoded.input_ids[: len(prompt.input_ids)] == prompt.input_ids
    assert all(label == IGNORE for label in encoded.labels[: len(prompt.input_ids)])
    # time markers precede the frames, once per step
    decoded = vlm.tokenizer.decode(prompt.input_ids)
    assert "0s" in decoded and "0.5s" in decoded and "3.5s" in decoded
    assert len(prompt.steps) == (16 if vlm.family.name == "smolvlm" else 8)


def test_video_tag_is_replaced_once(vlm):
    pieces = segments(vlm.tokenizer, [{"role": "user", "content": "<video>What?"}], generation=True)
    assert len(pieces) == 1 and "<video>" not in pieces[0][0] and pieces[0][0].count("\ue000VIDEO\ue000") == 1


def test_jittered_phases_sample_other_frames_and_keep_the_events(tmp_path, vlm):
    """With frames.jitter = 2 (8 fps clips sampled at 4 fps) phase 1 shows the frames between phase 0's."""
    from dataclasses import replace

    from shinobi_tools.models.vlm.batch import ClipDataset
    from shinobi_tools.models.vlm.config import DataConfig, FramesConfig

    with Mp4Writer(tmp_path / "ramp.mp4", fps=8, crf=0) as writer:
        for i in range(32):
            writer.write(np.full((48, 64, 3), i * 8, dtype=np.uint8))
    events = [{"onset": 1.3, "offset": 1.3, "trial_type": "A"}]
    record = load_qa(write_synthetic_qa(tmp_path / "qa", clips=1))[0]
    record = replace(record, video=tmp_path / "ramp.mp4", events=events)
    frames = FramesConfig(fps=4, width=32, height=24, jitter=2)
    dataset = ClipDataset([record], vlm.family, frames, ["A"], DataConfig())
    first, second = dataset.example(0, 0), dataset.example(0, 1)
    np.testing.assert_allclose(first.times, np.arange(16) / 4)
    np.testing.assert_allclose(second.times, np.arange(16) / 4 + 0.125)
    for example, frame in ((first, 6), (second, 5)):  # the first frame showing the onset: 1.5 s, 1.375 s
        positive = example.aux_targets[:, 0].nonzero().ravel().tolist()
        assert len(positive) == 1 and frame in example.encoded.steps[positive[0]]
    assert dataset[0].times.tolist() == first.times.tolist()  # evaluation uses phase 0
    uncached = ClipDataset([record], vlm.family, replace(frames, cache_mb=0), ["A"], DataConfig())
    assert uncached.example(0, 1).encoded.input_ids == second.encoded.input_ids and not uncached._cache
    assert set(dataset._cache) == {(0, 0), (0, 1)}  # built once, then served from memory
    assert dataset.example(0, 1).encoded.input_ids == second.encoded.input_ids
