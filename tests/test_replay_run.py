import hashlib
from fractions import Fraction

import av
import numpy as np
import pandas as pd
import pytest
import stable_retro

from shinobi_tools.errors import InputError, MissingRomError
from shinobi_tools.games import get_game
from shinobi_tools.media.video import count_frames
from shinobi_tools.replay.bk2 import read_bk2, write_bk2
from shinobi_tools.replay.run import iter_replay, replay_bk2

from conftest import GENESIS_BUTTONS, read_frame


def screen_hash(bk2_path) -> str:
    digest = hashlib.sha1()
    for step in iter_replay(read_bk2(bk2_path), get_game("airstriker")):
        digest.update(step.screen.tobytes())
    return digest.hexdigest()


def movie_api_hash(bk2_path) -> str:
    """Frames as stable-retro's own Movie API replays them (the reference)."""
    movie = stable_retro.Movie(str(bk2_path))
    movie.step()
    env = stable_retro.make("Airstriker-Genesis-v0", state=stable_retro.State.NONE,
                            use_restricted_actions=stable_retro.Actions.ALL, render_mode=None)
    try:
        env.initial_state = movie.get_state()
        env.reset()
        digest = hashlib.sha1()
        while movie.step():
            observation, *_ = env.step([movie.get_key(i, 0) for i in range(env.num_buttons)])
            digest.update(observation.tobytes())
        return digest.hexdigest()
    finally:
        env.close()


def test_replay_is_deterministic_and_matches_the_movie_api(make_airstriker_bk2):
    path = make_airstriker_bk2(frames=400)
    first = screen_hash(path)
    assert first == screen_hash(path)
    assert first == movie_api_hash(path)


def test_states_table_and_video_are_frame_exact(make_airstriker_bk2, tmp_path):
    path = make_airstriker_bk2(frames=500, seed=3)
    outputs = replay_bk2(path, tmp_path / "out", progress=False)
    table = pd.read_parquet(outputs.states)
    game = get_game("airstriker")
    assert list(table.columns) == ["frame", "time", *GENESIS_BUTTONS, *game.variable_names]
    assert len(table) == outputs.n_frames == 500
    assert table["frame"].tolist() == list(range(500))
    assert table["time"].iloc[100] == pytest.approx(100 / 59.922743)
    assert np.array_equal(table[list(GENESIS_BUTTONS)].to_numpy(), read_bk2(path).frame_inputs())
    assert table["lives"].max() > 0

    assert count_frames(outputs.video) == len(table)
    with av.open(str(outputs.video)) as container:
        assert container.streams.video[0].average_rate == Fraction(59922743, 1000000)
    # The decoded frame 250 is (lossily) the emulator's frame 250, not a neighbour.
    screens = [s.screen.copy() for s in iter_replay(read_bk2(path), game) if s.frame in (249, 250, 251)]
    decoded = read_frame(outputs.video, 250).astype(int)
    errors = [np.abs(decoded - s.astype(int)).mean() for s in screens]
    assert int(np.argmin(errors)) == 1 and errors[1] < 6
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [outputs.video.name, outputs.states.name]


def test_table_only_and_audio(make_airstriker_bk2, tmp_path):
    path = make_airstriker_bk2(frames=300)
    table_only = replay_bk2(path, tmp_path / "a", video=False, progress=False)
    assert table_only.video is None and table_only.states.exists()
    with_audio = replay_bk2(path, tmp_path / "b", audio=True, progress=False)
    with av.open(str(with_audio.video)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]
        audio = container.streams.audio[0]
        seconds = float(audio.duration * audio.time_base)
    assert seconds == pytest.approx(300 / 59.922743, abs=0.05)
    pd.testing.assert_frame_equal(pd.read_parquet(table_only.states), pd.read_parquet(with_audio.states))


def test_wrong_game_is_refused(make_airstriker_bk2, tmp_path):
    path = make_airstriker_bk2()
    with pytest.raises(InputError, match="recorded in Airstriker-Genesis-v0, but the configured game is shinobi3"):
        replay_bk2(path, tmp_path / "out", game="shinobi3", progress=False)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_rom_names_the_game_and_the_import_command(tmp_path, airstriker_state):
    game = get_game("shinobi3")
    try:
        stable_retro.data.get_romfile_path(game.retro_id)
        pytest.skip("the Shinobi III ROM is imported on this machine")
    except FileNotFoundError:
        pass
    path = write_bk2(tmp_path / "shinobi.bk2", game.retro_id, np.zeros((10, 12), bool), airstriker_state)
    with pytest.raises(MissingRomError) as error:
        replay_bk2(path, tmp_path / "out", progress=False)
    message = str(error.value)
    assert "shinobi.bk2" in message and game.retro_id in message
    assert "shinobi-tools import-roms" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_corrupt_start_state_leaves_no_partial_outputs(tmp_path):
    path = write_bk2(tmp_path / "corrupt.bk2", "Airstriker-Genesis-v0", np.zeros((100, 12), bool), b"garbage" * 50)
    with pytest.raises(InputError, match=r"corrupt\.bk2: the start state \(Core\.bin\) is not a valid"):
        replay_bk2(path, tmp_path / "out", progress=False)
    assert list((tmp_path / "out").iterdir()) == []


def test_external_bk2_replays(external_bk2, tmp_path):
    outputs = replay_bk2(external_bk2, tmp_path, video=False, progress=False)
    table = pd.read_parquet(outputs.states)
    assert len(table) == 1782
    assert table["score"].diff().fillna(0).ge(0).all()


def test_rates_come_from_the_core_and_agree_with_the_game_files():
    from shinobi_tools.replay.emulator import core_timing, nominal_rate, open_env

    game = get_game("airstriker")
    with open_env(game) as env:
        timing = core_timing(env)
    assert timing.fps == game.fps == 59.922743 and timing.audio_rate == 44100
    assert (timing.height, timing.width) == (224, 320)
    assert nominal_rate(59.91999816894531) == 59.92          # Stella's float32 rate
    assert nominal_rate(60.09982652067071) == 60.099827      # the NES core's
