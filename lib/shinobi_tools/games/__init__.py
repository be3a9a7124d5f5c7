"""Game definitions: stable-retro id, platform, frame rate, RAM variables to record, and per event vocabulary
(``cneuromod``, the default, or ``legacy``) the game's event rules, salient events and invisible events.

Each of our games is one YAML file in ``games/data/`` (data, apart from the code); a user adds a game by dropping a
YAML file there or in a folder listed in the ``SHINOBI_TOOLS_GAMES`` environment variable (``:``-separated). Any other
stable-retro game is defined from its own integration (``generic_game``): its ``data.json`` variables, its
platform's buttons (``platforms``) and the generic events (``generic``).
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
    generic_game,
    get_game,
)

__all__ = ["CNEUROMOD", "DEFAULT_VOCABULARY", "LEGACY", "VOCABULARIES", "GameDefinition", "RamVariable",
           "available_games", "get_game", "game_for_retro_id", "generic_game"]
