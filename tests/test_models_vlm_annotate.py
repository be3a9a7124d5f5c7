"""Generation → parser → events with tiny models, and whole-video annotation (shinobi_tools/models/vlm/annotate.py)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("peft")

from shinobi_tools.dataset.answers import parse_events
from shinobi_tools.errors import ConfigError, InputError
from shinobi_tools.media.video import Mp4Writer
from shinobi_tools.models.vlm import pool, video_job
from shinobi_tools.models.vlm.annotate import annotate_many, annotate_video
from shinobi_tools.models.vlm.data import load_qa
from shinobi_tools.models.vlm.detections import Detection, merge_detections
from shinobi_tools.models.vlm.generate import generate_answers, iter_windows
from shinobi_tools.models.vlm.head import HeadSettings
from shinobi_tools.models.vlm.model import load_model
from shinobi_tools.models.vlm.synthetic import write_synthetic_qa
from shinobi_tools.models.vlm.train import train

from test_models_vlm_models import KINDS, run_config


def test_windows_cover_the_video_with_overlap(tmp_path):
    with Mp4Writer(tmp_path / "v.mp4", fps=8) as writer:
        for i in range(8 * 11):
            writer.write(np.full((24, 32, 3), i * 2, dtype=np.uint8))
    windows = list(iter_windows(tmp_path / "v.mp4", 4, 32, 24, seconds=4.0, overlap=1.0))
    assert [w.start for w in windows] == [0.0, 3.0, 6.0, 7.0]  # the last one ends with the video
    assert all(len(w.times) == 16 and w.times[0] == 0 and w.times[-1] == 3.75 for w in windows)
    short = list(iter_windows(tmp_path / "v.mp4", 4, 32, 24, seconds=20.0, overlap=1.0))
    assert len(short) == 1 and len(short[0].times) == 44


def test_duplicates_merge_keeping_the_most_central_detection():
    detections = [
        Detection(3.5, 3.8, "Fire", "edge", centrality=0.2),
        Detection(3.6, 3.9, "Fire", "centre", centrality=0.6),
        Detection(3.6, 3.9, "Jump", "other type", centrality=0.1),
        Detection(5.0, 5.2, "Fire", "later", centrality=1.0),
    ]
    merged = merge_detections(detections, tolerance=0.5)
    assert [(d.onset, d.trial_type, d.description) for d in merged] == [
        (3.6, "Fire", "centre"), (3.6, "Jump", "other type"), (5.0, "Fire", "later")]


class _FakeVLM:
    meta = {"fps": 4, "width": 32, "height": 24, "clip_seconds": 4.0, "time_marker": "{t}s", "prompt": "Q"}
    aux_head = aux_settings = fast = None


def test_annotation_maps_times_counts_malformed_and_merges(tmp_path, monkeypatch):
    with Mp4Writer(tmp_path / "v.mp4", fps=8) as writer:
        for i in range(8 * 10):
            writer.write(np.zeros((24, 32, 3), dtype=np.uint8))
    answers = {
        0.0: "3.50s-3.70s Fire: The player fires.\ngarbage line",  # → 3.5 (near the window's end)
        3.0: "0.55s-0.75s Fire: The player fires.\n2.00s-2.50s Jump: The player jumps.",  # → 3.55 dup, 5.0
        6.0: "No notable event.",
    }

    def fake_generate(vlm, windows, prompt, marker, max_new_tokens, prefixes=None, fast_runs=None,
                      line_confidences=None, stop_at_newline=False, stop_loops=False):
        return [answers.get(w.start, "???") for w in windows], [None] * len(windows)

    monkeypatch.setattr(pool, "generate_answers", fake_generate)
    result = annotate_video(tmp_path / "v.mp4", _FakeVLM(), overlap=1.0, batch_size=2)
    table = result.events
    assert list(table.columns) == ["onset", "duration", "trial_type", "description", "confidence"]
    assert table[["onset", "trial_type"]].values.tolist() == [[3.55, "Fire"], [5.0, "Jump"]]
    assert table.duration.tolist() == [0.2, 0.5]
    # windows at 0, 3, 6 s: one garbage line; the 0 s and 3 s Fire are one event
    assert result.windows == 3 and result.malformed == 1 and result.merged == 1
    assert result.video_seconds == 10.0


class _FakeHeadVLM(_FakeVLM):
    meta = dict(_FakeVLM.meta, event_types=["Hit", "Loss"], snapped_times=True)
    aux_head, aux_settings = object(), HeadSettings([0.5, 0.5], [1, 1])


def test_decodings_check_and_complete_the_text_with_the_frame_head(tmp_path, monkeypatch):
    with Mp4Writer(tmp_path / "v.mp4", fps=8) as writer:
        for i in range(8 * 4):
            writer.write(np.zeros((24, 32, 3), dtype=np.uint8))
    probabilities = np.zeros((16, 2))
    probabilities[5, 0] = 0.9   # a Hit seen at 1.25 s
    probabilities[10, 1] = 0.8  # a Loss at 2.5 s, which the text leaves out
    prompts = []

    def fake_generate(vlm, windows, prompt, marker, max_new_tokens, prefixes=None, fast_runs=None,
                      line_confidences=None, stop_at_newline=False, stop_loops=False):
        prompts.append(prefixes)
        if prefixes:  # asked to go on after "2.5s Loss:"
            return [" The player loses a life.\n3s Hit: more"] * len(windows), [probabilities] * len(windows)
        return ["1s Hit: A hit.\n3s Hit: Nothing there."] * len(windows), [probabilities] * len(windows)

    monkeypatch.setattr(pool, "generate_answers", fake_generate)
    rows = {}
    for decoding in ("text", "checked", "assisted"):
        result = annotate_video(tmp_path / "v.mp4", _FakeHeadVLM(), decoding=decoding)
        table = result.events
        rows[decoding] = [tuple(r) for r in table[["onset", "trial_type", "description"]].itertuples(index=False)]
    # snapped answers: half a frame (0.125 s) earlier than the frame named
    assert rows["text"] == [(0.875, "Hit", "A hit."), (2.875, "Hit", "Nothing there.")]
    assert rows["checked"] == [(1.125, "Hit", "A hit.")]  # moved to the head's frame; 3 s has no evidence
    assert rows["assisted"] == [(1.125, "Hit", "A hit."), (2.375, "Loss", "The player loses a life.")]
    assert prompts[-1] == ["2.5s Loss:"] and result.proposed == 1 and result.rejected == 1
    assert result.text_events.onset.tolist() == [0.875, 2.875]
    with pytest.raises(ConfigError, match="decoding"):
        annotate_video(tmp_path / "v.mp4", _FakeHeadVLM(), decoding="beam")


def test_close_detections_in_overlapping_windows_stay_two_events(tmp_path, monkeypatch):
    with Mp4Writer(tmp_path / "v.mp4", fps=8) as writer:
        for i in range(8 * 7):
            writer.write(np.zeros((24, 32, 3), dtype=np.uint8))
    seen = {0.0: [13, 15], 3.0: [1, 3]}  # two hits, video frames 13 and 15, in both windows (0-4 s and 3-7 s)
    texts = {0.0: "3.25s Hit: First.", 3.0: "0.25s Hit: First, again."}
    prompts = []

    def fake_generate(vlm, windows, prompt, marker, max_new_tokens, prefixes=None, fast_runs=None,
                      line_confidences=None, stop_at_newline=False, stop_loops=False):
        probabilities = []
        for w in windows:
            p = np.zeros((16, 2))
            p[seen[w.start], 0] = 0.9
            probabilities.append(p)
        if prefixes:
            prompts.append((windows[0].start, prefixes))
            return [" Second."] * len(windows), probabilities
        return [texts[w.start] for w in windows], probabilities

    monkeypatch.setattr(pool, "generate_answers", fake_generate)
    result = annotate_video(tmp_path / "v.mp4", _FakeHeadVLM(), decoding="assisted")
    table = result.events
    assert [tuple(r) for r in table[["onset", "trial_type", "description"]].itertuples(index=False)] == [
        (3.125, "Hit", "First."), (3.625, "Hit", "Second.")]
    assert result.merged == 1 and result.proposed == 1
    assert prompts == [(3.0, ["0.75s Hit:"])]  # described in the window that shows it farthest from its edges


def _three_videos(folder) -> list:
    """Three 2.5 s videos, told apart by their brightness: 10, 90, 170."""
    videos = []
    for level in (10, 90, 170):
        videos.append(folder / f"v{level}.mp4")
        with Mp4Writer(videos[-1], fps=8) as writer:
            for i in range(20):
                writer.write(np.full((24, 32, 3), level, dtype=np.uint8))
    return videos


def _answer_by_brightness(monkeypatch, batches: list, loss_peaks: bool = False) -> None:
    """Generation answers a window of video k (brightness order) with one Hit described 'Video k.'; with
    ``loss_peaks``, the event head also sees a Loss on each window's second frame (which the text leaves out)."""

    def fake_generate(vlm, windows, prompt, marker, max_new_tokens, prefixes=None, fast_runs=None,
                      line_confidences=None, stop_at_newline=False, stop_loops=False):
        levels = [int(round(w.frames.mean() / 80)) for w in windows]  # 0, 1, 2
        batches.append((len(windows), fast_runs, levels, bool(prefixes)))
        probabilities = [None] * len(windows)
        if loss_peaks:
            probabilities = [np.zeros((len(w.times), 2)) for w in windows]
            for p in probabilities:
                p[1, 1] = 0.9
        if prefixes:  # asked to describe a detection
            return [f" Video {level}." for level in levels], probabilities
        return [f"{0.5 + level}s-{1.0 + level}s Hit: Video {level}." for level in levels], probabilities

    monkeypatch.setattr(pool, "generate_answers", fake_generate)


def test_windows_of_several_videos_share_batches_and_answers_reach_their_video(tmp_path, monkeypatch):
    videos = _three_videos(tmp_path)
    batches = []
    _answer_by_brightness(monkeypatch, batches)
    finished = []
    stats = {}
    results = annotate_many(videos, _FakeVLM(), batch_size=4, window_seconds=1.0, overlap=0.0,
                            finished=lambda video, result: finished.append(video), pool_stats=stats)
    # 3 windows per video (1 s, 1 s, the 0.5 s tail ending with the video): 9 windows in batches of 4, 4, 1
    assert [size for size, *_ in batches] == [4, 4, 1] and stats == {"batches": 3, "requests": 9}
    assert batches[0][1] == [None] * 4  # one fast run per window (none: this model has no fast pathway)
    assert sorted(finished) == sorted(videos) and [video for video, _ in results] == videos
    for level, (video, result) in enumerate(results):
        assert set(result.events.description) == {f"Video {level}."}, video
        assert result.windows == 3 and result.video_seconds == 2.5


def _break_off(monkeypatch, video, on_read: int) -> None:
    """``video`` breaks off after its first window on its ``on_read``-th read (1: the text pass, 2: descriptions)."""
    real_windows, reads = video_job.iter_windows, []

    def breaking(path, **frames):
        reads.append(path)
        for window in real_windows(path, **frames):
            yield window
            if path == video and reads.count(path) == on_read:
                raise InputError(f"{path}: the video breaks off after 8 frames; re-run its replay")

    monkeypatch.setattr(video_job, "iter_windows", breaking)


@pytest.mark.parametrize("on_read", [1, 2])
def test_a_video_that_breaks_off_fails_alone(tmp_path, monkeypatch, on_read):
    """In its text pass or its description pass: its error is its result, and the videos queued before it and
    those after it are annotated."""
    videos = _three_videos(tmp_path)
    batches = []
    _answer_by_brightness(monkeypatch, batches, loss_peaks=True)
    _break_off(monkeypatch, videos[1], on_read)
    finished = {}
    results = annotate_many(videos, _FakeHeadVLM(), batch_size=8, window_seconds=1.0, overlap=0.0,
                            decoding="assisted", finished=lambda video, result: finished.update({video: result}))
    assert set(finished) == set(videos) and [video for video, _ in results] == videos
    error = results[1][1]
    assert isinstance(error, InputError) and "v90.mp4: the video breaks off" in str(error)
    # its requests still queued when it failed were dropped: in the pass that failed, none of it is generated
    assert not [levels for _, _, levels, describing in batches if describing == (on_read == 2) and 1 in levels]
    for level in (0, 2):
        events = results[level][1].events
        assert set(events.trial_type) == {"Loss"} and set(events.description) == {f"Video {level}."}
    monkeypatch.undo()
    _answer_by_brightness(monkeypatch, [], loss_peaks=True)
    _break_off(monkeypatch, videos[1], on_read)
    with pytest.raises(InputError, match="v90.mp4: the video breaks off"):  # alone: raised
        annotate_video(videos[1], _FakeHeadVLM(), window_seconds=1.0, overlap=0.0, decoding="assisted")


@pytest.mark.parametrize("kind", KINDS)
def test_generation_parses_into_video_events(kind, tmp_path):
    """A model drilled on one clip writes its answer; annotation maps it to video time."""
    qa = write_synthetic_qa(tmp_path / "qa", clips=1, seconds=2.0)
    config = run_config(kind, qa, tmp_path / "run", steps=35, batch_size=1, lr=3e-2, lr_vision=3e-2,
                        checkpoint_every=1000, eval_every=1000, aux_loss_weight=0.0)
    config.data.val = None
    config.model.lora_r = 16
    final = train(config)
    vlm = load_model(final)
    expected = parse_events(load_qa(qa)[0].messages[1]["content"]).events
    window = next(iter_windows(load_qa(qa)[0].video, 4, 64, 48, 2.0, 0.5))
    answer, _ = generate_answers(vlm, [window, window], vlm.meta["prompt"], "{t}s", 64)
    assert answer[0] == answer[1]  # left padding in a batch does not change the answer
    assert parse_events(answer[0]).events == expected, answer
    result = annotate_video(load_qa(qa)[0].video, vlm, window_seconds=2.0, overlap=0.5, batch_size=2)
    table = result.events
    assert list(table.columns) == ["onset", "duration", "trial_type", "description", "confidence"]
    assert result.windows == 1 and result.malformed == 0
    assert [(round(r.onset, 2), r.trial_type) for r in table.itertuples()] == [
        (round(e.onset, 2), e.trial_type) for e in expected]


