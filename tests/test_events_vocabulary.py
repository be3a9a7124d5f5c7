"""CNeuroMod's game-independent conventions (events/vocabulary.py): runs, controller roles, row order, rounding,
the TSV cells, what is a training target."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shinobi_tools.events import vocabulary as voc
from shinobi_tools.events.tsv import write_events_tsv
from shinobi_tools.replay.bk2 import GENESIS_BUTTONS


def test_runs():
    assert voc.true_runs([0, 1, 1, 0, 1]) == [(1, 2), (4, 4)] and voc.true_runs([]) == []
    assert voc.constant_runs("aabbba") == [(0, 1, "a"), (2, 4, "b"), (5, 5, "a")]
    assert voc.nonzero_runs([0, 5, 4, 3, 0, 2]) == [(1, 3), (5, 5)]   # a timer's run ends at 0 only
    assert voc.clip(10, 50, [5, 30, 40]) == 29 and voc.clip(10, 50, []) == 50
    assert voc.frames_where(voc.steps([3, 3, 2, 2, 4]) < 0) == [2]


def test_controller_table_order():
    shinobi = voc.controller_table(GENESIS_BUTTONS, {"B": "Attack", "C": "Jump", "A": "Ninjutsu"})
    assert list(shinobi) == ["LEFT", "RIGHT", "UP", "DOWN", "B", "C", "A", "START", "MODE", "X", "Y", "Z"]
    assert shinobi["MODE"] == "Action/Select" and shinobi["Y"] == "Action/Other"
    airstriker = voc.controller_table(GENESIS_BUTTONS, {"B": "Attack"})
    assert [airstriker[b] for b in ("B", "A", "C")] == ["Action/Attack", "Action/Other", "Action/Other"]
    assert voc.controller_table(["BUTTON", "SELECT", "UP"], {"BUTTON": "Attack"}) == {
        "UP": "Action/Up", "BUTTON": "Action/Attack", "SELECT": "Action/Select"}


def test_rows_order_rounding_and_cells(tmp_path):
    table = pd.DataFrame({"LEFT": [1, 0, 0, 1], "B": [1, 1, 0, 0]}).astype(bool)
    rows = voc.action_rows(table, {"LEFT": voc.ACTION_LEFT, "B": "Action/Attack"})
    rows += [voc.point(voc.LEVEL_STARTED, 0), voc.span("Screen/Gameplay", 0, 3), voc.container_row(4, "x.bk2")]
    events = voc.to_frame(rows, voc.FRAME_RATES["GEN"], level="1")
    assert events["trial_type"].tolist() == ["gym-retro_game", "Action/Left", "Action/Attack", "LevelStarted",
                                             "Screen/Gameplay", "Action/Left"]   # stable, the container first
    assert events["frame_stop"].tolist() == [4, 0, 1, 0, 3, 3] and events["duration"].tolist()[:3] == [
        0.067, 0.0, 0.017]   # inclusive stop: a one-frame press lasts 0 s; the container's stop is the count
    path = write_events_tsv(events.assign(description="d", family=events["trial_type"].map(voc.family_of)),
                            tmp_path / "e.tsv")
    lines = path.read_text().splitlines()
    assert lines[0] == "trial_type\tlevel\tonset\tduration\tframe_start\tframe_stop\tbutton\tstim_file\tdescription\tfamily"
    assert lines[1] == "gym-retro_game\t1\t0.0\t0.067\t0\t4\tn/a\tx.bk2\td\trepetition"
    assert lines[2] == "Action/Left\t1\t0.0\t0.0\t0\t0\tLEFT\tn/a\td\tmovement"
    # numpy's rounding (x * 1000, then half to even), as CNeuroMod's pandas: 3 / 6000 → 0.0, where Python's → 0.001
    assert round(3 / 6000, 3) == 0.001 and voc.to_frame([voc.point("X", 3)], 6000).onset[0] == 0.0


def test_targets_and_families():
    events = pd.DataFrame({"trial_type": ["gym-retro_game", "Action/Up", "Action/Attack", "Screen/Death"]})
    assert voc.targets(events, ["Action/Up"])["trial_type"].tolist() == ["Action/Attack", "Screen/Death"]
    assert [voc.family_of(t) for t in events["trial_type"]] == ["repetition", "movement", "action", "screen"]
    assert voc.frame_rate("GEN", 60.0) == 59.922743404312 and voc.frame_rate("A26", 59.92) == 59.92
    assert voc.survival_outcome(np.array([2, 2, 1])) == "failed" and voc.survival_outcome([2, 2]) == "cleared"
    assert voc.survival_outcome(None) == "unknown"
