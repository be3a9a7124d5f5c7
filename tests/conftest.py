"""Shared fixtures: paths, the optional ../shared data, and small bk2 files made by the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shinobi_tools.bk2 import GENESIS_BUTTONS, write_bk2

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
EXTERNAL_BK2 = SHARED_DATA / "bk2_external" / "Airstriker-Genesis-best.bk2"
DEFAULT_DATASET = REPO_ROOT / "data" / "airstriker"


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
    from shinobi_tools.emulator import open_env
    from shinobi_tools.games import get_game

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
