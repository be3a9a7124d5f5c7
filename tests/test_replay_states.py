"""The states table: building, reading, and find-frame (queries without executing anything)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from shinobi_tools.cli import main
from shinobi_tools.errors import InputError
from shinobi_tools.replay.states import build_states, find_frame, frame_rate, read_states

FPS = 59.922743


def test_build_and_read_back(tmp_path):
    inputs = np.array([[True, False], [False, False], [True, True]])
    table = build_states(("B", "A"), inputs, ["score"], [[0], [20], [40]], FPS)
    assert list(table.columns) == ["frame", "time", "B", "A", "score"]
    assert table["A"].tolist() == [False, False, True] and table["score"].tolist() == [0, 20, 40]
    assert frame_rate(table) == pytest.approx(FPS)
    path = tmp_path / "r_states.parquet"
    table.to_parquet(path)
    pd.testing.assert_frame_equal(read_states(path), table)
    pd.DataFrame({"x": [1]}).to_parquet(tmp_path / "bad_states.parquet")
    with pytest.raises(InputError, match="column `frame` is missing"):
        read_states(tmp_path / "bad_states.parquet")
    (tmp_path / "text_states.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="cannot read the states table"):
        read_states(tmp_path / "text_states.parquet")


def test_find_frame() -> None:
    states = pd.DataFrame({"frame": range(6), "time": np.arange(6) / FPS, "B": [0, 1, 0, 1, 1, 0],
                           "score": [0, 10, 20, 20, 30, 40]})
    states["B"] = states["B"].astype(bool)
    assert find_frame(states, "score>=20").frame == 2
    match = find_frame(states, "score >= 20 & B == true")
    assert (match.frame, match.time) == (3, pytest.approx(3 / FPS))
    assert find_frame(states, "score>40") is None
    assert find_frame(states, "score!=0&score<20").frame == 1
    with pytest.raises(InputError, match="no variable 'lives'; available: frame, time, B, score"):
        find_frame(states, "lives<3")
    with pytest.raises(InputError, match="VARIABLE OP VALUE"):
        find_frame(states, "score=>3")


def test_cli_find_frame(tmp_path, capsys) -> None:
    states = tmp_path / "run_states.parquet"
    pd.DataFrame({"frame": range(4), "time": np.arange(4) / FPS, "score": [0, 5, 9, 9]}).to_parquet(states)
    capsys.readouterr()
    assert main(["find-frame", str(states), "score>=9", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["frame"] == 2
    assert main(["find-frame", str(states), "score>=10"]) == 1
    assert "no frame meets" in capsys.readouterr().err
    assert main(["find-frame", str(states), "lives>=1"]) == 2
    assert capsys.readouterr().err.strip() == (f"error: {states}: no variable 'lives'; available: frame, time, score")
    assert main(["find-frame", str(tmp_path / "none.parquet"), "score>=1"]) == 2
