"""Play-style families of the recorder's Airstriker player (lib/shinobi_tools/replay/players.py): classic (the default dataset's players),
varied (training on varied play) and heldout (a policy no training run uses)."""

from __future__ import annotations

import numpy as np
import pytest

from shinobi_tools.errors import InputError
from shinobi_tools.games.platforms import buttons
from shinobi_tools.replay.players import (
    SHIP_X_MAX,
    SHIP_X_MIN,
    STYLE_FAMILIES,
    PlayStyle,
    ScriptedPlayer,
    generic_style_for_subject,
    style_for_subject,
)
from shinobi_tools.replay.record import record_dataset

B, LEFT, RIGHT = (buttons("Genesis").index(name) for name in ("B", "LEFT", "RIGHT"))


def _play(style: PlayStyle, frames: int, seed: int = 0, moving_ship: bool = True) -> np.ndarray:
    """frames × buttons of a player whose ship moves 2 px per frame with the stick (as in the game)."""
    player = ScriptedPlayer(style, np.random.default_rng(seed))
    x, out = 272, []
    for _ in range(frames):
        buttons = player.act(x)
        out.append(buttons)
        if moving_ship:
            x = int(np.clip(x + 2 * (int(buttons[RIGHT]) - int(buttons[LEFT])), SHIP_X_MIN, SHIP_X_MAX))
    return np.array(out)


def _presses(column: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.diff(column.astype(int), prepend=0) == 1)


def test_classic_is_the_default_family_and_unchanged():
    assert style_for_subject(0, 1) == style_for_subject(0, 1, "classic")
    assert style_for_subject(0, 1).movement == "segments" and style_for_subject(0, 1).fire == "bursts"
    with pytest.raises(InputError, match="style family"):
        style_for_subject(0, 1, "chaotic")
    with pytest.raises(InputError, match="only classic"):
        generic_style_for_subject(0, 1, "heldout")


def test_varied_covers_more_habits_and_heldout_is_a_policy_no_other_family_uses():
    varied = [style_for_subject(3, s, "varied") for s in range(1, 5)]
    assert {v.movement for v in varied} == {"segments", "jitter"} and {v.fire for v in varied} == {"bursts", "hold"}
    training = {(style_for_subject(3, s, f).movement, style_for_subject(3, s, f).fire)
                for f in ("classic", "varied") for s in range(1, 30)}
    heldout = {(style_for_subject(3, s, "heldout").movement, style_for_subject(3, s, "heldout").fire)
               for s in range(1, 30)}
    assert heldout == {("sweep", "rhythm")} and not heldout & training
    assert set(STYLE_FAMILIES) == {"classic", "varied", "heldout"}


def test_a_sweeper_crosses_the_screen_and_fires_like_a_metronome():
    style = style_for_subject(7, 1, "heldout")
    buttons = _play(style, 1200)
    period = max(round(style.fire_gap), 6)
    shots = _presses(buttons[:, B])
    assert len(shots) > 1000 // period and set(np.diff(shots)) == {period}
    x = np.clip(272 + np.cumsum(2 * (buttons[:, RIGHT].astype(int) - buttons[:, LEFT].astype(int))), SHIP_X_MIN,
                SHIP_X_MAX)
    assert x.min() < SHIP_X_MIN + 40 and x.max() > SHIP_X_MAX - 40  # edge to edge
    assert len(_presses(buttons[:, LEFT])) < len(_play(style_for_subject(7, 1), 1200)[:, LEFT].nonzero()[0])


def test_a_dodger_taps_alternating_sides_and_a_holder_holds_fire():
    dodger = PlayStyle(movement="jitter", pause_prob=0.0, idle_prob=0.0, vertical_prob=0.0)
    buttons = _play(dodger, 600)
    for column in (LEFT, RIGHT):
        starts = _presses(buttons[:, column])
        ends = np.flatnonzero(np.diff(buttons[:, column].astype(int), append=0) == -1)
        assert len(starts) > 40 and np.median(ends - starts + 1) <= 6  # short taps (a few joined)
    holder = PlayStyle(fire="hold", idle_prob=0.0)
    fire = _play(holder, 1200)[:, B]
    lengths = np.flatnonzero(np.diff(fire.astype(int), append=0) == -1) - _presses(fire) + 1
    assert np.median(lengths) >= 15


def test_heldout_runs_record_with_the_sweeper(tmp_path):
    """A real recording of the held-out family: its input log is the sweeper's (B pressed in a fixed rhythm)."""
    from shinobi_tools.replay.bk2 import read_bk2

    paths = record_dataset(tmp_path, subjects=1, sessions=1, runs=1, seconds=3, seed=7, progress=False,
                           styles="heldout")
    assert len(paths) == 1 and paths[0].exists()
    bk2 = read_bk2(paths[0])
    presses = _presses(bk2.frame_inputs()[:, bk2.buttons.index("B")])
    assert len(presses) > 3 and len(set(np.diff(presses))) == 1
