"""CNeuroMod's Mario games (EVENT_REFERENCE.md sections 1-2) on synthetic per-frame tables."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from shinobi_tools.events.exports import export_run
from shinobi_tools.events.extract import extract_events, summarize_run
from shinobi_tools.events.rules import mario, smb1, smb3
from shinobi_tools.games import get_game

N = 600


def frames(n: int = N, **columns) -> pd.DataFrame:
    table = pd.DataFrame({"frame": np.arange(n), "time": np.arange(n) / 60.0})
    for name, values in columns.items():
        table[name] = np.asarray(values)
    return table


def series(n: int = N, default: int = 0, **spans) -> np.ndarray:
    """A per-frame series: ``default`` everywhere, ``value`` on ``start..stop`` (inclusive) for each
    ``name=(start, stop, value)``."""
    out = np.full(n, default, dtype=np.int64)
    for start, stop, value in spans.values():
        out[start:stop + 1] = value
    return out


def kinds(rows) -> list[tuple[str, int, int | None]]:
    return [(r.trial_type, r.frame_start, r.frame_stop) for r in rows]


@pytest.fixture
def smb1_run() -> pd.DataFrame:
    """Title card, play as small then super Mario, a hit, a pipe, a stomped Goomba, a death by an enemy."""
    engine = series(default=8, card=(0, 29, 0), hit=(200, 209, 10), pipe=(300, 319, 2), entrance=(320, 349, 7),
                    death=(450, 460, 11), lose=(461, 520, 6), after=(521, 599, 0))
    coins = series(a=(50, 149, 1), b=(150, 599, 0))
    coins[:50] = 98
    coins[50:150] = 99
    score = series(a=(60, 69, 5), b=(70, 79, 10), c=(80, 599, 20))
    airborne = series(a=(55, 65, 1))
    return frames(
        player_state=engine, player_status=series(a=(100, 199, 1)), injury_timer=series(a=(200, 399, 8)),
        lives=series(default=2, a=(150, 599, 3)), coins=coins, score=score, jump_airborne=airborne,
        time=np.full(N, 300), world=np.zeros(N, int), area=np.zeros(N, int),
        enemy_id_0=np.full(N, 6), enemy_drawn15=series(a=(100, 160, 1)), enemy_offscr_masked_0=np.zeros(N, int),
        enemy_kill30=series(a=(150, 160, 4)), enemy_id_1=np.full(N, 0x2E), enemy_drawn16=series(a=(90, 99, 1)),
        event_music_queue=series(a=(500, 510, 0x40)),
    )


def test_smb1_player_items_enemies_and_screens(smb1_run):
    rows = kinds(smb1.rows(smb1_run, {}))
    assert ("LevelStarted", 0, None) in rows
    assert ("PlayerDamaged", 200, None) in rows and ("PlayerDied/Enemy", 450, None) in rows
    assert ("PipeEntered", 300, None) in rows and ("LifeGained", 150, None) in rows
    screens = [r for r in rows if r[0].startswith("Screen/")]
    assert screens == [("Screen/LevelIntro", 0, 29), ("Screen/Gameplay", 30, 299), ("Screen/Transition", 300, 349),
                       ("Screen/Gameplay", 350, 449), ("Screen/Death", 450, 520), ("Screen/LevelIntro", 521, 599)]
    forms = [r for r in rows if r[0] in ("PlayerState/Small", "PlayerState/Super", "PlayerState/Fire")]
    assert forms == [("PlayerState/Small", 30, 99), ("PlayerState/Super", 100, 199), ("PlayerState/Small", 200, 449)]
    assert ("PlayerState/HitRecovery", 200, 399) in rows
    assert [r for r in rows if r[0] == "ItemCollected/Coin"] == [("ItemCollected/Coin", 50, None),
                                                                  ("ItemCollected/Coin", 150, None)]
    assert [r for r in rows if r[0] == "BlockSmashed"] == [("BlockSmashed", 60, None)]   # +5 airborne only
    assert ("EnemyDefeated/Stomp/Goomba", 150, None) in rows and ("EnemyOnScreen/Goomba", 100, 160) in rows
    assert ("ItemOnScreen/Powerup", 90, 99) in rows
    assert ("TimerWarningStarted", 500, None) in rows
    assert not [r for r in rows if r[0] in ("LevelCompleted", "LevelExited/Warp", "PlayerDied/Fall")]


def test_smb1_fall_dated_back_to_leaving_the_screen_and_level_completed():
    engine = series(default=8, lose=(300, 350, 6), flag=(380, 399, 4), end=(400, 599, 5))
    table = frames(player_state=engine, player_y_screen=series(default=1, below=(100, 350, 2)),
                   lives=np.full(N, 2), score=np.zeros(N, int), time=np.full(N, 200))
    rows = kinds(smb1.rows(table, {}))
    assert ("PlayerDied/Fall", 100, 300) in rows and ("LevelCompleted", 400, None) in rows
    assert ("Screen/Death", 100, 350) in rows and ("Screen/LevelEnd", 380, 599) in rows


def test_smb1_timeout_warp_and_the_snes_port():
    timeout = frames(200, player_state=series(200, default=8, death=(150, 199, 11)), time=np.zeros(200, int),
                     lives=np.ones(200, int), score=np.zeros(200, int))
    assert ("PlayerDied/Timeout", 150, None) in kinds(smb1.rows(timeout, {}))
    warp = frames(100, player_state=np.full(100, 8), world=series(100, a=(50, 99, 3)), lives=np.ones(100, int),
                  score=np.zeros(100, int))
    assert ("LevelExited/Warp", 50, None) in kinds(smb1.rows(warp, {}))
    snes = frames(200, player_action_state=np.full(200, 8), reset=series(200, default=300, card=(0, 29, 100)),
                  time_units=np.concatenate([np.full(100, 101), np.full(100, 99)]), lives=np.ones(200, int),
                  score=series(200, a=(40, 199, 50)), player_coins=series(200, a=(10, 199, 1)))
    rows = kinds(smb1.rows(snes, {"port": "snes"}))
    assert ("Screen/LevelIntro", 0, 29) in rows and ("TimerWarningStarted", 100, None) in rows
    assert ("BlockSmashed", 40, None) in rows and ("ItemCollected/Coin", 10, None) in rows


def test_smb3_rules():
    table = frames(
        player_is_dying=series(fall=(300, 499, 2)), player_suit_lost=series(a=(100, 110, 3)),
        powerup=series(default=0, a=(0, 99, 1)), lives=np.full(N, 4), score=series(a=(30, 599, 1)),
        in_air=series(a=(25, 35, 1)), coins_p1=series(a=(20, 599, 1)), p_switch_timer=series(a=(200, 250, 128)),
        goal_cards_p1_1=series(a=(550, 599, 2)), object_id_0=np.full(N, 0x72), object_state_0=series(a=(50, 79, 1),
                                                                                                     b=(80, 84, 7)),
        object_id_1=np.full(N, 0x73), object_state_1=series(a=(110, 119, 1), b=(120, 139, 3), c=(140, 170, 5)),
        object_id_2=np.full(N, 0x0D), object_state_2=series(a=(10, 19, 1)),
    )
    rows = kinds(smb3.rows(table, {}))
    assert ("PlayerDied/Fall", 300, None) in rows and ("PlayerDamaged", 100, None) in rows
    assert ("EnemyDefeated/Stomp", 80, None) in rows and ("EnemyDefeated/Stomp", 120, None) in rows
    assert ("ShellStartedMoving", 140, None) in rows and ("EnemyOnScreen", 50, 84) in rows
    assert ("ItemOnScreen/Mushroom", 10, 19) in rows
    assert ("ItemCollected/Coin", 20, None) in rows and ("BlockSmashed", 30, None) in rows
    assert ("PSwitchStarted", 200, None) in rows and ("PSwitchExpired", 251, None) in rows
    assert ("GoalCardCollected/Star", 550, None) in rows and ("LevelCompleted", 550, None) in rows
    assert [r for r in rows if r[0].startswith("Screen/")] == [
        ("Screen/Gameplay", 0, 299), ("Screen/Death", 300, 499), ("Screen/Gameplay", 500, 549),
        ("Screen/LevelEnd", 550, 599)]
    assert ("PlayerState/Super", 0, 99) in rows and ("PlayerState/Small", 100, 299) in rows
    assert kinds(smb3.rows(table, {"restart": True}))[0] == ("LevelRestarted", 0, None)


def test_rows_become_events_with_exclusive_stops_and_descriptions(smb1_run):
    game = get_game("mario").for_vocabulary("legacy")   # the legacy table: frame_stop exclusive
    table = smb1_run.copy()
    table["A"] = np.zeros(N, bool)
    table.loc[40:44, "A"] = True
    events = extract_events(table, game, fps=60.0)
    jump = events[events["trial_type"] == "Action/Jump"]
    assert jump[["frame_start", "frame_stop"]].values.tolist() == [[40, 45]]
    death = events[events["trial_type"] == "Screen/Death"]
    assert death[["frame_start", "frame_stop"]].values.tolist() == [[450, 521]]
    plain = events[~events["trial_type"].str.count("/").ge(2) & ~events["trial_type"].str.startswith("EnemyOnScreen/")]
    assert not plain["description"].str.startswith("Event ").any()
    summary = summarize_run(table, events, game, fps=60.0)
    assert summary["deaths"] == 1 and summary["cleared"] is False and summary["end_score"] == 20


def test_events_from_a_cneuromod_style_variables_file(tmp_path, smb1_run):
    """A `*_variables.json.gz` as CNeuroMod stores them (one list per variable and per NES button)."""
    data = {name: smb1_run[name].tolist() for name in smb1_run.columns if name not in ("frame", "time")}
    for button in ("A", "B", "LEFT", "RIGHT", "UP", "DOWN", "START", "SELECT"):
        data[button] = [0] * N
    data["B"][100:130] = [1] * 30
    path = tmp_path / "sub-01_ses-001_task-mario_run-01_level-w1l1_rep-000_variables.json.gz"
    with gzip.open(path, "wt") as handle:
        json.dump(data, handle)
    written = export_run(path, "mario", tmp_path / "events")
    tsv = pd.read_csv(written["events"], sep="\t")
    assert (tsv["trial_type"] == "Action/Run").sum() == 1 and (tsv["trial_type"] == "PlayerDied/Enemy").sum() == 1


def test_tracks_bridge_gaps_and_drop_churn():
    visible = np.zeros(40, bool)
    visible[[0, 1, 2, 3, 6, 7, 8, 20, 21]] = True
    found = mario.tracks(1, lambda s: visible, lambda s: np.full(40, 6), lambda k: True)
    assert [(t.frame_start, t.frame_stop) for t in found] == [(0, 8)]


def test_cneuromod_vocabulary_rows_with_the_controller_and_one_level_start(smb1_run):
    """The default vocabulary: frame_stop inclusive, the controller's Action/* rows from the game's roles (A jumps),
    and the rules' own LevelStarted only once."""
    table = smb1_run.copy()
    table["A"] = np.zeros(N, bool)
    table.loc[40:44, "A"] = True
    events = extract_events(table, get_game("mario"), fps=60.0)
    jump = events[events["trial_type"] == "Action/Jump"]
    assert jump[["frame_start", "frame_stop"]].values.tolist() == [[40, 44]]
    assert (events["trial_type"] == "LevelStarted").sum() == 1
    assert events["trial_type"].iloc[0] == "gym-retro_game"
