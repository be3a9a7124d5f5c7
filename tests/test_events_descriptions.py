"""Event descriptions: deterministic phrasings with fields filled from the event, overridable."""

from __future__ import annotations

import pandas as pd
import pytest

from shinobi_tools.errors import ShinobiToolsError
from shinobi_tools.events.descriptions import describe, load_descriptions, read_descriptions
from shinobi_tools.games import get_game

EVENTS = pd.DataFrame({
    "trial_type": ["Kill", "ShurikenThrown", "LifeLost", "Unknown"] * 5,
    "points": [300, None, None, None] * 5,
    "value_before": [0, 20, 2, None] * 5,
    "value_after": [300, 19, 1, None] * 5,
    "cause": [None, None, "fall", None] * 5,
    "duration": [0.0] * 20,
})


#: Every type each game's rules can write, per vocabulary (WeaponPowerupStarted/Ninjutsu<n> falls back on the
#: entry without the number).
TYPES = {
    ("shinobi3", "legacy"): ["HIT", "JUMP", "NINJUTSU", "LEFT", "RIGHT", "UP", "DOWN", "Kill", "HealthLoss",
                             "HealthGain", "ShurikenThrown", "Death", "LifeLost", "LevelComplete"],
    ("airstriker", "legacy"): ["FIRE", "LEFT", "RIGHT", "EnemyDestroyed", "LifeLost", "GameOver"],
    ("shinobi3", "cneuromod"): [
        "Action/Attack", "Action/Jump", "Action/Ninjutsu", "Action/Left", "Action/Right", "Action/Up", "Action/Down",
        "Action/Start", "Action/Select", "Action/Other", "LevelStarted", "PlayerDamaged", "HealthGained",
        "PlayerState/HitRecovery", "PlayerDied", "LifeGained", "Screen/Gameplay", "Screen/Transition",
        "Screen/Death", "Screen/GameOver", "Screen/LevelEnd", "LevelCompleted", "PlayerState/Normal",
        "EnemyDefeated", "ProjectileAppeared/Shuriken", "ItemCollected/Shurikens", "WeaponPowerupStarted/Ninjutsu",
        "gym-retro_game"],
    ("airstriker", "cneuromod"): [
        "Action/Attack", "Action/Left", "Action/Right", "Action/Up", "Action/Down", "Action/Start", "Action/Select",
        "Action/Other", "LevelStarted", "PlayerDied", "LifeGained", "Screen/Gameplay", "Screen/Death",
        "Screen/GameOver", "PlayerState/Normal", "EnemyDefeated", "gym-retro_game"],
}


@pytest.mark.parametrize("game, vocabulary", sorted(TYPES))
def test_builtin_phrasings_cover_every_event_type(game, vocabulary):
    phrasings = load_descriptions(get_game(game))
    assert set(TYPES[game, vocabulary]) <= set(phrasings)
    assert set(get_game(game).for_vocabulary(vocabulary).salient_events) <= set(phrasings)


def test_hierarchical_types_fall_back_on_their_base_entry():
    phrasings = load_descriptions(get_game("shinobi3"))
    events = pd.DataFrame({"trial_type": ["WeaponPowerupStarted/Ninjutsu3", "Action/Other", "EnemyDefeated"],
                           "button": ["", "X", ""], "points": [None, None, 400], "duration": [0.0, 0.0, 0.0]})
    sentences = describe(events, phrasings).tolist()
    assert sentences[0] in phrasings["WeaponPowerupStarted/Ninjutsu"]
    assert sentences[1] == "The player presses X." and "+400 points" in sentences[2]


def test_fields_are_filled_and_choice_is_deterministic():
    phrasings = load_descriptions(get_game("shinobi3"))
    first, again = describe(EVENTS, phrasings, seed=1), describe(EVENTS, phrasings, seed=1)
    assert first.tolist() == again.tolist()
    kills = first[EVENTS["trial_type"] == "Kill"]
    assert all("+300 points" in s for s in kills)
    assert set(first[EVENTS["trial_type"] == "LifeLost"]) <= set(phrasings["LifeLost.fall"])
    assert set(first[EVENTS["trial_type"] == "Unknown"]) == {"Event Unknown."}
    seeds = {tuple(describe(EVENTS, phrasings, seed=s)) for s in range(5)}
    assert len(seeds) > 1  # the seed changes the choice


def test_override_replaces_entries(tmp_path):
    override = tmp_path / "mine.yaml"
    override.write_text("Kill:\n  - 'Enemy down: {points}.'\n")
    phrasings = load_descriptions(get_game("shinobi3"), override)
    assert phrasings["Kill"] == ["Enemy down: {points}."] and "JUMP" in phrasings
    assert describe(EVENTS.head(1), phrasings).iloc[0] == "Enemy down: 300."


@pytest.mark.parametrize("text, message", [
    ("Kill: []\n", "non-empty list"),
    ("Kill: ['{unknown_field}']\n", "unknown field"),
    ("- a\n- b\n", "bad.yaml: expected a mapping"),
])
def test_bad_descriptions_name_the_file(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ShinobiToolsError, match=message):
        read_descriptions(path)
