import zipfile

import numpy as np
import pytest
import stable_retro

from shinobi_tools.errors import InputError
from shinobi_tools.games import platforms
from shinobi_tools.replay.bk2 import press_events, read_bk2, write_bk2

from conftest import GENESIS_BUTTONS

COLUMNS = "P1 Z|P1 X|P1 Y|P1 C|P1 Right|P1 Left|P1 Down|P1 Up|P1 Start|P1 Mode|P1 A|P1 B|"
HEADER = "MovieVersion Retro\nPlatform GEN\nGameName Airstriker-Genesis\n"


def make_zip(path, members: dict[str, str | bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def log(*rows: str) -> str:
    return "[Input]\n" + COLUMNS + "\n" + "\n".join(rows) + "\n[/Input]"


def test_reads_header_and_buttons_in_emulator_order(tmp_path):
    path = make_zip(tmp_path / "a.bk2", {
        "Header.txt": HEADER,
        "Input Log.txt": log("|..|............|", "|..|...C..D.....|", "|..|....R......B|"),
        "Core.bin": b"state",
    })
    bk2 = read_bk2(path)
    assert bk2.game == "Airstriker-Genesis-v0"  # the -v0 suffix is added to older headers
    assert bk2.platform == "GEN"
    assert bk2.buttons == GENESIS_BUTTONS
    assert bk2.n_frames == 2
    pressed = {GENESIS_BUTTONS[j] for j in np.flatnonzero(bk2.frame_inputs()[0])}
    assert pressed == {"C", "DOWN"}
    assert bk2.state == b"state"


def test_letter_in_wrong_column_is_rejected(tmp_path):
    path = make_zip(tmp_path / "bad.bk2", {"Header.txt": HEADER, "Input Log.txt": log("|..|R...........|")})
    with pytest.raises(InputError, match=r"bad\.bk2.*unknown letter 'R' in column `P1 Z`"):
        read_bk2(path)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"Input Log.txt": log("|..|............|")}, "`Header.txt` is missing"),
        ({"Header.txt": HEADER}, "`Input Log.txt` is missing"),
        ({"Header.txt": HEADER, "Input Log.txt": log("|..|.......|")}, "has 7 button columns, expected 12"),
        ({"Header.txt": HEADER, "Input Log.txt": log("|..|..Q.........|")}, "unknown letter 'Q'"),
        ({"Header.txt": HEADER, "Input Log.txt": "P1 B|\n|..|.|"}, "must start with `\\[Input\\]`"),
        ({"Header.txt": HEADER, "Input Log.txt": "[Input]\nP1 Button|\n|..|.|"},
         "unknown input column `P1 Button` for the Genesis"),
        ({"Header.txt": HEADER, "Input Log.txt": "[Input]\nP1 B|P2 B|\n|..|.|"}, "input row 1 is malformed"),
        ({"Header.txt": "Platform GB\nGameName X\n", "Input Log.txt": log("|..|............|")},
         "platform 'GB' is not one stable-retro replays"),
        ({"Header.txt": HEADER, "Input Log.txt": log("garbage")}, "input row 1 is malformed"),
    ],
)
def test_malformed_archives_name_the_file_and_the_problem(tmp_path, members, message):
    path = make_zip(tmp_path / "broken.bk2", members)
    with pytest.raises(InputError, match=message) as error:
        read_bk2(path)
    assert "broken.bk2" in str(error.value)
    assert "\n" not in str(error.value)


def test_not_a_zip(tmp_path):
    path = tmp_path / "text.bk2"
    path.write_text("hello")
    with pytest.raises(InputError, match=r"text\.bk2: not a valid bk2 \(not a zip archive\)"):
        read_bk2(path)


def test_missing_file_and_broken_annex_link(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_bk2(tmp_path / "absent.bk2")
    link = tmp_path / "annexed.bk2"
    link.symlink_to(tmp_path / ".git" / "annex" / "objects" / "xx")
    with pytest.raises(InputError, match="datalad get"):
        read_bk2(link)


def test_press_events_rising_edges_and_durations():
    pressed = np.array([[0, 1], [1, 1], [1, 0], [0, 0], [1, 1]], dtype=bool)
    events = press_events(pressed, ["B", "C"], fps=10.0)
    assert events[["button", "frame_start", "frame_stop"]].values.tolist() == [
        ["C", 0, 2], ["B", 1, 3], ["B", 4, 5], ["C", 4, 5],
    ]
    assert events["duration"].tolist() == pytest.approx([0.2, 0.2, 0.1, 0.1])
    assert events["onset"].tolist() == pytest.approx([0.0, 0.1, 0.4, 0.4])


def test_write_then_read_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    inputs = rng.random((50, 12)) < 0.3
    path = write_bk2(tmp_path / "x.bk2", "Airstriker-Genesis-v0", inputs, b"core")
    bk2 = read_bk2(path)
    assert np.array_equal(bk2.frame_inputs(), inputs)
    assert bk2.game == "Airstriker-Genesis-v0" and bk2.state == b"core"
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_external_file_recorded_elsewhere(external_bk2):
    bk2 = read_bk2(external_bk2)
    assert bk2.game == "Airstriker-Genesis-v0"
    assert bk2.n_frames == 1782
    assert bk2.presses()["B"] > 0
    assert bk2.presses()["START"] == 0


def random_inputs(system: str, rows: int, players: int, seed: int = 0) -> np.ndarray:
    """rows × players × emulator buttons, reset row blank, only buttons a bk2 can log."""
    rng = np.random.default_rng(seed)
    inputs = rng.random((rows, players, len(platforms.buttons(system)))) < 0.3
    for index, name in enumerate(platforms.buttons(system)):
        inputs[:, :, index] &= name in platforms.KEY_LETTERS
    inputs[0] = False
    return inputs


@pytest.mark.parametrize("system", platforms.systems())
@pytest.mark.parametrize("players", [1, 2])
def test_every_platform_round_trips_and_stable_retro_reads_our_files(system, players, tmp_path):
    inputs = random_inputs(system, 40, players)
    named = [i for i, b in enumerate(platforms.buttons(system)) if b is not None]
    frames = inputs[1:][:, :, named].reshape(39, -1)
    path = write_bk2(tmp_path / "x.bk2", "Some-Game-v0", frames, b"state", system=system, players=players)
    bk2 = read_bk2(path)
    assert (bk2.system, bk2.players, bk2.game, bk2.n_frames) == (system, players, "Some-Game-v0", 39)
    np.testing.assert_array_equal(bk2.inputs, inputs)
    np.testing.assert_array_equal(bk2.frame_inputs(), frames)
    assert bk2.buttons[: len(named)] == platforms.named_buttons(system)
    movie = stable_retro.Movie(str(path))
    assert movie.players == players
    for row in range(len(inputs)):
        assert movie.step()
        keys = [[movie.get_key(i, p) for i in range(len(platforms.buttons(system)))] for p in range(players)]
        np.testing.assert_array_equal(np.array(keys), inputs[row])
    assert not movie.step()


def test_atari_recording_layout(tmp_path):
    """The issue's report: `P1 Select` and `P1 Button` columns of a real Atari 2600 recording."""
    path = make_zip(tmp_path / "pong.bk2", {
        "Header.txt": "MovieVersion Retro\nPlatform A26\nGameName Pong-Atari2600\n",
        "Input Log.txt": "[Input]\nP1 Right|P1 Left|P1 Down|P1 Up|P1 Select|P1 Button|\n|..|......|\n|..|R....B|\n"
                         "[/Input]",
        "Core.bin": b"x",
    })
    bk2 = read_bk2(path)
    assert (bk2.game, bk2.system, bk2.platform, bk2.n_frames) == ("Pong-Atari2600-v0", "Atari2600", "A26", 1)
    assert bk2.buttons == ("BUTTON", "SELECT", "RESET", "UP", "DOWN", "LEFT", "RIGHT")
    assert bk2.presses() == {"BUTTON": 1, "SELECT": 0, "RESET": 0, "UP": 0, "DOWN": 0, "LEFT": 0, "RIGHT": 1}


def test_bizhawk_logkey_column_line(tmp_path):
    path = make_zip(tmp_path / "smb.bk2", {
        "Header.txt": "Platform NES\nGameName SuperMarioBros-Nes\n",
        "Input Log.txt": "[Input]\nLogKey:#Reset|Power|#P1 Up|P1 Down|P1 Left|P1 Right|P1 Start|P1 Select|P1 B|P1 A|\n"
                         "|..|U.....BA|\n|..|........|\n[/Input]",
    })
    bk2 = read_bk2(path)
    assert [b for b, on in zip(bk2.layout, bk2.inputs[0, 0]) if on] == ["B", "UP", "A"]


def test_header_without_platform_takes_the_games(tmp_path):
    path = make_zip(tmp_path / "old.bk2", {"Header.txt": "GameName Breakout-Atari2600\n",
                                           "Input Log.txt": "[Input]\nP1 Button|\n|..|.|\n|..|B|\n[/Input]"})
    assert read_bk2(path).system == "Atari2600"


def test_unloggable_presses_are_refused(tmp_path):
    frames = np.zeros((3, 7), dtype=bool)
    frames[1, 2] = True   # RESET
    with pytest.raises(InputError, match="cannot hold presses of RESET"):
        write_bk2(tmp_path / "r.bk2", "Pong-Atari2600-v0", frames, b"x")
    assert not list(tmp_path.iterdir())
