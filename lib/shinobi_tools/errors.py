"""The user errors: one base class, so every entry point answers them the same way (exit code 2, one line).

A message names the file, key or value at fault and the fix. Anything else that escapes is a bug.
"""


class ShinobiToolsError(Exception):
    """Base of every error a user can fix; its message is the one line the command line prints."""


class InputError(ShinobiToolsError, ValueError):
    """A bad input file or value (corrupt bk2, malformed table, out-of-range number)."""


class ConfigError(ShinobiToolsError, ValueError):
    """A bad configuration file or key (unknown key, wrong type, inconsistent values)."""


class MissingRomError(ShinobiToolsError, FileNotFoundError):
    """A game whose ROM is not imported into stable-retro."""


class MissingCheckpointError(ShinobiToolsError, FileNotFoundError):
    """A model folder or checkpoint that is absent or incomplete."""
