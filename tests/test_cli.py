"""The installed `shinobi-tools` console script, run as a user runs it."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

from shinobi_tools.media.video import count_frames

CLI = Path(sys.executable).parent / "shinobi-tools"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=300)


def test_inspect_json(make_airstriker_bk2):
    path = make_airstriker_bk2(frames=300, seed=4)
    result = run_cli("inspect", path, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["game"] == "Airstriker-Genesis-v0" and summary["platform"] == "GEN"
    assert summary["frames"] == 300
    assert list(summary["presses"]) == ["B", "A", "MODE", "START", "UP", "DOWN", "LEFT", "RIGHT", "C", "Y", "X", "Z"]
    assert summary["presses"]["B"] > 0 and summary["presses"]["START"] == 0


def test_replay_writes_named_outputs(make_airstriker_bk2, tmp_path):
    path = make_airstriker_bk2(frames=240)
    result = run_cli("replay", path, "--out-dir", tmp_path / "out", "--quiet")
    assert result.returncode == 0, result.stderr
    stem = path.name.removesuffix(".bk2")
    table = pd.read_parquet(tmp_path / "out" / f"{stem}_states.parquet")
    assert count_frames(tmp_path / "out" / f"{stem}.mp4") == len(table) == 240
    result = run_cli("replay", path, "--out-dir", tmp_path / "novideo", "--no-video", "--quiet")
    assert result.returncode == 0 and not (tmp_path / "novideo" / f"{stem}.mp4").exists()


def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, make_airstriker_bk2):
    broken = tmp_path / "broken.bk2"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("Header.txt", "GameName Airstriker-Genesis\n")
    for args in (["inspect", broken], ["replay", broken, "--out-dir", tmp_path],
                 ["replay", make_airstriker_bk2(), "--out-dir", tmp_path, "--game", "shinobi3"],
                 ["replay", make_airstriker_bk2(), "--out-dir", tmp_path, "--game", "tetris"],
                 ["preview", tmp_path / "run.mp4", "no-equals-sign", "--out", tmp_path / "p.gif"],
                 ["annotate", tmp_path / "absent.mp4", "--model", tmp_path, "--out-dir", tmp_path / "a"]):
        result = run_cli(*args)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert "Traceback" not in result.stderr
