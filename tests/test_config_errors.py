"""Every entry point answers a bad configuration file or value with exit code 2 and one line naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shinobi_tools.cli import main

from conftest import DEFAULT_DATASET, REPO_ROOT

BIN = Path(sys.executable).parent


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def configs(tmp_path) -> dict[str, Path]:
    """YAML files with one problem each."""
    files = {
        "typo": "train:\n  stpes: 3\n",
        "type": "train:\n  lr: fast\n",
        "range": "train:\n  steps: 0\n",
        "syntax": "train: [steps: 3\n",
        "kind": "model:\n  kind: gpt5\n",
        "not_a_mapping": "- 1\n- 2\n",
        "spotter_typo": "widht: 10\n",
        "spotter_type": "steps: many\n",
    }
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    return {name: tmp_path / f"{name}.yaml" for name in files} | {"missing": tmp_path / "absent.yaml"}


@pytest.mark.parametrize("name, message", [
    ("typo", "typo.yaml: unknown config key(s) train.stpes"),
    ("type", "type.yaml: train.lr must be a number, not 'fast'"),
    ("range", "range.yaml: train.steps must be at least 1"),
    ("syntax", "syntax.yaml: not valid YAML (line 2)"),
    ("kind", "kind.yaml: model.kind must be one of"),
    ("not_a_mapping", "not_a_mapping.yaml: expected a mapping"),
    ("missing", "absent.yaml: config file not found"),
])
@pytest.mark.parametrize("command", ["finetune", "build-base"])
def test_video_llm_config_files(configs, tmp_path, capsys, command, name, message):
    extra = ["--gguf", str(tmp_path / "x.whl"), "--out-dir", str(tmp_path / "base")] if command == "build-base" else []
    assert main([command, "--config", str(configs[name]), *extra]) == 2
    assert message in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("override, message", [
    ("train.lr=fast", "train.lr must be a number, not 'fast'"),
    ("nodot", "--set 'nodot': write SECTION.KEY=VALUE"),
    ("train.steps=[1", "--set 'train.steps=[1': the value is not valid YAML"),
    ("frames.normalize=imagenet", "frames.normalize must be auto, data or checkpoint"),
])
def test_finetune_overrides(tmp_path, capsys, override, message):
    config = tmp_path / "ok.yaml"
    config.write_text("train:\n  steps: 2\n")
    assert main(["finetune", "--config", str(config), "--set", override]) == 2
    assert message in one_error_line(capsys.readouterr().err)


def test_finetune_module_form(configs):
    """`python -m shinobi_tools.finetune` (what `accelerate launch -m` runs) answers the same way."""
    result = subprocess.run([sys.executable, "-m", "shinobi_tools.finetune", "--config", str(configs["typo"])],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "unknown config key(s) train.stpes" in one_error_line(result.stderr)


@pytest.mark.parametrize("name, message", [
    ("spotter_typo", "spotter_typo.yaml: unknown config key(s) widht"),
    ("spotter_type", "spotter_type.yaml: steps must be an integer, not 'many'"),
    ("syntax", "syntax.yaml: not valid YAML"),
    ("missing", "absent.yaml: config file not found"),
])
def test_spotter_config_files(configs, tmp_path, capsys, name, message):
    assert main(["spotter-train", "--config", str(configs[name]), "--splits", str(tmp_path / "s.tsv"),
                 "--video-dir", str(tmp_path), "--events-dir", str(tmp_path), "--types", "A",
                 "--out-dir", str(tmp_path / "out")]) == 2
    assert message in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("argv, message", [
    (["events", "--game", "airstriker", "--states", "x", "--out-dir", "o", "--fps", "-5"], "--fps: -5 must be positive"),
    (["clips", "--game", "airstriker", "--video", "v", "--states", "s", "--events", "e", "--out-dir", "o",
      "--records", "r", "--stride", "0"], "--stride: 0 must be positive"),
    (["record", "--out-dir", "o", "--runs", "zero"], "--runs: 'zero' is not an integer"),
    (["splits", "r", "--out", "o", "--by", "week"], "argument --by: invalid choice: 'week'"),
    (["replay", "x.bk2", "--out-dir", "o", "--crf", "99"], "argument --crf: invalid choice: 99"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["events", "--game", "shinobi3", "--variables", "v", "--out-dir", "o", "--vocabulary", "bids"],
     "argument --vocabulary: invalid choice: 'bids'"),
])
def test_bad_values_on_the_command_line(capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and message in one_error_line(capsys.readouterr().err)


def test_descriptions_and_explicit_split_files(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("FIRE: {not: a list}\n")
    assert main(["events", "--game", "airstriker", "--states", str(tmp_path / "s_states.parquet"),
                 "--out-dir", str(tmp_path), "--descriptions", str(bad)]) == 2
    one_error_line(capsys.readouterr().err)
    bad.write_text("train: [a\n")
    assert main(["splits", "sub-01_ses-001_task-t_run-01", "--by", "explicit", "--explicit", str(bad),
                 "--out", str(tmp_path / "s.tsv")]) == 2
    assert "bad.yaml: not valid YAML (line 2)" in one_error_line(capsys.readouterr().err)


def snakemake_dry_run(tmp_path: Path, overlay: str) -> subprocess.CompletedProcess:
    if "dataset:" not in overlay:
        overlay += f"dataset: {DEFAULT_DATASET}\n"
    (tmp_path / "overlay.yaml").write_text(overlay)
    return subprocess.run(
        [str(BIN / "snakemake"), "-n", "--configfile", "config/config.yaml", str(tmp_path / "overlay.yaml")],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path)})


@pytest.mark.parametrize("overlay, message", [
    ("split:\n  fractions: [0.9, 0.9, 0.9]\n", "config: split.fractions [0.9, 0.9, 0.9] must sum to 1"),
    ("split:\n  fractions: [0.7, 'x', 0.15]\n", "config: split.fractions[1]: 'x' is not of type 'number'"),
    ("clips:\n  lenght: 3\n", "config: clips: Additional properties are not allowed ('lenght' was unexpected)"),
    ("clips:\n  stride: 8\n", "config: clips.stride 8 is longer than clips.length"),
    ("replay:\n  crf: 99\n", "config: replay.crf: 99 is greater than the maximum of 51"),
    ("game: Tetris-Nowhere\n", "unknown game 'Tetris-Nowhere'; known games: "),
    ("split:\n  by: explicit\n", "config: split.explicit (a YAML of run lists) goes with split.by: explicit"),
    ("vlm:\n  config: {bad}\n", "bad.yaml: unknown config key(s) train.stpes"),
    ("dataset: /nowhere\n", "/nowhere: dataset folder not found"),
    ("events:\n  vocabulary: videogames_utils\n",
     "config: events.vocabulary: 'videogames_utils' is not one of ['cneuromod', 'legacy']"),
])
def test_workflow_config(tmp_path, overlay, message):
    (tmp_path / "bad.yaml").write_text("train:\n  stpes: 3\n")
    result = snakemake_dry_run(tmp_path, overlay.format(bad=tmp_path / "bad.yaml"))
    assert result.returncode == 2, result.stdout[-1000:] + result.stderr
    assert message in one_error_line(result.stderr)
