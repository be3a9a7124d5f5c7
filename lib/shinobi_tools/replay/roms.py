"""ROMs: is a game's ROM imported into stable-retro, and importing ROMs (``shinobi-tools import-roms``).

stable-retro's importer (``python -m stable_retro.import DIR...``) walks the folders (zips included), computes each
file's SHA-1 (without the iNES header for ``.nes``), and copies every file whose SHA-1 an integration's ``rom.sha``
lists into that integration's folder, inside the installed package (so a new environment needs a new import). File
names do not matter. The ``ale-py`` package (the ``atari`` extra) ships Atari 2600 ROMs, 32 of which match
stable-retro's integrations (Breakout, Pong, Qbert, Enduro, MontezumaRevenge ...).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from shinobi_tools.errors import InputError
from shinobi_tools.games.integration import all_integrations, integration_dir, system_of_game

IMPORT_COMMAND = "shinobi-tools import-roms /path/to/your/roms"


def rom_imported(retro_id: str) -> bool:
    """Whether stable-retro finds a ROM for the game (the integration's folder holds ``rom.<ext>``)."""
    import stable_retro.data

    try:
        stable_retro.data.get_romfile_path(retro_id, all_integrations())
    except FileNotFoundError:
        return False
    return True


def expected_sha1s(retro_id: str) -> list[str]:
    """The ROM SHA-1s the integration accepts (its ``rom.sha``, one per line)."""
    folder = integration_dir(retro_id)
    if folder is None or not (folder / "rom.sha").exists():
        return []
    return [line.strip() for line in (folder / "rom.sha").read_text().splitlines() if line.strip()]


def missing_rom_message(retro_id: str) -> str:
    """One line: the game's ROM is not imported, and the command that imports it."""
    shas = " or ".join(expected_sha1s(retro_id)) or "?"
    atari = ""
    if integration_dir(retro_id) is not None and system_of_game(retro_id) == "Atari2600":
        atari = " (Atari 2600 games: `shinobi-tools import-roms --ale-py` imports the ROMs ale-py ships)"
    return (f"the ROM of {retro_id} is not imported into stable-retro; import it with `{IMPORT_COMMAND}` "
            f"(a file with SHA-1 {shas}){atari}")


def ale_py_rom_dir() -> Path:
    """The folder of the Atari 2600 ROMs ale-py ships."""
    try:
        import ale_py.roms
    except ImportError:
        raise InputError("ale-py is not installed; install it with `pip install 'shinobi-tools[atari]'` (or "
                         "`pip install ale-py`), then run `shinobi-tools import-roms --ale-py` again") from None
    return Path(os.path.dirname(ale_py.roms.__file__))


def import_roms(folders: list[str | Path]) -> list[str]:
    """Run stable-retro's importer on ``folders``; return the ids of the games it imported, sorted."""
    for folder in folders:
        if not Path(folder).is_dir():
            raise InputError(f"{folder}: not a folder; give the folder holding your ROM files (zips are opened)")
    result = subprocess.run([sys.executable, "-m", "stable_retro.import", *map(str, folders)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        reason = lines[-1] if lines else f"exit code {result.returncode}"
        raise InputError(f"{', '.join(map(str, folders))}: stable-retro's ROM import failed ({reason}); it writes "
                         "into the installed stable_retro package, which must be writable")
    return sorted(set(re.findall(r"^Importing (\S+)", result.stdout, flags=re.MULTILINE)))
