"""Game definitions: stable-retro id, platform, frame rate, RAM variables to record, salient events, and the
names of the game's event rules per vocabulary (``cneuromod``, the default, or ``legacy``).

Each game is one YAML file in ``games/data/`` (data, apart from the code); a user adds a game by dropping a YAML
file there or in a folder listed in the ``SHINOBI_TOOLS_GAMES`` environment variable (``:``-separated).
"""

from shinobi_tools.games.definition import (
    CNEUROMOD,
    DEFAULT_VOCABULARY,
    LEGACY,
    VOCABULARIES,
    GameDefinition,
    RamVariable,
    available_games,
    game_for_retro_id,
    get_game,
)

__all__ = ["CNEUROMOD", "DEFAULT_VOCABULARY", "LEGACY", "VOCABULARIES", "GameDefinition", "RamVariable",
           "available_games", "get_game", "game_for_retro_id"]
