"""Fine-tuning over several processes (gloo on CPU), resuming with changed settings, Ctrl-C and gradient
checkpointing, on the tiny random SmolVLM."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytest.importorskip("peft")

import torch

from shinobi_tools.errors import ConfigError
from shinobi_tools.models.vlm.config import config_from_dict
from shinobi_tools.models.vlm.resume import CHANGES_FILE
from shinobi_tools.models.vlm.synthetic import write_synthetic_qa
from shinobi_tools.models.vlm.train import latest_checkpoint, train

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def qa(tmp_path_factory) -> Path:
    return write_synthetic_qa(tmp_path_factory.mktemp("qa"), clips=4)


def settings(qa: Path, out: Path, **train_values) -> dict:
    values = dict(output_dir=str(out), steps=4, batch_size=2, checkpoint_every=2, keep_checkpoints=2, eval_every=1000,
                  lr=5e-3, lr_vision=5e-3, warmup_steps=0, cpu_threads=1)
    values.update(train_values)
    return {"model": {"kind": "tiny-smolvlm"}, "frames": {"fps": 4, "width": 64, "height": 48},
            "data": {"train": str(qa)}, "train": values}


def write_config(path: Path, values: dict) -> Path:
    path.write_text(yaml.safe_dump(values))
    return path


def finetune(*args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "lib"), **(env or {}))
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        environment.pop(name, None)
    return subprocess.Popen([*args], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **popen)


def losses(out: Path) -> list[float]:
    return [float(row["loss"]) for row in csv.DictReader((out / "metrics.tsv").open(), delimiter="\t")]


@pytest.mark.slow
def test_two_processes_train_like_one(qa, tmp_path):
    single = write_config(tmp_path / "one.yaml", settings(qa, tmp_path / "one"))
    double = write_config(tmp_path / "two.yaml", settings(qa, tmp_path / "two"))
    one = finetune(sys.executable, "-m", "shinobi_tools.finetune", "--config", str(single))
    # what a user types on a machine without GPUs: accelerate starts the CPU workers (gloo)
    two = finetune(sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "2",
                   "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                   "-m", "shinobi_tools.finetune", "--config", str(double))
    (_, err_one), (out_two, err_two) = one.communicate(timeout=600), two.communicate(timeout=600)
    assert one.returncode == 0, err_one
    assert two.returncode == 0, err_two
    assert "training on 2 process(es) (cpu)" in err_two and err_two.count("trainable parameters") == 1
    assert out_two.split() == [str(tmp_path / "two" / "final")]  # printed once, not once per process
    assert (tmp_path / "two" / "final" / "model.safetensors").exists()
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted(p.name for p in (tmp_path / "one").iterdir())
    # each process takes half of the same global batch: the curves agree (padding weighs tokens a little apart)
    assert losses(tmp_path / "two") == pytest.approx(losses(tmp_path / "one"), rel=0.1)
    assert losses(tmp_path / "two")[-1] < losses(tmp_path / "two")[0]


def test_a_global_batch_that_does_not_split_is_one_line(qa, tmp_path):
    config = write_config(tmp_path / "odd.yaml", settings(qa, tmp_path / "odd", batch_size=3))
    run = finetune(sys.executable, "-m", "shinobi_tools.cli", "finetune", "--config", str(config), "--processes", "2")
    _, err = run.communicate(timeout=120)
    assert run.returncode == 2
    assert err.strip().splitlines() == [
        "error: train.batch_size 3 does not split over 2 processes; give a multiple of 2 (it is the global batch: "
        "each process takes batch_size / 2 examples)"]
    assert not (tmp_path / "odd").exists()


def test_resuming_with_a_changed_setting_is_refused_unless_allowed(qa, tmp_path):
    out = tmp_path / "run"
    values = settings(qa, out)
    train(config_from_dict(values), max_steps_this_run=2)
    values["train"]["lr"] = 1e-3
    values["train"]["log_every"] = 5  # where and how often things are written may change
    with pytest.raises(ConfigError, match=r"resuming at step 2 with changed settings train\.lr \(0\.005 → 0\.001\)"):
        train(config_from_dict(values))
    assert latest_checkpoint(out / "checkpoints").name == "step-000002"
    assert not (out / CHANGES_FILE).exists()
    final = train(config_from_dict(values), allow_changes=("train.lr",))
    assert final.exists()
    rows = list(csv.reader((out / CHANGES_FILE).open(), delimiter="\t"))
    assert rows == [["step", "key", "old", "new"], ["2", "train.lr", "0.005", "0.001"]]
    assert yaml.safe_load((out / "config.yaml").read_text())["train"]["lr"] == 1e-3


@pytest.mark.slow
def test_ctrl_c_saves_a_checkpoint_and_the_same_command_resumes(qa, tmp_path):
    out = tmp_path / "run"
    config = write_config(tmp_path / "run.yaml", settings(qa, out, steps=400, checkpoint_every=1000))
    command = (sys.executable, "-m", "shinobi_tools.cli", "finetune", "--config", str(config))
    run = finetune(*command)
    deadline = time.monotonic() + 300
    while not (out / "metrics.tsv").exists() or len(losses(out)) < 2:
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.5)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=300)
    assert run.returncode == 3, err  # interrupted: Snakemake and shells see that the run is not complete
    assert "Ctrl-C: saving a checkpoint" in err and "rerun the same command to resume" in err
    step = int(latest_checkpoint(out / "checkpoints").name.removeprefix("step-"))
    assert step == len(losses(out)) >= 2 and not (out / "final").exists()
    values = settings(qa, out, steps=step + 1, checkpoint_every=1000)
    write_config(tmp_path / "run.yaml", values)
    assert train(config_from_dict(values), allow_changes=("train.steps",)).exists()
    assert len(losses(out)) == step + 1


def test_gradient_checkpointing_trains_to_the_same_losses(qa, tmp_path):
    plain = train(config_from_dict(settings(qa, tmp_path / "plain", steps=2)))
    recomputed = train(config_from_dict(settings(qa, tmp_path / "recomputed", steps=2, gradient_checkpointing=True)))
    assert plain.exists() and recomputed.exists()
    assert losses(tmp_path / "recomputed") == pytest.approx(losses(tmp_path / "plain"), rel=1e-4)


FAST = {"enabled": True, "steps": 20, "width": 32, "height": 24, "channels": [8, 16], "feature_dim": 16,
        "temporal_dim": 16, "dilations": [1], "window": 16}


@pytest.mark.slow
def test_two_processes_pretrain_the_fast_pathway_once(qa, tmp_path):
    """The main process trains and saves fast_pathway.pt, the other waits and loads it; both train the projector."""
    values = settings(qa, tmp_path / "two")
    values["fast"] = FAST
    config = write_config(tmp_path / "two.yaml", values)
    run = finetune(sys.executable, "-m", "shinobi_tools.cli", "finetune", "--config", str(config), "--processes", "2")
    _, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert err.count("fast pathway step 20/20") == 1 and "training on 2 process(es)" in err
    final = tmp_path / "two" / "final"
    assert (final / "fast_pathway.pt").exists() and (tmp_path / "two" / "fast_pathway.pt").exists()
    state = torch.load(final / "fast_pathway.pt", weights_only=True)
    assert state["projector"] is not None and state["token_id"] is not None


def test_the_fast_projector_is_checkpointed_and_the_pathway_reused_on_resume(qa, tmp_path, capsys):
    out = tmp_path / "run"
    values = settings(qa, out)
    values["fast"] = FAST
    train(config_from_dict(values), max_steps_this_run=2)
    assert "fast pathway step 20/20" in capsys.readouterr().err
    pathway = (out / "fast_pathway.pt").stat().st_mtime_ns
    state = torch.load(out / "checkpoints" / "step-000002" / "state.pt", weights_only=False)
    projector = state["projector"]
    assert set(projector) >= {"linear.weight", "norm.weight"}
    final = train(config_from_dict(values))
    assert "fast pathway step" not in capsys.readouterr().err  # trained once: the resume loads it
    assert (out / "fast_pathway.pt").stat().st_mtime_ns == pathway
    saved = torch.load(final / "fast_pathway.pt", weights_only=True)["projector"]["weights"]
    assert not torch.equal(saved["linear.weight"], projector["linear.weight"])  # the projector trained on
