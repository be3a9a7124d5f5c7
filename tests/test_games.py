import pytest

from shinobi_tools.errors import InputError
from shinobi_tools.games import available_games, definition, game_for_retro_id, get_game


def test_builtin_games():
    assert {"airstriker", "shinobi3"} <= set(available_games())
    shinobi = get_game("shinobi3")
    variables = {v.name: v for v in shinobi.variables}
    # The full CNeuroMod map, not only stable-retro's three variables.
    assert {"health", "lives", "score", "instantScore", "shurikens", "X_player", "status", "blackScreen"} <= set(variables)
    assert variables["health"].address == 0xFF37E9 and variables["score"].type == ">d4"
    assert game_for_retro_id("Airstriker-Genesis").name == "airstriker"


def test_unknown_game():
    with pytest.raises(InputError, match="unknown game 'tetris'; known games: .*airstriker"):
        get_game("tetris")


def test_user_adds_a_game_with_one_yaml(tmp_path, monkeypatch):
    (tmp_path / "sonic.yaml").write_text(
        "name: sonic\nretro_id: SonicTheHedgehog-Genesis-v0\nvariables:\n"
        "  rings: {address: 0xFFFE20, type: '>u2'}\n"
    )
    monkeypatch.setenv("SHINOBI_TOOLS_GAMES", str(tmp_path))
    definition._all_games.cache_clear()
    try:
        game = get_game("sonic")
        assert game.variables[0].address == 0xFFFE20 and game.fps is None   # the core's rate, at replay
    finally:
        monkeypatch.delenv("SHINOBI_TOOLS_GAMES")
        definition._all_games.cache_clear()


def test_bad_variable_type_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nretro_id: Bad-Genesis-v0\nvariables:\n  x: {address: 1, type: 'u2'}\n")
    with pytest.raises(InputError, match="not stable-retro notation"):
        definition.load_game_file(path)
    path.write_text("retro_id: Bad-Genesis-v0\n")
    with pytest.raises(InputError, match=r"bad\.yaml: invalid game definition"):
        definition.load_game_file(path)


def test_each_vocabulary_has_its_rules_salient_and_invisible_events(tmp_path):
    airstriker = get_game("airstriker")
    assert airstriker.vocabulary == "cneuromod" and airstriker.rules == "airstriker"
    assert airstriker.salient_events == ("EnemyDefeated", "PlayerDied") and "Action/Up" in airstriker.invisible_events
    legacy = airstriker.for_vocabulary("legacy")
    assert (legacy.rules, legacy.salient_events, legacy.invisible_events) == (
        "airstriker_legacy", ("EnemyDestroyed", "LifeLost"), ())
    assert legacy.for_vocabulary(None) == airstriker and get_game("shinobi3").actions["C"] == "Jump"
    with pytest.raises(InputError, match="unknown event vocabulary 'bids'"):
        airstriker.for_vocabulary("bids")
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nretro_id: Bad-Genesis-v0\nsalient_events: {cneuromod: [A], bids: [B]}\n")
    with pytest.raises(InputError, match=r"bad\.yaml: `salient_events` names unknown vocabularies \['bids'\]"):
        definition.load_game_file(path)
    path.write_text("name: one\nretro_id: One-Genesis-v0\nsalient_events: [Crash]\n")
    one = definition.load_game_file(path)   # one value for every vocabulary
    assert one.salient_events == one.for_vocabulary("legacy").salient_events == ("Crash",)
