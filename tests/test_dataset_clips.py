import av
import numpy as np
import pandas as pd
import pytest

from shinobi_tools.dataset.clips import ClipOptions, cut_clips, plan_clips
from shinobi_tools.media.video import count_frames
from shinobi_tools.replay.run import replay_bk2

FPS = 59.922743


def decoded_frames(path, width, height):
    with av.open(str(path)) as container:
        return [f.reformat(width=width, height=height, format="rgb24").to_ndarray().astype(int)
                for f in container.decode(video=0)]


def test_plan_windows_and_event_clips():
    events = pd.DataFrame({"trial_type": ["LifeLost", "Fire"], "frame_start": [500, 100]})
    options = ClipOptions(length=2.0, stride=1.0, event_types=("LifeLost",), event_clips_per_event=2, seed=1)
    plan = plan_clips("run", n_frames=900, fps=FPS, options=options, events=events)
    windows = plan[plan["kind"] == "window"]
    assert windows["frame_start"].tolist() == list(range(0, 900 - 120 + 1, 60))
    assert (plan["frame_stop"] - plan["frame_start"] == 120).all() and plan["frame_stop"].max() <= 900
    event_clips = plan[plan["kind"] == "event"]
    assert len(event_clips) == 2
    assert ((event_clips["frame_start"] < 500) & (event_clips["frame_stop"] > 500)).all()
    assert plan["clip"].is_unique and plan_clips("run", 900, FPS, options, events).equals(plan)
    assert plan_clips("run", n_frames=50, fps=FPS, options=options).empty


def test_cut_clips_are_frame_exact(make_airstriker_bk2, tmp_path):
    replay = replay_bk2(make_airstriker_bk2(frames=420, seed=5), tmp_path / "replay", progress=False)
    options = ClipOptions(length=2.0, stride=1.5, out_fps=8.0, width=160, height=112)
    plan = plan_clips("run", 420, FPS, options)
    paths = cut_clips(replay.video, plan, tmp_path / "clips", options)
    assert [p.stem for p in paths] == plan["clip"].tolist()
    source = decoded_frames(replay.video, 160, 112)
    for row, path in zip(plan.itertuples(), paths):
        clip = decoded_frames(path, 160, 112)
        assert len(clip) == int((row.frame_stop - row.frame_start - 1) // (FPS / 8)) + 1 == count_frames(path)
        # Clip frame k is source frame start + round(k * 59.92 / 8): the closest of the frames around it.
        for k in (0, 1, len(clip) - 1):
            wanted = row.frame_start + round(k * FPS / 8)
            distances = {i: np.abs(clip[k] - source[i]).mean() for i in range(wanted - 3, wanted + 4)
                         if 0 <= i < len(source)}
            assert min(distances, key=distances.get) == wanted
    with av.open(str(paths[0])) as container:
        assert float(container.streams.video[0].average_rate) == pytest.approx(8.0)
    assert not list((tmp_path / "clips").glob(".*partial*"))
