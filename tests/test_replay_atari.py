"""Real Atari 2600 recordings the tests make themselves (ROMs from ale-py): recorded by our scripted player,
replayed, and every integration variable compared with stable-retro's own ``info`` on every frame; mp4 frames =
states rows; one ScoreIncrease per score increase and one LifeLost per lives decrease. Skipped without ale-py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import stable_retro

from shinobi_tools.events.extract import extract_events
from shinobi_tools.games import get_game
from shinobi_tools.games.integration import integration_variables
from shinobi_tools.media.video import count_frames
from shinobi_tools.replay.bk2 import read_bk2, write_bk2
from shinobi_tools.replay.emulator import open_env
from shinobi_tools.replay.record import record_episode
from shinobi_tools.replay.run import replay_bk2

SECONDS = 15


def movie_api_infos(path) -> list[dict]:
    """stable-retro's ``info`` on each step, replaying with its own Movie API (the reference)."""
    movie = stable_retro.Movie(str(path))
    movie.step()
    env = stable_retro.make(movie.get_game(), state=stable_retro.State.NONE, players=movie.players,
                            inttype=stable_retro.data.Integrations.ALL,
                            use_restricted_actions=stable_retro.Actions.ALL, render_mode=None)
    try:
        env.initial_state = movie.get_state()
        env.reset()
        infos = []
        while movie.step():
            keys = [movie.get_key(i, p) for p in range(movie.players) for i in range(env.unwrapped.num_buttons)]
            infos.append(dict(env.step(keys)[4]))
        return infos
    finally:
        env.close()


@pytest.fixture(scope="module")
def recordings(atari_roms, tmp_path_factory) -> dict[str, object]:
    """One recording per game by the scripted player, replayed into an mp4 and a states table."""
    folder = tmp_path_factory.mktemp("atari")
    out = {}
    for game in atari_roms[:3]:
        rep = record_episode(folder / f"{game}.bk2", seconds=SECONDS, seed=7, game=game)
        out[game] = (rep, replay_bk2(rep.path, folder / "replay", progress=False))
    return out


@pytest.mark.parametrize("game", ["Breakout-Atari2600-v0", "Asteroids-Atari2600-v0", "Qbert-Atari2600-v0"])
def test_replay_equals_stable_retros_info_on_every_frame(recordings, game):
    rep, outputs = recordings[game]
    table = pd.read_parquet(outputs.states)
    infos = movie_api_infos(rep.path)
    names = [v.name for v in integration_variables(game)]
    assert len(table) == len(infos) == rep.frames == read_bk2(rep.path).n_frames
    expected = pd.DataFrame(infos)[names].astype("int64")
    pd.testing.assert_frame_equal(table[names].reset_index(drop=True), expected, check_names=False)
    assert count_frames(outputs.video) == len(table)
    assert outputs.fps == pytest.approx(59.92) and table["time"].iloc[-1] == pytest.approx((len(table) - 1) / 59.92)


def test_masks_signs_and_bcd_are_exercised(recordings):
    """The recordings really go through what the comparison is meant to check."""
    asteroids = pd.read_parquet(recordings["Asteroids-Atari2600-v0"][1].states)
    assert set(asteroids["lives"]) <= {0, 16, 32, 48, 64, 80, 96, 112} and asteroids["score"].max() > 0
    qbert = pd.read_parquet(recordings["Qbert-Atari2600-v0"][1].states)
    assert qbert["score"].max() > 0
    breakout = pd.read_parquet(recordings["Breakout-Atari2600-v0"][1].states)
    assert breakout["lives"].diff().lt(0).any()


@pytest.mark.parametrize("game", ["Breakout-Atari2600-v0", "Asteroids-Atari2600-v0", "Qbert-Atari2600-v0"])
def test_events_count_every_score_increase_and_lives_decrease(recordings, game):
    table = pd.read_parquet(recordings[game][1].states)
    events = extract_events(table, get_game(game))
    counts = events["trial_type"].value_counts()
    assert counts.get("ScoreIncrease", 0) == int((table["score"].diff() > 0).sum())
    assert counts.get("LifeLost", 0) == int((table["lives"].diff() < 0).sum()) > 0
    assert counts.get("Action/Attack", 0) > 5 and "Action/Select" not in counts


def test_scripted_player_plays_like_a_person(recordings):
    bk2 = read_bk2(recordings["Breakout-Atari2600-v0"][0].path)
    presses = bk2.presses()
    assert presses["SELECT"] == presses["RESET"] == 0
    assert presses["BUTTON"] > 5 and presses["LEFT"] + presses["RIGHT"] > 3
    assert (~bk2.frame_inputs().any(axis=1)).sum() > 20


def test_same_seed_same_recording(recordings, tmp_path):
    rep = record_episode(tmp_path / "again.bk2", seconds=SECONDS, seed=7, game="Breakout-Atari2600-v0")
    assert rep.path.read_bytes() == recordings["Breakout-Atari2600-v0"][0].path.read_bytes()


def test_two_players(atari_roms, tmp_path):
    """Pong with two players: both pads replayed (our file, written from random inputs), info equal."""
    game = get_game("Pong-Atari2600-v0")
    with open_env(game, players=2) as env:
        state = bytes(env.unwrapped.em.get_state())
    rng = np.random.default_rng(3)
    frames = rng.random((600, 14)) < 0.2
    frames[:, [1, 2, 8, 9]] = False   # SELECT and RESET of both players
    path = write_bk2(tmp_path / "pong.bk2", game.retro_id, frames, state, players=2)
    outputs = replay_bk2(path, tmp_path / "replay", video=False, progress=False)
    table = pd.read_parquet(outputs.states)
    assert "P2_BUTTON" in table.columns and table["P2_UP"].any()
    infos = movie_api_infos(path)
    names = [v.name for v in game.variables]
    pd.testing.assert_frame_equal(table[names], pd.DataFrame(infos)[names].astype("int64"), check_names=False)
    assert table[names].nunique().max() > 1
