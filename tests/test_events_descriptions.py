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


def test_builtin_phrasings_cover_every_event_type():
    for name, types in {"shinobi3": ["HIT", "JUMP", "NINJUTSU", "LEFT", "RIGHT", "UP", "DOWN", "Kill", "HealthLoss",
                                     "HealthGain", "ShurikenThrown", "Death", "LifeLost", "LevelComplete"],
                        "airstriker": ["FIRE", "LEFT", "RIGHT", "EnemyDestroyed", "LifeLost", "GameOver"]}.items():
        phrasings = load_descriptions(get_game(name))
        assert set(types) <= set(phrasings), name


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
