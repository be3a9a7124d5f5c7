"""One exception type for bad user input: its message is the single line the CLI prints."""


class InputError(Exception):
    """Bad input a user can fix: the message names the file and the fix."""
