"""Shinobi III in CNeuroMod's current vocabulary: the six shared repetitions give exactly the rows their generator
wrote (through the command line, from the variables file and from a states table as our replay writes it), and
synthetic tables for the rules those files never trigger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shinobi_tools.cli import main
from shinobi_tools.events.extract import extract_events
from shinobi_tools.events.rules import shinobi3
from shinobi_tools.events.tsv import read_events_tsv
from shinobi_tools.events.variables import read_variables_json
from shinobi_tools.events.vocabulary import COLUMNS, CONTAINER, check_partition
from shinobi_tools.games import get_game
from shinobi_tools.replay.bk2 import GENESIS_BUTTONS

from conftest import CNEUROMOD_SHINOBI

#: The shared repetitions (None: the folder is absent, the tests that need it skip).
STEMS = sorted(p.name[: -len("_variables.json.gz")] for p in CNEUROMOD_SHINOBI.glob("*_variables.json.gz")) or [None]
STEM = "sub-01_ses-001_task-shinobi_run-01_level-1_rep-01"


def their_columns(text: str) -> list[str]:
    """The TSV lines cut to CNeuroMod's eight columns."""
    return ["\t".join(line.split("\t")[: len(COLUMNS)]) for line in text.splitlines()]


def run_events(tmp_path, source: str, path, *extra: str) -> str:
    assert main(["events", "--game", "shinobi3", source, str(path), "--out-dir", str(tmp_path),
                 "--vocabulary", "cneuromod", *extra]) == 0
    stem = path.name.split("_variables")[0].split("_states")[0]
    return (tmp_path / f"{stem}_events.tsv").read_text()


@pytest.mark.parametrize("stem", STEMS)
def test_shared_repetitions_give_cneuromod_rows(stem, cneuromod_shinobi, tmp_path):
    """Every row, byte for byte in their columns: trial_type, level, onset, duration, frames, button, stim_file."""
    ours = run_events(tmp_path, "--variables", cneuromod_shinobi / f"{stem}_variables.json.gz")
    theirs = (cneuromod_shinobi / f"{stem}_cneuromod_events.tsv").read_text()
    mismatched = [(i, a, b) for i, (a, b) in enumerate(zip(their_columns(ours), theirs.splitlines())) if a != b]
    assert not mismatched, f"{len(mismatched)} rows differ, first: {mismatched[:3]}"
    assert len(ours.splitlines()) == len(theirs.splitlines())
    events = read_events_tsv(tmp_path / f"{stem}_events.tsv")
    assert list(events.columns[:10]) == [*COLUMNS, "description", "family"]
    assert events["description"].notna().all() and not events["description"].str.startswith("Event ").any()
    check_partition(events, int(events.loc[events["trial_type"] == CONTAINER, "frame_stop"].iloc[0]))


def states_from_variables(path, hit_recovery: bool = True) -> pd.DataFrame:
    """The states table our replay would write for this repetition: ``frame``, ``time`` at the Genesis' true rate,
    the buttons, then the game definition's RAM variables, including ``hitRecovery`` (0xFF4165), which CNeuroMod's
    files lack: a 60-frame countdown from every health drop, as the game's post-hit timer runs."""
    game = get_game("shinobi3")
    variables = read_variables_json(path)
    n = len(variables)
    table = pd.DataFrame({"frame": np.arange(n), "time": np.arange(n) / game.fps})
    for button in GENESIS_BUTTONS:
        table[button] = variables[button].to_numpy(bool)
    timer = np.zeros(n, dtype=np.int64)
    for frame in np.flatnonzero(np.diff(variables["health"].to_numpy()) < 0) + 1:
        timer[frame:frame + 60] = np.arange(60, 0, -1)[: n - frame]
    for name in game.variable_names:
        table[name] = timer if name == "hitRecovery" else variables[name].to_numpy(np.int64)
    assert not hit_recovery or timer.any()
    return table


@pytest.mark.parametrize("stem", STEMS)
def test_a_replay_gives_the_rows_of_the_variables_file(stem, cneuromod_shinobi, tmp_path):
    """A replay (here: its states table, built from the variables file) gives CNeuroMod's rows at the true rate,
    though it records the post-hit timer as hitRecovery; reading that column adds HitRecovery rows, nothing else."""
    states = tmp_path / f"{stem}_states.parquet"
    table = states_from_variables(cneuromod_shinobi / f"{stem}_variables.json.gz")
    table.to_parquet(states)
    ours = run_events(tmp_path / "out", "--states", states)
    theirs = (cneuromod_shinobi / f"{stem}_cneuromod_events.tsv").read_text().splitlines()
    assert their_columns(ours) == theirs

    game = get_game("shinobi3")
    with_timer = extract_events(table, game, options={"hit_timer": "hitRecovery"}, stem=stem)
    recovery = with_timer["trial_type"] == "PlayerState/HitRecovery"
    assert recovery.sum() == (read_events_tsv(tmp_path / "out" / f"{stem}_events.tsv")["trial_type"]
                              == "PlayerDamaged").sum()
    assert with_timer.loc[recovery, "duration"].max() == pytest.approx(59 / 59.922743404312, abs=1e-3)
    others = with_timer[~recovery].to_csv(sep="\t", index=False, na_rep="n/a", lineterminator="\n")
    assert their_columns(others) == theirs


# --------------------------------------------------------------------------- rules the shared files never trigger

def synthetic(n: int = 900, **columns) -> pd.DataFrame:
    table = pd.DataFrame({"frame": np.arange(n), "time": np.arange(n) / 60})
    defaults = {"health": 16, "lives": 2, "blackScreen": 0, "instantScore": 0, "shurikens": 20, "ninjitsu": 1,
                "typeOfNinjitsu": 0, "score": 0}
    for name, value in {**defaults, **columns}.items():
        table[name] = np.broadcast_to(np.asarray(value), (n,)).copy()
    return table


def rows_of(events: pd.DataFrame, trial_type: str) -> list[list[int]]:
    return events.loc[events["trial_type"] == trial_type, ["frame_start", "frame_stop"]].astype(int).values.tolist()


def cneuromod(table: pd.DataFrame, **options) -> pd.DataFrame:
    return extract_events(table, get_game("shinobi3"), options=options, stem=STEM)


def test_hit_recovery_from_the_hit_timer():
    health = np.full(900, 16)
    health[100:] = 15
    health[390:400] = 14
    health[400:] = 0        # the death: health 0 from 400, the life lost at 500
    health[501:] = 16
    lives = np.full(900, 2)
    lives[500:] = 1
    timer = np.zeros(900, dtype=int)
    timer[100:180] = np.arange(80, 0, -1)      # after the hit: a recovery row 100..179
    timer[300:348] = np.arange(48, 0, -1)      # a knock-back without damage: no row
    timer[390:470] = np.arange(80, 0, -1)      # runs into health 0 at 400: cut to 390..399
    for name in ("hit_timer", "hitRecovery"):
        events = cneuromod(synthetic(health=health, lives=lives, **{name: timer}), hit_timer=name)
        assert rows_of(events, "PlayerState/HitRecovery") == [[100, 179], [390, 399]]
        assert rows_of(events, "PlayerDied") == rows_of(events, "Screen/Death") == [[400, 500]]
    # The default reads CNeuroMod's name only: our replay's column adds nothing unless asked for.
    events = cneuromod(synthetic(health=health, lives=lives, hitRecovery=timer))
    assert not rows_of(events, "PlayerState/HitRecovery")


def test_damage_near_a_life_loss_belongs_to_the_death_and_the_walk_back_stops_at_400_frames():
    health = np.full(1900, 16)
    health[100:] = 15          # 1000 frames before the first loss: PlayerDamaged
    health[600:] = 0           # 500 frames at 0 before the life loss at 1100: the onset stops 400 back (700)
    health[1101:] = 16
    health[1250:] = 15         # 150 frames after the loss (inside +180): dropped
    health[1290:] = 14         # 190 frames after: PlayerDamaged
    health[1650:] = 10         # 50 frames before the second loss at 1700 (inside -60): dropped
    health[1660:] = 0          # 40 frames before: dropped, and the second death's onset
    health[1701:] = 16
    lives = np.full(1900, 2)
    lives[1100:] = 1
    lives[1700:] = 0
    events = cneuromod(synthetic(1900, health=health, lives=lives))
    assert [f for f, _ in rows_of(events, "PlayerDamaged")] == [100, 600, 1290]
    assert rows_of(events, "PlayerDied") == [[700, 1100], [1660, 1700]]
    assert rows_of(events, "HealthGained") == [[1101, 1101], [1701, 1701]]
    assert rows_of(events, "PlayerState/Normal") == [[0, 699], [1101, 1659], [1701, 1899]]


def test_ninjutsu_buttons_game_over_level_end_and_life_gained():
    table = synthetic()
    ninjitsu, kind = np.ones(900, dtype=int), np.zeros(900, dtype=int)
    ninjitsu[200:], kind[200:] = 0, 3
    ninjitsu[100:200] = 2
    table["ninjitsu"], table["typeOfNinjitsu"] = ninjitsu, kind
    for button, frames in {"A": (10, 12), "START": (10, 10), "MODE": (10, 14), "X": (30, 31), "Z": (40, 40)}.items():
        table[button] = False
        table.loc[frames[0]:frames[1], button] = True
    mode = np.zeros(900, dtype=int)
    mode[300:320] = 20                     # a black screen: Transition
    mode[850:] = 62                        # the trailing fade: LevelEnd, LevelCompleted
    table["blackScreen"] = mode
    lives = np.full(900, 2)
    lives[600:] = 3
    lives[310:320] = -1                    # the last life lost, then lives < 0 on Transition frames: GameOver
    table["lives"] = lives
    events = cneuromod(table)
    assert events.loc[events["trial_type"].str.startswith("WeaponPowerupStarted"), "trial_type"].tolist() == [
        "WeaponPowerupStarted/Ninjutsu3"]
    actions = events[events["trial_type"].str.startswith("Action/")]
    assert actions[["trial_type", "button"]].values.tolist() == [
        ["Action/Ninjutsu", "A"], ["Action/Start", "START"], ["Action/Select", "MODE"], ["Action/Other", "X"],
        ["Action/Other", "Z"]]                     # on frame 10: A, START, MODE in CNeuroMod's order
    assert rows_of(events, "Action/Start") == [[10, 10]] and events.loc[actions.index[1], "duration"] == 0
    assert [r for r in events["trial_type"] if r.startswith("Screen/")] == [
        "Screen/Gameplay", "Screen/Transition", "Screen/Death", "Screen/GameOver", "Screen/Gameplay", "Screen/LevelEnd"]
    assert rows_of(events, "Screen/GameOver") == [[311, 319]] and rows_of(events, "PlayerDied") == [[310, 310]]
    assert rows_of(events, "LevelCompleted") == [[850, 850]] and rows_of(events, "LifeGained") == [[320, 320],
                                                                                                    [600, 600]]
    assert rows_of(events, "PlayerState/Normal") == [[0, 309], [320, 899]]
    kind[300:] = 0
    ninjitsu[300:] = 0
    ninjitsu[250:300] = 1
    table["ninjitsu"], table["typeOfNinjitsu"] = ninjitsu, kind
    types = cneuromod(table)["trial_type"]
    assert "WeaponPowerupStarted/Ninjutsu" in set(types)   # typeOfNinjitsu 0: the bare name


def test_kills_of_every_size_and_the_summary_keeps_the_published_definition():
    score = np.zeros(900, dtype=int)
    for frame, step in ((100, 200), (200, 300), (300, 400), (400, 500), (500, 100)):
        score[frame:] += step
    table = synthetic(instantScore=score, score=score)
    events = cneuromod(table)
    defeated = events[events["trial_type"] == "EnemyDefeated"]
    assert defeated["frame_start"].tolist() == [100, 200, 300, 400]
    assert defeated["points"].tolist() == [200, 300, 400, 500]
    summary = shinobi3.summarize(table, events, 60.0, {"kill_scores": [200, 300]})
    assert summary["enemies killed"] == 2 and summary["Outcome"] == "cleared" and summary["end_score"] == 1500


def test_timing_is_the_consoles_true_rate_whatever_the_table_says():
    events = cneuromod(synthetic(blackScreen=np.r_[np.zeros(599, int), np.full(301, 22)]))
    completed = events[events["trial_type"] == "LevelCompleted"].iloc[0]
    assert completed["onset"] == round(599 / 59.922743404312, 3) == 9.996  # 10.0 at the table's 60 fps
    container = events.iloc[0]
    assert container["trial_type"] == CONTAINER and container["stim_file"] == f"{STEM}.bk2"
    assert container["frame_stop"] == 900 and container["level"] == "1"
