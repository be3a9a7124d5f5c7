"""Game definitions: stable-retro id, RAM variables to record, and (later) event rules.

Each game is one YAML file in this folder; a user adds a game by dropping a YAML file here or in
a folder listed in the ``SHINOBI_TOOLS_GAMES`` environment variable (``:``-separated).
"""

from shinobi_tools.games.definition import GameDefinition, RamVariable, available_games, get_game, game_for_retro_id

__all__ = ["GameDefinition", "RamVariable", "available_games", "get_game", "game_for_retro_id"]
