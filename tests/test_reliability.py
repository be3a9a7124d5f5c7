"""Bad input never ends in a traceback, a silent wrong result or leftovers: one `error:` line, exit code 2, and
nothing written (issue 15's cases, one test each; the workflow-level cases are in test_workflow.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shinobi_tools.cli import main
from shinobi_tools.replay.run import replay_bk2

CLI = Path(sys.executable).parent / "shinobi-tools"


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.fixture(scope="module")
def run(tmp_path_factory, airstriker_state):
    """A real replay (mp4, states, events) and broken copies: a truncated mp4, a text file named .mp4, a TSV
    that is not an events table."""
    from shinobi_tools.events.exports import export_run
    from shinobi_tools.replay.bk2 import write_bk2

    from conftest import random_inputs

    root = tmp_path_factory.mktemp("reliability")
    bk2 = write_bk2(root / "sub-01_ses-001_task-airstriker_run-01.bk2", "Airstriker-Genesis-v0",
                    random_inputs(600, 3), airstriker_state)
    replay = replay_bk2(bk2, root / "replay", progress=False)
    written = export_run(replay.states, "airstriker", root / "events")
    truncated = root / "broken" / replay.video.name
    truncated.parent.mkdir()
    truncated.write_bytes(replay.video.read_bytes()[: replay.video.stat().st_size // 3])
    text = root / "text.mp4"
    text.write_text("not a video\n" * 50)
    bad_tsv = root / "bad_events.tsv"
    bad_tsv.write_text("a,b,c\n1,2,3\n")
    return {"bk2": bk2, "video": replay.video, "states": replay.states, "events": written["events"],
            "truncated": truncated, "text": text, "bad_tsv": bad_tsv}


def test_split_fractions_must_sum_to_one(tmp_path, capsys):
    out = tmp_path / "splits.tsv"
    assert main(["splits", "sub-01_ses-001_task-t_run-01", "--fractions", "0.9", "0.9", "0.9", "--out", str(out)]) == 2
    assert "must be three non-negative shares (train, val, test) that sum to 1" in one_error_line(
        capsys.readouterr().err)
    assert not out.exists()


def test_frames_past_the_end_leave_nothing(run, tmp_path, capsys):
    out = tmp_path / "frames"
    assert main(["frames", str(run["video"]), "--out-dir", str(out), "--start-frame", "590",
                 "--stop-frame", "700"]) == 2
    assert "go past the end of the video (600 frames)" in one_error_line(capsys.readouterr().err)
    assert not list(out.rglob("*.png"))


def test_clips_of_a_truncated_video_leave_nothing(run, tmp_path, capsys):
    out = tmp_path / "clips"
    assert main(["clips", "--game", "airstriker", "--video", str(run["truncated"]), "--states", str(run["states"]),
                 "--events", str(run["events"]), "--records", str(out / "run.json"), "--out-dir", str(out)]) == 2
    assert str(run["truncated"]) in one_error_line(capsys.readouterr().err)
    assert not [p for p in out.rglob("*") if p.is_file()]


@pytest.mark.parametrize("command", ["evaluate", "preview", "clips", "frames", "gif"])
def test_malformed_events_tsv_is_one_line(run, tmp_path, capsys, command):
    bad = str(run["bad_tsv"])
    argv = {
        "evaluate": ["evaluate", "--truth", str(run["events"]), "--pred", bad],
        "preview": ["preview", str(run["video"]), f"truth={bad}", "--out", str(tmp_path / "p.gif")],
        "clips": ["clips", "--game", "airstriker", "--video", str(run["video"]), "--states", str(run["states"]),
                  "--events", bad, "--records", str(tmp_path / "r.json"), "--out-dir", str(tmp_path / "c")],
        "frames": ["frames", str(run["video"]), "--event-tsv", bad, "--event-index", "0", "--out-dir",
                   str(tmp_path / "f")],
        "gif": ["gif", str(run["video"]), "--event-tsv", bad, "--event-index", "0", "--out", str(tmp_path / "g.gif")],
    }[command]
    assert main(argv) == 2
    assert f"{bad}: not an events TSV" in one_error_line(capsys.readouterr().err)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize("which", ["truncated", "text"])
def test_unreadable_videos_are_one_line(run, tmp_path, capsys, which):
    assert main(["frames", str(run[which]), "--out-dir", str(tmp_path), "--start-frame", "0",
                 "--stop-frame", "590"]) == 2
    assert str(run[which]) in one_error_line(capsys.readouterr().err)
    assert not list(tmp_path.iterdir())


def test_a_reversed_frame_column_is_refused_before_writing(run, tmp_path, capsys):
    states = pd.read_parquet(run["states"])
    states["frame"] = states["frame"].to_numpy()[::-1]
    bad = tmp_path / "sub-01_ses-001_task-airstriker_run-09_states.parquet"
    states.to_parquet(bad)
    out = tmp_path / "events"
    assert main(["events", "--game", "airstriker", "--states", str(bad), "--out-dir", str(out)]) == 2
    assert "the `frame` column is not 0, 1, 2" in one_error_line(capsys.readouterr().err)
    assert not out.exists() or not list(out.iterdir())


def test_replay_into_a_file_is_one_line(run, tmp_path, capsys):
    target = tmp_path / "a_file"
    target.write_text("")
    assert main(["replay", str(run["bk2"]), "--out-dir", str(target), "--no-video", "--quiet"]) == 2
    assert "exists and is not a folder" in one_error_line(capsys.readouterr().err)


def test_two_replays_of_one_bk2_into_one_folder(run, tmp_path):
    """Concurrent runs write their own partial files: both finish and the outputs are whole."""
    command = [str(CLI), "replay", str(run["bk2"]), "--out-dir", str(tmp_path), "--quiet"]
    processes = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for process in processes:
        assert process.wait(timeout=300) == 0, process.stderr.read()
    states = pd.read_parquet(tmp_path / run["states"].name)
    pd.testing.assert_frame_equal(states, pd.read_parquet(run["states"]))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([run["states"].name, run["video"].name])


def test_a_bad_file_among_good_ones_fails_alone(run, tmp_path, capsys):
    broken = tmp_path / "sub-01_ses-001_task-airstriker_run-02.bk2"
    broken.write_text("not a zip")
    assert main(["replay", str(broken), str(run["bk2"]), "--out-dir", str(tmp_path / "out"), "--no-video",
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith(f"error: {broken}: not a valid bk2") and err[1] == "1 of 2 failed; the others are done"
    assert [p.name for p in (tmp_path / "out").iterdir()] == [run["states"].name]
    assert np.array_equal(pd.read_parquet(tmp_path / "out" / run["states"].name)["frame"], np.arange(600))
