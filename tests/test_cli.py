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


def test_inspect_reads_any_platform(tmp_path):
    """An Atari 2600 bk2 (its `P1 Select`/`P1 Button` columns); no ROM needed."""
    import numpy as np

    from shinobi_tools.replay.bk2 import write_bk2

    frames = np.zeros((30, 7), dtype=bool)
    frames[5:9, 0] = True
    path = write_bk2(tmp_path / "breakout.bk2", "Breakout-Atari2600-v0", frames, b"state")
    result = run_cli("inspect", path, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["platform"], summary["system"], summary["players"]) == ("A26", "Atari2600", 1)
    assert summary["frames"] == 30
    assert summary["presses"]["BUTTON"] == 1


def test_replay_of_a_game_without_a_file_names_the_rom_import(tmp_path, airstriker_state):
    """A Genesis game nobody wrote a YAML for replays from its integration; without its ROM, one line says how to
    import it."""
    import numpy as np

    from shinobi_tools.replay.bk2 import write_bk2
    from shinobi_tools.replay.roms import rom_imported

    if rom_imported("SonicAndKnuckles3-Genesis-v0"):
        import pytest

        pytest.skip("the Sonic & Knuckles 3 ROM is imported on this machine")
    path = write_bk2(tmp_path / "sk.bk2", "SonicAndKnuckles3-Genesis-v0", np.zeros((10, 12), bool), airstriker_state)
    result = run_cli("replay", path, "--out-dir", tmp_path / "out", "--quiet")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "sk.bk2" in result.stderr
    assert "the ROM of SonicAndKnuckles3-Genesis-v0 is not imported" in result.stderr
    assert "shinobi-tools import-roms" in result.stderr and "add a YAML" not in result.stderr


def test_import_roms_errors(tmp_path):
    for args in (["import-roms"], ["import-roms", tmp_path / "absent"]):
        result = run_cli(*args)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    empty = tmp_path / "roms"
    empty.mkdir()
    (empty / "notarom.bin").write_bytes(b"0" * 4096)
    result = run_cli("import-roms", empty)
    assert result.returncode == 0 and "Imported 0 games" in result.stdout


def test_import_roms_from_ale_py_then_record_any_game(atari_roms, tmp_path):
    result = run_cli("import-roms", "--ale-py")
    assert result.returncode == 0 and "Breakout-Atari2600-v0" in result.stdout, result.stderr
    result = run_cli("record", "--game", "Breakout-Atari2600-v0", "--out-dir", tmp_path, "--subjects", "1",
                     "--sessions", "1", "--runs", "1", "--seconds", "6", "--quiet")
    assert result.returncode == 0, result.stderr
    (path,) = tmp_path.rglob("*.bk2")
    assert path.name == "sub-01_ses-001_task-breakout_run-01_rep-01.bk2"
