"""Tiny random SmolVLM and Qwen2.5-VL through the whole library path: train, save/load, resume, generate."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

pytest.importorskip("peft")

from shinobi_tools.cli import main
from shinobi_tools.errors import ConfigError, MissingCheckpointError
from shinobi_tools.models.vlm.bases import load_base
from shinobi_tools.models.vlm.batch import ClipDataset, collate_examples
from shinobi_tools.models.vlm.config import ModelConfig, config_from_dict
from shinobi_tools.models.vlm.data import event_types, load_qa
from shinobi_tools.models.vlm.model import load_model, prepare_for_training
from shinobi_tools.models.vlm.synthetic import write_synthetic_qa
from shinobi_tools.models.vlm.train import latest_checkpoint, train

KINDS = ["tiny-smolvlm", "tiny-qwen2_5_vl", "tiny-qwen3_vl"]


@pytest.fixture(scope="module")
def qa(tmp_path_factory) -> Path:
    return write_synthetic_qa(tmp_path_factory.mktemp("qa"), clips=4)


def run_config(kind: str, qa: Path, out: Path, **train_values):
    values = dict(output_dir=str(out), steps=4, batch_size=2, checkpoint_every=2, keep_checkpoints=2, eval_every=2,
                  eval_batches=1, lr=5e-3, lr_vision=5e-3, warmup_steps=0)
    values.update(train_values)
    return config_from_dict({"model": {"kind": kind}, "frames": {"fps": 4, "width": 64, "height": 48},
                             "data": {"train": str(qa), "val": str(qa)}, "train": values})


@pytest.mark.parametrize("kind", KINDS)
def test_training_steps_lower_the_loss_on_a_fixed_batch(kind, qa):
    config = run_config(kind, qa, Path("unused"))
    vlm = load_base(config.model)
    model = prepare_for_training(vlm, config.model)
    records = load_qa(qa)
    dataset = ClipDataset(records, vlm.family, config.frames, event_types(records))
    batch, _, _ = collate_examples([dataset[0], dataset[1]], vlm.family, vlm.tokenizer.pad_token_id)
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert any(p.requires_grad for p in vlm.family.vision_tower(model.get_base_model()).parameters())
    optimizer = torch.optim.AdamW(trainable, lr=1e-2)
    losses = []
    for _ in range(5):
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.1, losses


@pytest.mark.parametrize("kind", ["smolvlm", "qwen2_5_vl", "qwen3_vl"])
def test_real_checkpoints_freeze_the_vision_tower(kind, tmp_path):
    """A checkpoint folder (here a saved tiny model) loads by kind + path; its vision tower stays frozen."""
    from shinobi_tools.models.vlm.tiny import TINY

    model, tokenizer = TINY[f"tiny-{kind}"]()
    model.save_pretrained(tmp_path / "base")
    tokenizer.save_pretrained(tmp_path / "base")
    config = ModelConfig(kind=kind, path=str(tmp_path / "base"))
    vlm = load_base(config)
    prepared = prepare_for_training(vlm, config)
    base = prepared.get_base_model()
    connector = {id(p) for p in vlm.family.connector(base).parameters()}
    tower = [p for p in vlm.family.vision_tower(base).parameters() if id(p) not in connector]
    assert tower and not any(p.requires_grad for p in tower)
    assert all(p.requires_grad for p in vlm.family.connector(base).parameters())
    lora = [n for n, p in prepared.named_parameters() if p.requires_grad and "lora_" in n]
    assert lora and all(("text_model" if kind == "smolvlm" else "language_model") in n for n in lora)
    other = "qwen2_5_vl" if kind == "smolvlm" else "smolvlm"
    with pytest.raises(ConfigError, match="model.kind"):
        load_base(ModelConfig(kind=other, path=str(tmp_path / "base")))


def test_missing_checkpoint_names_the_config_key(tmp_path):
    with pytest.raises(MissingCheckpointError, match="model.path"):
        load_base(ModelConfig(kind="qwen2_5_vl", path=str(tmp_path / "nowhere")))
    with pytest.raises(MissingCheckpointError, match="model.path"):
        load_base(ModelConfig(kind="smolvlm"))
    with pytest.raises(MissingCheckpointError, match="model.gguf"):
        load_base(ModelConfig(kind="embedded", path=str(tmp_path / "nowhere")))


@pytest.mark.parametrize("kind", KINDS)
def test_save_load_gives_identical_outputs_and_resume_continues(kind, qa, tmp_path):
    out = tmp_path / "run"
    config = run_config(kind, qa, out)
    # an interrupted run: 3 of 4 steps, then a checkpoint (as on SIGTERM)
    assert not train(config, max_steps_this_run=3).exists()
    assert latest_checkpoint(out / "checkpoints").name == "step-000003"
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-000002", "step-000003"]
    assert (out / "checkpoints" / "step-000003" / "config.yaml").exists()
    final = train(config)  # resumes at step 3 and finishes
    rows = list(csv.DictReader((out / "metrics.tsv").open(), delimiter="\t"))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert rows[1]["val_loss"] and rows[3]["val_loss"] and not rows[0]["val_loss"]
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-000003", "step-000004"]
    assert train(config) == final  # complete: nothing to do
    # the final folder loads with one function and reproduces the trained model's outputs
    vlm = load_model(final)
    assert vlm.meta["event_types"] == ["Flash", "Square"] and vlm.aux_head is not None
    records = load_qa(qa)
    dataset = ClipDataset(records, vlm.family, config.frames, vlm.meta["event_types"])
    batch, _, _ = collate_examples([dataset[0]], vlm.family, vlm.tokenizer.pad_token_id)
    with torch.no_grad():
        first = vlm.model(**batch).logits
        second = load_model(final).model(**batch).logits
    torch.testing.assert_close(first, second)
    # unmerged adapter layout loads the same way
    config.train.merge_lora = False
    config.train.output_dir = str(tmp_path / "unmerged")
    unmerged = load_model(train(config))
    assert (tmp_path / "unmerged" / "final" / "adapter" / "adapter_config.json").exists()
    with torch.no_grad():
        assert torch.isfinite(unmerged.model(**batch).logits).all()


def test_cli_entry_point_runs_a_config(tmp_path, qa, capsys):
    import yaml

    config_file = tmp_path / "run.yaml"
    config_file.write_text(yaml.safe_dump({"model": {"kind": "tiny-smolvlm"},
                                           "frames": {"fps": 2, "width": 64, "height": 48},
                                           "data": {"train": str(qa)},
                                           "train": {"output_dir": str(tmp_path / "out"), "steps": 2,
                                                     "batch_size": 1}}))
    assert main(["finetune", "--config", str(config_file), "--set", "train.steps=1"]) == 0
    assert (tmp_path / "out" / "final" / "model.safetensors").exists()
    assert (tmp_path / "out" / "config.yaml").exists()
    # and the annotation entry point writes an events TSV per video
    video = load_qa(qa)[0].video
    assert main(["annotate", str(video), "--model", str(tmp_path / "out" / "final"), "--out-dir", str(tmp_path / "ann"),
                 "--max-new-tokens", "8"]) == 0
    assert (tmp_path / "ann" / f"{video.stem}_events.tsv").read_text().startswith("onset\tduration\ttrial_type")
    # A video that is not one, and a damaged model folder: one line each, exit code 2, nothing written.
    text = tmp_path / "text.mp4"
    text.write_text("not a video\n" * 40)
    capsys.readouterr()
    assert main(["annotate", str(text), "--model", str(tmp_path / "out" / "final"), "--out-dir",
                 str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {text}: not a readable video"), err
    assert not (tmp_path / "bad").exists() or not list((tmp_path / "bad").iterdir())
    # A video that breaks off mid-stream (it passes the check made before the model loads): its error line, the
    # other videos annotated, exit code 2.
    broken, second = tmp_path / "broken.mp4", load_qa(qa)[1].video
    data = bytearray(video.read_bytes())
    size = len(data) // 5
    data[len(data) // 2:len(data) // 2 + size] = bytes((i * 97 + 13) % 256 for i in range(size))
    broken.write_bytes(data)
    assert main(["annotate", str(video), str(broken), str(second), "--model", str(tmp_path / "out" / "final"),
                 "--out-dir", str(tmp_path / "some"), "--max-new-tokens", "8"]) == 2
    err = capsys.readouterr().err
    assert f"error: {broken}: the video breaks off after" in err and "1 of 3 videos could not be read" in err
    assert sorted(p.name for p in (tmp_path / "some").iterdir()) == sorted(
        f"{v.stem}{suffix}" for v in (video, second) for suffix in ("_events.tsv", ".srt", ".vtt"))
    (tmp_path / "out" / "final" / "config.json").write_text("{broken")
    assert main(["annotate", str(video), "--model", str(tmp_path / "out" / "final"), "--out-dir",
                 str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a loadable model folder" in err[0], err


def test_vision_warm_up_trains_only_the_encoder_then_calibrates_the_head(qa, tmp_path):
    import json

    out = tmp_path / "warm"
    config = run_config("tiny-smolvlm", qa, out, steps=2, vision_warmup_steps=2, checkpoint_every=1000)
    train(config, max_steps_this_run=2)
    state = torch.load(latest_checkpoint(out / "checkpoints") / "state.pt", weights_only=False)
    lora_b = [v for n, v in state["trainable"].items() if "lora_B" in n]
    assert lora_b and all(not v.any() for v in lora_b)  # LoRA B starts at zero: the language model did not move
    base = load_base(config.model)
    initial = dict(base.model.named_parameters())
    vision = {n: v for n, v in state["trainable"].items() if "vision_model" in n and "lora" not in n}
    assert any(not torch.equal(v, initial[n.removeprefix("base_model.model.")]) for n, v in vision.items())
    rows = list(csv.DictReader((out / "metrics.tsv").open(), delimiter="\t"))
    assert [r["lm_loss"] for r in rows] == ["", ""] and all(float(r["aux_loss"]) > 0 for r in rows)
    final = train(config)  # resumes into the joint phase
    rows = list(csv.DictReader((out / "metrics.tsv").open(), delimiter="\t"))
    assert [bool(r["lm_loss"]) for r in rows] == [False, False, True, True]
    vlm = load_model(final)
    settings = vlm.aux_settings
    assert len(settings.thresholds) == len(settings.gaps) == len(vlm.meta["event_types"])
    assert all(0 < t < 1 for t in settings.thresholds) and all(g >= 1 for g in settings.gaps)
    # SmolVLM's head sees the changes of the vision encoder's patches (narrower than the tokens the LM reads)
    assert vlm.aux_head.change_features == vlm.model.config.vision_config.hidden_size != vlm.aux_head.in_features
    longest = max(len(vlm.family.text_ids(r.messages[1]["content"])) for r in load_qa(qa))
    assert vlm.meta["answer_tokens"] == longest  # the annotation's default generation budget derives from it
    # a randomly initialised encoder sees pixels normalised with the training frames' statistics
    mean = json.loads((final / "preprocessor_config.json").read_text())["image_mean"]
    assert mean != [0.5, 0.5, 0.5] and vlm.family.mean.flatten().tolist() == pytest.approx(mean)
