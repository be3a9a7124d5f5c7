"""The event spotter on tiny synthetic videos: a flash and a jumping square mark the planted events."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from shinobi_tools.errors import ConfigError, MissingCheckpointError  # noqa: E402
from shinobi_tools.evaluation.metrics import evaluate  # noqa: E402
from shinobi_tools.events.tsv import read_events_tsv  # noqa: E402
from shinobi_tools.media.video import Mp4Writer  # noqa: E402
from shinobi_tools.models.detect import Detection, matched_ious  # noqa: E402
from shinobi_tools.models.spotter.config import SpotterConfig  # noqa: E402
from shinobi_tools.models.spotter.data import load_frames  # noqa: E402
from shinobi_tools.models.spotter.spot import Spotter  # noqa: E402
from shinobi_tools.models.spotter.train import CHECKPOINT_NAME, train_spotter  # noqa: E402

FPS = 59.922743
TYPES = ["Flash", "Jump"]
TINY = dict(width=32, height=24, stride=2, window=48, batch_size=4, steps=150, channels=[8, 16, 32],
            feature_dim=32, temporal_dim=32, dilations=[1, 2], dropout=0.0, lr=3e-3, warmup_steps=5,
            eval_every=50, log_every=10, max_pos_weight=20.0)


def _synthetic_run(directory: Path, name: str, seed: int, frames: int = 360) -> tuple[Path, Path]:
    """A 64×48 video: grey background, a white square that jumps sideways at each Jump onset, the whole frame
    flashing for 3, 9 or 15 frames at each Flash onset; and its events TSV."""
    rng = np.random.default_rng(seed)
    onsets = np.sort(rng.choice(np.arange(20, frames - 20, 24), size=8, replace=False))
    kinds = rng.permutation(["Flash"] * 4 + ["Jump"] * 4)
    x = 10
    video = directory / f"{name}.mp4"
    events = dict(zip(onsets.tolist(), kinds.tolist()))
    lengths = np.where(kinds == "Flash", 3 + 6 * (np.arange(8) % 3), 3)
    flashing = {o + d for o, k, n in zip(onsets, kinds, lengths) if k == "Flash" for d in range(n)}
    with Mp4Writer(video, FPS) as writer:
        for i in range(frames):
            if events.get(i) == "Jump":
                x = 40 if x < 30 else 10
            frame = np.full((48, 64, 3), 60, dtype=np.uint8)
            frame[20:32, x: x + 12] = 230
            if i in flashing:
                frame[:] = 250
            writer.write(frame)
    table = pd.DataFrame({"onset": onsets / FPS, "duration": lengths / FPS, "trial_type": kinds, "frame_start": onsets,
                          "frame_stop": onsets + lengths, "description": [f"A {k.lower()}." for k in kinds]})
    tsv = directory / f"{name}_events.tsv"
    table.to_csv(tsv, sep="\t", index=False)
    return video, tsv


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("spotter")
    runs = [_synthetic_run(directory, f"run-{i}", seed=i) for i in range(6)]
    config = SpotterConfig.from_dict(TINY)
    checkpoint = train_spotter(runs[:4], runs[4:5], TYPES, directory / "model", config)
    return {"dir": directory, "runs": runs, "checkpoint": checkpoint, "config": config}


def test_training_writes_checkpoint_metrics_and_lowers_the_loss(synthetic):
    out = synthetic["checkpoint"].parent
    assert synthetic["checkpoint"].name == CHECKPOINT_NAME
    assert (out / "config.yaml").exists() and (out / "thresholds.tsv").exists()
    metrics = pd.read_csv(out / "metrics.tsv", sep="\t")
    assert list(metrics.columns) == ["step", "epoch", "loss", "val_loss", "lr", "seconds"]
    assert metrics["step"].iloc[-1] == TINY["steps"]
    assert metrics["loss"].iloc[-1] < 0.5 * metrics["loss"].iloc[0]
    val = metrics["val_loss"].dropna()
    assert len(val) == 3 and val.iloc[-1] < val.iloc[0]
    # the decoded frames were cached (one npz per run) for the next epochs / trainings
    assert len(list((out / "frames").glob("*.npz"))) == 5


def test_spotter_finds_the_planted_events(synthetic):
    video, tsv = synthetic["runs"][5]
    pred = Spotter.load(synthetic["checkpoint"]).spot(video)
    scores = evaluate(read_events_tsv(tsv), pred, tolerances=(0.5,)).set_index("event_type")
    assert (scores.loc[TYPES, "f1"] >= 0.85).all(), scores


def test_save_then_load_gives_identical_predictions(synthetic, tmp_path):
    video, _ = synthetic["runs"][5]
    first = Spotter.load(synthetic["checkpoint"])
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(synthetic["checkpoint"], copy / CHECKPOINT_NAME)
    second = Spotter.load(copy)  # a folder holding spotter.pt works too
    probs_a, _ = first.probabilities(video)
    probs_b, _ = second.probabilities(video)
    np.testing.assert_array_equal(probs_a, probs_b)
    pd.testing.assert_frame_equal(first.spot(video), second.spot(video))


def test_spotted_table_is_well_formed(synthetic):
    video, _ = synthetic["runs"][4]
    spotter = Spotter.load(synthetic["checkpoint"])
    table = spotter.spot(video)
    assert list(table.columns) == ["onset", "duration", "trial_type", "description", "confidence"]
    assert len(table) > 0 and table["onset"].is_monotonic_increasing
    assert set(table["trial_type"]) <= set(TYPES)
    assert table["confidence"].between(0, 1).all() and (table["onset"] >= 0).all()
    assert (table["description"] == "Spotted: " + table["trial_type"] + ".").all()
    # a global threshold overrides the tuned ones: above 1 spots nothing, 0 spots at least as much
    assert spotter.spot(video, threshold=1.01).empty
    assert len(spotter.spot(video, threshold=0.0)) >= len(table)


def test_spotted_durations_follow_the_events(synthetic):
    """The active head gives each flash its own length (3, 9 or 15 frames), not the median."""
    video, tsv = synthetic["runs"][5]
    truth = read_events_tsv(tsv)
    pred = Spotter.load(synthetic["checkpoint"]).spot(video)
    flashes = pred[pred["trial_type"] == "Flash"]
    assert flashes["duration"].nunique() > 1, flashes
    ious = matched_ious([Detection(r.onset, r.duration, r.trial_type, r.confidence, 0) for r in flashes.itertuples()],
                        truth[truth["trial_type"] == "Flash"], 0.5)
    assert len(ious) >= 3 and np.mean(ious) > 0.6, ious


def test_training_is_seeded(synthetic, tmp_path):
    config = SpotterConfig.from_dict({**TINY, "steps": 4, "eval_every": 2, "log_every": 2,
                                      "cache_dir": str(synthetic["checkpoint"].parent / "frames")})
    runs = synthetic["runs"]
    a = pd.read_csv(train_spotter(runs[:2], runs[4:5], TYPES, tmp_path / "a", config).parent / "metrics.tsv", sep="\t")
    b = pd.read_csv(train_spotter(runs[:2], runs[4:5], TYPES, tmp_path / "b", config).parent / "metrics.tsv", sep="\t")
    pd.testing.assert_frame_equal(a.drop(columns="seconds"), b.drop(columns="seconds"))


def test_frame_cache_is_reused_and_refreshed(synthetic, tmp_path):
    video, _ = synthetic["runs"][0]
    config = SpotterConfig.from_dict(TINY)
    first = load_frames(video, config, tmp_path)
    assert first.frames.shape == (180, 24, 32, 3) and first.n_source == 360 and abs(first.fps - FPS) < 1e-6
    cached = next(tmp_path.glob("*.npz"))
    stamp = cached.stat().st_mtime_ns
    np.testing.assert_array_equal(load_frames(video, config, tmp_path).frames, first.frames)
    assert cached.stat().st_mtime_ns == stamp


def test_config_rejects_unknown_keys(tmp_path):
    path = tmp_path / "spotter.yaml"
    path.write_text("steps: 3\nwidht: 10\n")
    with pytest.raises(ConfigError, match="spotter.yaml: unknown config key.*widht"):
        SpotterConfig.from_yaml(path)
    path.write_text("steps: many\n")
    with pytest.raises(ConfigError, match="spotter.yaml: steps must be an integer, not 'many'"):
        SpotterConfig.from_yaml(path)
    path.write_text("steps: 0\n")
    with pytest.raises(ConfigError, match="steps must be at least 1"):
        SpotterConfig.from_yaml(path)
    path.write_text("steps: [3\n")
    with pytest.raises(ConfigError, match="spotter.yaml: not valid YAML"):
        SpotterConfig.from_yaml(path)
    path.write_text("steps: 3\n")
    assert SpotterConfig.from_yaml(path).steps == 3


def test_a_damaged_checkpoint_is_one_clear_error(synthetic, tmp_path):
    damaged = tmp_path / CHECKPOINT_NAME
    damaged.write_bytes(synthetic["checkpoint"].read_bytes()[:1000])
    with pytest.raises(MissingCheckpointError, match="not a readable spotter checkpoint"):
        Spotter.load(damaged)
    with pytest.raises(MissingCheckpointError, match="no spotter checkpoint"):
        Spotter.load(tmp_path / "elsewhere")


def test_spotting_a_file_that_is_not_a_video_is_one_line(synthetic, tmp_path, capsys):
    from shinobi_tools.cli import main

    text = tmp_path / "text.mp4"
    text.write_text("not a video\n" * 40)
    assert main(["spot", str(text), "--checkpoint", str(synthetic["checkpoint"]), "--out-dir", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {text}: not a readable video"), err
    assert not (tmp_path / "o").exists()
