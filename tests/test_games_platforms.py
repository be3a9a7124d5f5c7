"""Platforms and bk2 letters: the buttons are stable-retro's core data, the letter tables (compiled C++ in
stable-retro) are checked against its compiled bk2 reader and writer on every platform."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import zipfile

import pytest
import stable_retro

from shinobi_tools.errors import InputError
from shinobi_tools.games import platforms
from shinobi_tools.replay.bk2 import header_text, input_log, read_bk2

CORES = os.path.join(os.path.dirname(stable_retro.__file__), "cores")


def letters_from_stable_retro(system: str) -> dict[str, int]:
    """Letter → emulator index as stable-retro's compiled reader decodes a bk2 of ``system`` (no ROM needed)."""
    candidates = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    found: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "probe.bk2")
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("Header.txt", f"MovieVersion Retro\nPlatform {platforms.header_code(system)}\n"
                                           "GameName probe\n")
            archive.writestr("Input Log.txt", "[Input]\nP1 X|\n" + "\n".join(f"|..|{c}|" for c in candidates)
                             + "\n[/Input]")
            archive.writestr("Core.bin", b"")
        movie = stable_retro.Movie(path)
        for candidate in candidates:
            movie.step()
            pressed = [i for i in range(len(platforms.buttons(system))) if movie.get_key(i, 0)]
            if pressed:
                (found[candidate],) = pressed
        movie.close()
    return found


def test_buttons_are_stable_retros_core_json():
    on_disk = {}
    for path in glob.glob(os.path.join(CORES, "*.json")):
        with open(path) as handle:
            on_disk.update(json.load(handle))
    assert set(platforms.systems()) == set(on_disk)
    for system, info in on_disk.items():
        assert list(platforms.buttons(system)) == info["buttons"]


@pytest.mark.parametrize("system", platforms.systems())
def test_letters_match_stable_retros_reader(system):
    assert letters_from_stable_retro(system) == platforms.keymap(system)


def test_known_column_lines():
    def line(system, players=1):
        return "".join(f"{c.name}|" for c in platforms.log_columns(system, players))

    assert line("Atari2600") == "P1 Right|P1 Left|P1 Down|P1 Up|P1 Select|P1 Button|"
    assert line("GEN") == "P1 Z|P1 X|P1 Y|P1 C|P1 Right|P1 Left|P1 Down|P1 Up|P1 Start|P1 Mode|P1 A|P1 B|"
    assert line("Nes", 2).startswith("P1 A|P1 Right|P1 Left|P1 Down|P1 Up|P1 Start|P1 Select|P1 B|P2 A|")
    assert line("PCEngine") == "P1 Right|P1 Left|P1 Down|P1 Up|P1 Select|"


def test_logged_and_playable_buttons():
    assert set(platforms.named_buttons("Atari2600")) - set(platforms.logged_buttons("Atari2600")) == {"RESET"}
    assert set(platforms.named_buttons("Sms")) - set(platforms.logged_buttons("Sms")) == {"PAUSE"}
    assert platforms.logged_buttons("Genesis") == platforms.named_buttons("Genesis")
    assert platforms.playable_buttons("Atari2600") == ("BUTTON", "UP", "DOWN", "LEFT", "RIGHT")
    assert platforms.playable_buttons("Nes") == ("B", "UP", "DOWN", "LEFT", "RIGHT", "A")


def test_header_codes():
    assert [platforms.header_code(p) for p in ("Genesis", "Snes", "Nes", "Atari2600", "GameBoy", "Sms")] == \
        ["GEN", "SNES", "NES", "A26", "GameBoy", "Sms"]
    assert platforms.resolve_system("A26") == "Atari2600" and platforms.resolve_system("nes") == "Nes"
    with pytest.raises(InputError, match="unknown platform 'Nope'"):
        platforms.resolve_system("Nope")


_WRITER = textwrap.dedent("""
    import sys, stable_retro as sr
    ext, out = sys.argv[1], sys.argv[2]
    rom = out + ext
    data = bytearray(0x80000)
    if ext == ".nes":
        data = bytearray(b"NES\\x1a\\x02\\x01" + bytes(10) + bytes(2 * 16384 + 8192))
    open(rom, "wb").write(bytes(data))
    em = sr.RetroEmulator(rom)
    system = sr.get_romfile_system(rom)
    movie = sr.Movie(out, True, 2)
    movie.configure("Dummy-v0", em)
    movie.set_state(em.get_state())
    movie.step()
    count = len(sr.get_system_info(system)["buttons"])
    for i in range(count):
        movie.set_key(i, True, 0)
        movie.set_key(count - 1 - i, True, 1)
        movie.step()
    movie.close()
    print(system)
""")


@pytest.mark.parametrize("ext", [".nes", ".sfc", ".gb", ".gbc", ".sms", ".gg", ".pce", ".32x", ".md"])
def test_stable_retros_recorder_writes_what_we_write(ext, tmp_path):
    """stable-retro's recorder, run on a blank ROM of each core that loads one (2 players, one button per row)."""
    out = tmp_path / "dummy.bk2"
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    result = subprocess.run([sys.executable, str(script), ext, str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    system = result.stdout.strip().splitlines()[-1]
    bk2 = read_bk2(out)
    assert bk2.system == system and bk2.players == 2
    with zipfile.ZipFile(out) as archive:
        assert archive.read("Input Log.txt").decode() == input_log(system, bk2.inputs)
        assert archive.read("Header.txt").decode() == header_text(system, "Dummy-v0")
    layout = platforms.buttons(system)
    for row, index in enumerate(range(len(layout)), start=1):
        logged = layout[index] in platforms.KEY_LETTERS
        assert bk2.inputs[row, 0, index] == logged and bk2.inputs[row, 0].sum() == int(logged)
