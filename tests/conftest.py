"""Shared fixtures: paths, the optional ../shared data, and small bk2 files made by the tests."""

from __future__ import annotations

import re
from pathlib import Path

import av
import numpy as np
import pytest

from shinobi_tools.games.platforms import named_buttons
from shinobi_tools.replay.bk2 import write_bk2

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
EXTERNAL_BK2 = SHARED_DATA / "bk2_external" / "Airstriker-Genesis-best.bk2"
DEFAULT_DATASET = REPO_ROOT / "data" / "airstriker"
#: The Genesis pad in the emulator's order, from stable-retro's core data (B A MODE START UP DOWN LEFT RIGHT C Y X Z).
GENESIS_BUTTONS = named_buttons("Genesis")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real files from outside the project (../shared/data); skipped where absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent: real external files are only on the developers' machines")
    return SHARED_DATA


@pytest.fixture(scope="session")
def external_bk2(shared_data: Path) -> Path:
    if not EXTERNAL_BK2.exists():
        pytest.skip(f"{EXTERNAL_BK2} is absent")
    return EXTERNAL_BK2


@pytest.fixture(scope="session")
def airstriker_state() -> bytes:
    """Airstriker's emulator state right after reset (what a recorded bk2 stores as Core.bin)."""
    from shinobi_tools.games import get_game
    from shinobi_tools.replay.emulator import open_env

    with open_env(get_game("airstriker")) as env:
        return bytes(env.unwrapped.em.get_state())


def random_inputs(frames: int, seed: int = 0) -> np.ndarray:
    """Held buttons of varied length (frames × 12, bool), never START/MODE."""
    rng = np.random.default_rng(seed)
    inputs = np.zeros((frames, len(GENESIS_BUTTONS)), dtype=bool)
    for j, name in enumerate(GENESIS_BUTTONS):
        if name in ("START", "MODE"):
            continue
        frame = int(rng.integers(0, 30))
        while frame < frames:
            hold = int(rng.integers(2, 40))
            inputs[frame:frame + hold, j] = True
            frame += hold + int(rng.integers(5, 90))
    return inputs


@pytest.fixture
def make_airstriker_bk2(tmp_path: Path, airstriker_state: bytes):
    """Factory: a replayable Airstriker bk2 of ``frames`` random-input frames in ``tmp_path``."""

    def make(name: str = "sub-01_ses-001_task-airstriker_run-01_level-1_rep-01.bk2", frames: int = 600,
             seed: int = 0, folder: Path | None = None) -> Path:
        folder = folder or tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        return write_bk2(folder / name, "Airstriker-Genesis-v0", random_inputs(frames, seed), airstriker_state)

    return make


CNEUROMOD_SHINOBI = SHARED_DATA / "cneuromod_shinobi"


@pytest.fixture(scope="session")
def cneuromod_shinobi(shared_data: Path) -> Path:
    """The four real CNeuroMod Shinobi repetitions (variables + summary JSON); skipped where absent."""
    if not sorted(CNEUROMOD_SHINOBI.glob("*_variables.json.gz")):
        pytest.skip(f"{CNEUROMOD_SHINOBI} has no *_variables.json.gz: real CNeuroMod files are only on the developers' machines")
    return CNEUROMOD_SHINOBI


def scripted_airstriker_inputs(frames: int = 2400) -> np.ndarray:
    """A player that fires (B) every 8 frames and sweeps left/right: it scores, dies and ends the game."""
    t = np.arange(frames)
    inputs = np.zeros((frames, len(GENESIS_BUTTONS)), dtype=bool)
    column = {name: j for j, name in enumerate(GENESIS_BUTTONS)}
    inputs[:, column["B"]] = t % 8 < 4
    inputs[:, column["LEFT"]] = t % 120 < 60
    inputs[:, column["RIGHT"]] = (t % 120 >= 60) & (t % 120 < 115)
    inputs[:, column["UP"]] = t % 300 < 20
    inputs[:, column["DOWN"]] = (t % 300 >= 150) & (t % 300 < 170)
    return inputs


@pytest.fixture(scope="session")
def airstriker_states(tmp_path_factory, airstriker_state: bytes) -> Path:
    """States parquet of a scripted 40 s Airstriker game (every Airstriker event type occurs)."""
    from shinobi_tools.replay.run import replay_bk2

    folder = tmp_path_factory.mktemp("airstriker_events")
    bk2 = write_bk2(folder / "sub-01_ses-001_task-airstriker_run-01_level-1_rep-01.bk2", "Airstriker-Genesis-v0",
                    scripted_airstriker_inputs(), airstriker_state)
    return replay_bk2(bk2, folder, video=False, progress=False).states


def read_frame(path: str | Path, index: int) -> np.ndarray:
    """Decode frame ``index`` (0-based) of a video as RGB."""
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == index:
                return frame.to_ndarray(format="rgb24")
    raise IndexError(f"{path}: frame {index} is past the end of the video")


def parse_intervals(text: str) -> list[tuple[float, float]]:
    """The intervals of a grounding answer (``0.50s-0.90s, 2.10s-2.40s``)."""
    return [(float(a), float(b)) for a, b in re.findall(r"(\d+(?:\.\d+)?)s-(\d+(?:\.\d+)?)s", text)]


#: Atari 2600 games the real-ROM tests record: plain variables (Breakout), a masked one (Asteroids' lives, mask
#: 240), a signed one and a 3-byte BCD score (Qbert: lives |i1, score >d3), two players (Pong).
ATARI_GAMES = ("Breakout-Atari2600-v0", "Asteroids-Atari2600-v0", "Qbert-Atari2600-v0", "Pong-Atari2600-v0")


@pytest.fixture(scope="session")
def atari_roms() -> tuple[str, ...]:
    """The Atari ROMs of :data:`ATARI_GAMES`, imported from ale-py when they are not yet; skipped without ale-py."""
    from shinobi_tools.errors import InputError
    from shinobi_tools.replay.roms import ale_py_rom_dir, import_roms, rom_imported

    if not all(map(rom_imported, ATARI_GAMES)):
        try:
            import_roms([ale_py_rom_dir()])
        except InputError as error:
            pytest.skip(f"real Atari 2600 ROMs are needed: {error} (`make setup` installs and imports them)")
    missing = [game for game in ATARI_GAMES if not rom_imported(game)]
    if missing:
        pytest.skip(f"ale-py's ROMs did not import {', '.join(missing)}")
    return ATARI_GAMES
