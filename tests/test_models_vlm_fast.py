"""The video LLM's fast pathway (lib/shinobi_tools/models/vlm/fast/): pooled fast tokens, their injection into the
language model, training on synthetic clips, the clips' tokens from their runs, the whole library path (fine-tune
with it, save, load, annotate) with the tiny random models, and the text's confidences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("peft")

from shinobi_tools.media.video import Mp4Writer
from shinobi_tools.models.detect import Detector
from shinobi_tools.models.eventnet import EventNet
from shinobi_tools.models.vlm.annotate import annotate_many, annotate_video
from shinobi_tools.models.vlm.bases import load_base
from shinobi_tools.models.vlm.config import FastConfig, config_from_dict
from shinobi_tools.models.vlm.data import event_types, load_qa
from shinobi_tools.models.vlm.fast.pathway import FAST_FILE, FastPathway, FastRun, load_fast
from shinobi_tools.models.vlm.fast.pretrain import clip_runs, train_pathway
from shinobi_tools.models.vlm.fast.tokens import ClipSource, FastInjector, FastProjector, add_fast_token
from shinobi_tools.models.vlm.model import load_model
from shinobi_tools.models.vlm.synthetic import write_synthetic_qa
from shinobi_tools.models.vlm.train import train

SMALL = {"width": 32, "height": 24, "channels": [8, 16], "feature_dim": 32, "temporal_dim": 32, "dilations": [1, 2],
         "window": 16}


def _pathway(types, durations, fps=10.0):
    net = EventNet(len(types), **{k: SMALL[k] for k in ("channels", "feature_dim", "temporal_dim", "dilations")},
                   active=True)
    return FastPathway(net, Detector(types, durations), fps, 32, 24, tokens_per_step=2)


def _run(onset_probs, active_probs, fps=10.0, hidden=None):
    n = len(onset_probs)
    logit = lambda p: torch.logit(torch.tensor(p, dtype=torch.float32).clamp(1e-4, 1 - 1e-4))
    logits = torch.cat([logit(onset_probs), logit(active_probs)], dim=1)
    hidden = torch.zeros(n, 32) if hidden is None else hidden
    return FastRun(np.arange(n) / fps, hidden, logits, fps)


def test_fast_tokens_pool_the_frames_of_each_half_step():
    pathway = _pathway(["Press"], durations=[0.0])
    hidden = torch.arange(20, dtype=torch.float32)[:, None].repeat(1, 32)  # frame k's features are all k
    run = _run(np.zeros((20, 1)).tolist(), np.zeros((20, 1)).tolist(), hidden=hidden)
    assert pathway.token_span == "after"
    tokens = pathway.tokens(run, np.array([0.0, 1.0]), period=0.4)
    assert tokens.shape == (4, 32 + 2)
    # [0, 0.2) holds frames 0, 1 → max 1; [0.2, 0.4) → 3; then 11 and 13
    assert tokens[:, 0].tolist() == [1.0, 3.0, 11.0, 13.0]
    # "since": what happened since the previous detailed frame. Before the video: its first frame; (0.6, 0.8] holds
    # frames 7, 8 → max 8; (0.8, 1.0] frames 9, 10 → 10 (the frame at t itself is in t's tokens)
    pathway.token_span = "since"
    assert pathway.tokens(run, np.array([0.0, 1.0]), period=0.4)[:, 0].tolist() == [0.0, 0.0, 8.0, 10.0]


@pytest.fixture(scope="module")
def qa(tmp_path_factory) -> Path:
    return write_synthetic_qa(tmp_path_factory.mktemp("fastqa"), clips=12)


def test_the_pathway_learns_onsets_and_spans_of_synthetic_events(qa):
    records = load_qa(qa)
    types = event_types(records)
    config = FastConfig(enabled=True, steps=120, batch_size=4, lr=5e-3, **SMALL)
    clips = list(clip_runs(records, config, types).values())
    runs = [run for _, run in clips]
    pathway = train_pathway(runs, runs, types, config, seed=0)
    scores = pathway.meta["validation"]
    assert scores["Square"]["val_f1"] >= 0.8 and scores["Square"]["val_iou"] >= 0.5, scores
    frames, run = next((f, r) for f, r in clips if (r.events["trial_type"] == "Square").any())
    truth = float(run.events.loc[run.events["trial_type"] == "Square", "onset"].iloc[0])
    found = [d for d in pathway.detect(pathway.run_frames(frames)) if d.trial_type == "Square"]
    assert found and min(abs(d.onset - truth) for d in found) <= 0.25 and all(0 < d.confidence <= 1 for d in found)


@pytest.mark.parametrize("kind", ["tiny-smolvlm", "tiny-qwen2_5_vl"])
def test_the_language_model_reads_the_injected_fast_tokens(kind):
    config = config_from_dict({"model": {"kind": kind}})
    vlm = load_base(config.model)
    token_id = add_fast_token(vlm)
    assert vlm.tokenizer.convert_tokens_to_ids("<fast>") == token_id
    assert vlm.model.get_input_embeddings().num_embeddings > token_id
    ids = torch.tensor([[5, token_id, 7, token_id, 9]])
    injector = FastInjector(vlm.model, token_id)
    values = torch.randn(2, vlm.model.get_input_embeddings().embedding_dim)
    injector.set(values)
    embedded = vlm.model.get_input_embeddings()(ids)
    assert torch.allclose(embedded[0, [1, 3]], values) and not torch.allclose(embedded[0, 0], values[0])
    with torch.no_grad():
        first = vlm.model(input_ids=ids).logits
        injector.set(values * 3)
        second = vlm.model(input_ids=ids).logits
    assert not torch.allclose(first[0, 1:], second[0, 1:])   # later positions see the fast tokens
    assert torch.allclose(first[0, 0], second[0, 0], atol=1e-5)  # the one before does not (causal)
    injector.set(values[:1])
    with pytest.raises(ValueError, match="2 fast placeholders but 1"):
        vlm.model.get_input_embeddings()(ids)
    injector.remove()


def test_projector_with_names_adds_the_type_name_embedding_by_onset_probability():
    names = torch.randn(2, 16)
    projector = FastProjector(4 + 4, 16, names, hidden=4)
    x = torch.zeros(3, 8)
    x[:, 4:6] = torch.tensor([[-20.0, -20.0], [20.0, -20.0], [-20.0, 20.0]])  # onset logits of the two types
    with torch.no_grad():
        out, base = projector(x), projector.linear(projector.norm(x))
    assert torch.allclose(out[1] - base[1], names[0], atol=1e-4)
    assert torch.allclose(out[2] - base[2], names[1], atol=1e-4)
    assert torch.allclose(out[0], base[0], atol=1e-4)


def test_clip_tokens_come_from_the_source_run_at_the_clip_offset(tmp_path):
    """A workflow clip's fast tokens are its run's features from the clip's first frame on (the run found in its
    session folder, as the workflow lays replays out); a clip of no known run reads its own file."""
    run = "sub-01_ses-001_task-airstriker_run-01"
    replay = tmp_path / "replay" / "sub-01" / "ses-001"
    replay.mkdir(parents=True)
    with Mp4Writer(replay / f"{run}.mp4", fps=60) as writer:
        for i in range(240):
            writer.write(np.full((24, 32, 3), (i * 7) % 250, dtype=np.uint8))
    clips = tmp_path / "clips"
    (clips / run).mkdir(parents=True)
    (clips / f"{run}.json").write_text(json.dumps([{"id": f"{run}_clip-0001", "frame_start": 60, "fps": 60.0}]))
    pathway = _pathway(["Press"], durations=[0.0])
    pathway.width, pathway.height, pathway.fps = 32, 24, 30.0
    source = ClipSource(pathway, tmp_path / "replay")
    clip_tokens = source(clips / run / f"{run}_clip-0001.mp4", np.array([0.0, 0.5]), 0.25)
    whole = pathway.run(replay / f"{run}.mp4")
    assert torch.allclose(clip_tokens, pathway.tokens(whole, np.array([1.0, 1.5]), 0.25))
    assert not torch.allclose(clip_tokens, pathway.tokens(whole, np.array([0.0, 0.5]), 0.25))
    alone = tmp_path / "alone.mp4"
    with Mp4Writer(alone, fps=60) as writer:
        for i in range(60):
            writer.write(np.full((24, 32, 3), 250 - i, dtype=np.uint8))
    assert torch.allclose(source(alone, np.array([0.0]), 0.25),
                          pathway.tokens(pathway.run(alone), np.array([0.0]), 0.25))


@pytest.mark.parametrize("kind", ["tiny-smolvlm", "tiny-qwen2_5_vl"])
def test_fine_tuning_with_the_fast_pathway_saves_loads_and_annotates(kind, qa, tmp_path):
    config = config_from_dict({
        "model": {"kind": kind}, "frames": {"fps": 4, "width": 64, "height": 48},
        "data": {"train": str(qa), "val": str(qa)},
        "train": dict(output_dir=str(tmp_path / "run"), steps=2, batch_size=2, checkpoint_every=2, eval_every=2,
                      eval_batches=1, lr=5e-3, lr_vision=5e-3, warmup_steps=0, aux_loss_weight=0.0),
        "fast": dict(enabled=True, steps=60, lr=5e-3, name_embeddings=True, **SMALL)})
    final = train(config)
    assert (final / FAST_FILE).exists() and (tmp_path / "run" / FAST_FILE).exists()
    vlm = load_model(final)
    assert vlm.fast is not None and vlm.fast.projector is not None
    assert vlm.tokenizer.convert_tokens_to_ids("<fast>") == vlm.fast.token_id
    assert len(vlm.fast.projector.names) == 2  # Flash, Square
    again = load_fast(final)
    video = qa.parent / "clips" / "clip-000.mp4"
    assert np.allclose(vlm.fast.run(video).probabilities, again.run(video).probabilities)
    result = annotate_video(video, vlm, max_new_tokens=12, decoding="assisted")
    table = result.events
    assert list(table.columns) == ["onset", "duration", "trial_type", "description", "confidence"]
    head = vlm.fast.detect(vlm.fast.run(video))
    assert head, "the trained head finds the clip's events"
    # assisted decoding = the head's detections (checked text or added), with the head's durations and confidences
    assert sorted(zip(table.onset, table.trial_type)) == sorted((round(d.onset, 3), d.trial_type) for d in head)
    for d in head:
        row = table[(table.onset == round(d.onset, 3)) & (table.trial_type == d.trial_type)].iloc[0]
        assert row.duration == pytest.approx(d.duration, abs=1e-3)
        assert row.confidence == pytest.approx(d.confidence, abs=1e-3)
    text = result.text_events
    assert "confidence" in text.columns and ((text.confidence > 0) & (text.confidence <= 1)).all()
    # the default for fast models: no free text, the same detections, described by the language model
    fast_result = annotate_video(video, vlm)
    fast_table = fast_result.events
    columns = ["onset", "duration", "trial_type", "confidence"]
    assert fast_table[columns].values.tolist() == table.sort_values(["onset", "trial_type"])[columns].values.tolist()
    assert fast_result.text_events.empty and fast_table.description.str.len().gt(0).all()
    _pooled_videos_annotate_as_each_alone(vlm, sorted((qa.parent / "clips").glob("*.mp4"))[:4])


def _pooled_videos_annotate_as_each_alone(vlm, videos):
    """Windows and descriptions of several videos in shared batches (each window with its own video's fast
    tokens) give every video the events it gets alone, in fewer generation calls."""
    options = dict(decoding="assisted", describe="lm", max_new_tokens=12)
    pooled_stats, alone_stats = {}, {}
    pooled = annotate_many(videos, vlm, batch_size=8, pool_stats=pooled_stats, **options)
    assert [video for video, _ in pooled] == videos
    alone_calls = 0
    for video, result in pooled:
        (_, single), = annotate_many([video], vlm, batch_size=1, pool_stats=alone_stats, **options)
        alone_calls += alone_stats["batches"]
        for column in ("events", "text_events"):
            assert getattr(result, column).equals(getattr(single, column)), (video, column)
        assert (result.windows, result.proposed, result.rejected) == (single.windows, single.proposed, single.rejected)
    # one window per clip: the text pass is one batch for all four, not four
    assert pooled_stats["requests"] == alone_calls and pooled_stats["batches"] < alone_calls


def test_text_confidence_is_the_probability_of_each_lines_time_and_type():
    from shinobi_tools.models.vlm.generate import _line_likelihoods, parse_lines
    from shinobi_tools.models.vlm.tiny import byte_tokenizer

    tokenizer = byte_tokenizer([])
    answer = "1s A: x\n2s B: yy"
    ids = tokenizer(answer, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    vocab = len(tokenizer)
    chosen_p = [0.5 if i == 1 else 0.9 for i in range(len(ids))]  # the second token ('s') has probability 0.5
    scores = []
    for token, p in zip(ids, chosen_p):
        logits = torch.full((1, vocab), -1e9)
        logits[0, token] = np.log(p)
        logits[0, (token + 1) % vocab] = np.log(1 - p) if p < 1 else -1e9
        scores.append(logits)
    (lines,) = _line_likelihoods(tokenizer, torch.tensor([ids]), scores)
    # line 1 "1s A:" = 5 tokens (one at 0.5), line 2 "2s B:" = 5 tokens at 0.9; the descriptions do not count
    assert lines == pytest.approx([0.5 * 0.9**4, 0.9**5])
    events, malformed = parse_lines(answer, lines)
    assert [(e.trial_type, c) for e, c in events] == [("A", pytest.approx(0.5 * 0.9**4)), ("B", pytest.approx(0.9**5))]
    assert malformed == 0


def test_generation_stops_answers_that_loop():
    from shinobi_tools.models.vlm.generate import _AnswerStop, _looping
    from shinobi_tools.models.vlm.tiny import byte_tokenizer

    assert not _looping(["1s A: x", "2s B: y"])
    assert _looping(["1s A: x", "2s B: y", "1s A: x"])              # a repeated line
    assert not _looping(["1s A: x", "2.5s-3s B: y", "2s A: z"])      # back in time: LifeLost lines come last
    assert not _looping(["1s A: x", "1s B: y"]) and not _looping([])
    tokenizer = byte_tokenizer([])
    rows = [tokenizer("P" + text, add_special_tokens=False)["input_ids"] for text in
            ("1s A: x\n2s A: x\n1s A: x\n", "1s A: x\n2s B: y\n1s A")]
    width = max(map(len, rows))
    ids = torch.tensor([r + [tokenizer.pad_token_id] * (width - len(r)) for r in rows])
    assert _AnswerStop(tokenizer, 1)(ids, None).tolist() == [True, False]
    assert _AnswerStop(tokenizer, 1, newline=True)(ids, None).tolist() == [True, True]
