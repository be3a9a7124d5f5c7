"""A stable-retro game's own integration: data.json variables read with stable-retro's rules, ids, platforms, and
the generic game definition made from them."""

from __future__ import annotations

import json

import pytest
import stable_retro.data as retro_data

from shinobi_tools.errors import InputError
from shinobi_tools.games import generic_game, get_game
from shinobi_tools.games.integration import (
    RamVariable,
    find_retro_id,
    integration_variables,
    read_data_json,
    system_of_game,
)


class FakeMemory:
    """``data.memory`` with one decoded value per address (as stable-retro's ``extract`` returns it)."""

    def __init__(self, values):
        self.values = values

    def extract(self, address, kind):
        return self.values[address]


def test_every_data_json_loads_like_stable_retro():
    """Names, addresses and types of every integration's variables equal stable-retro's own loader's."""
    games = retro_data.list_games(retro_data.Integrations.ALL)
    assert len(games) > 1000
    for game in games:
        ours = {v.name: (v.address, v.type) for v in integration_variables(game)}
        data = retro_data.GameData(game, inttype=retro_data.Integrations.ALL)
        assert ours == {name: (spec["address"], spec["type"]) for name, spec in data.list_variables().items()}, game


def test_masks_apply_after_sign_extension_without_shift():
    memory = FakeMemory({188: 0x4B, 1: -13, 2: 0xFF, 3: -2})
    assert RamVariable("lives", 188, "|u1", mask=240).read(memory) == 64   # Asteroids: 4 lives read 64
    assert RamVariable("x", 1, "|i1", mask=15).read(memory) == 3
    assert RamVariable("x", 2, "|u1", mask=-113).read(memory) == 0xFF & -113
    assert RamVariable("x", 3, "|i1", mask=(1 << 64) - 1).read(memory) == -2   # uint64 all ones = no mask
    assert RamVariable("x", 3, "|i1").read(memory) == -2


def test_asteroids_integration_has_its_mask():
    lives = {v.name: v for v in integration_variables("Asteroids-Atari2600-v0")}["lives"]
    assert (lives.address, lives.type, lives.mask) == (188, "|u1", 240)


def test_data_json_rules(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"info": {"a": {"address": 1, "type": ">d4"}, "b": {"address": 2, "type": "u1"},
                                         "c": {"address": 3, "type": "><d4", "mask": 15}}}))
    assert [(v.name, v.mask) for v in read_data_json(path)] == [("a", None), ("c", 15)]   # 'u1' skipped, as theirs
    path.write_text(json.dumps({"info": {"a": {"type": ">d4"}}}))
    with pytest.raises(InputError, match=r"data\.json: variable 'a' lacks `address` or `type`"):
        read_data_json(path)
    path.write_text("{}")
    with pytest.raises(InputError, match="no `info` object"):
        read_data_json(path)


@pytest.mark.parametrize(("name", "retro_id", "system"), [
    ("Airstriker-Genesis-v0", "Airstriker-Genesis-v0", "Genesis"),
    ("Breakout-Atari2600", "Breakout-Atari2600-v0", "Atari2600"),
    ("SuperMarioBros-Nes-v0", "SuperMarioBros-Nes-v0", "Nes"),
    ("SuperMarioWorld-Snes-v0", "SuperMarioWorld-Snes-v0", "Snes"),
    ("MortalKombat2-Arcade-v0", "MortalKombat2-Arcade-v0", "FBNeo"),
    ("Contra-Nes", "Contra-Nes", "Nes"),                                   # experimental, no -v0
    ("SonicTheHedgehogCustomKevin-Genesis", "SonicTheHedgehogCustomKevin-Genesis", "Genesis"),   # contrib
])
def test_ids_and_platforms(name, retro_id, system):
    assert find_retro_id(name) == retro_id
    assert system_of_game(retro_id) == system


def test_unknown_ids():
    assert find_retro_id("Tetris-Nowhere") is None and find_retro_id("../stable") is None
    with pytest.raises(InputError, match="unknown game 'Tetris-Nowhere'; known games: .*stable-retro game id"):
        get_game("Tetris-Nowhere")


def test_generic_definition_of_a_game_without_a_file():
    game = get_game("Pong-Atari2600")
    assert game is generic_game("Pong-Atari2600-v0")
    assert game.rules == "generic" and game.platform == "Atari2600" and game.fps is None
    assert game.button_events["BUTTON"] == "FIRE" and game.button_events["LEFT"] == "LEFT"
    assert "RESET" not in game.button_events     # a bk2 cannot hold it
    assert [v.name for v in game.variables] == [v.name for v in integration_variables("Pong-Atari2600-v0")]
    assert game.source.name == "data.json"
    assert get_game("Breakout-Atari2600-v0").salient_events == ("ScoreIncrease", "LifeLost")


def test_our_definitions_win_over_the_integration():
    assert get_game("Airstriker-Genesis-v0").name == "airstriker"
    assert get_game("Airstriker-Genesis").name == "airstriker"
