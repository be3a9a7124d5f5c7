"""Report assets: figures and the annotated preview from small real inputs."""

import pandas as pd
from PIL import Image

from shinobi_tools.replay.run import replay_bk2
from shinobi_tools.report import plots
from shinobi_tools.report.preview import active_types, annotated_preview

TRUTH = pd.DataFrame({"onset": [0.5, 1.0, 2.0], "duration": [0.0, 1.5, 0.1],
                      "trial_type": ["FIRE", "LifeLost", "FIRE"]})


def test_active_types_keep_instant_events_visible():
    assert active_types(TRUTH, 0.7) == ["FIRE"]
    assert active_types(TRUTH, 1.2) == ["LifeLost"]
    assert active_types(TRUTH, 3.0) == []


def test_preview_gif_has_one_caption_line_per_source(make_airstriker_bk2, tmp_path):
    replay = replay_bk2(make_airstriker_bk2(frames=240), tmp_path, progress=False)
    out = annotated_preview(replay.video, {"truth": TRUTH, "model": TRUTH.iloc[:1]}, tmp_path / "p.gif",
                            start=0.0, length=3.0, fps=10)
    with Image.open(out) as gif:
        assert gif.n_frames >= 25
        assert gif.size[0] == 320 and gif.size[1] > 224  # caption band added below the frame


def test_figures_are_written(tmp_path):
    metrics = pd.DataFrame({"model": ["a", "a", "b", "b"], "event_type": ["ALL", "FIRE", "ALL", "FIRE"],
                            "tolerance": 0.5, "f1": [0.5, 0.4, 0.7, 0.6]})
    for path in (plots.f1_bars(metrics, tmp_path / "f1.png"),
                 plots.timeline(TRUTH, {"model": TRUTH}, tmp_path / "t.png", "run"),
                 plots.training_curves({"m": pd.DataFrame({"step": [1, 2], "loss": [2.0, 1.0],
                                                           "val_loss": [None, 1.5]})}, tmp_path / "c.png"),
                 plots.split_statistics(pd.DataFrame({"split": ["train", "test"], "runs": [2, 1], "clips": [5, 2],
                                                      "FIRE": [10, 4]}), tmp_path / "s.png")):
        with Image.open(path) as image:
            assert image.size[0] > 300 and image.getextrema() != ((255, 255),) * 3
