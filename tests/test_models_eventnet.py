"""The event network shared by the spotter and the fast pathway (lib/shinobi_tools/models/eventnet.py): frames at
~30 fps, onset and active targets, the network's outputs and the training windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from shinobi_tools.media.video import Mp4Writer
from shinobi_tools.models.eventnet import EventNet, TrainingRun, WindowSampler, decode_frames, make_targets, run_outputs


def test_decoding_at_30_fps_keeps_every_second_frame_of_a_60_fps_video(tmp_path):
    with Mp4Writer(tmp_path / "v.mp4", fps=60) as writer:
        for i in range(60):
            writer.write(np.full((24, 32, 3), i * 4, dtype=np.uint8))
    frames = decode_frames(tmp_path / "v.mp4", 16, 12, fps=30)
    assert frames.stride == 2 and len(frames.frames) == 30 and frames.frames.shape[1:] == (12, 16, 3)
    assert np.allclose(frames.times[:3], [0, 2 / 60, 4 / 60], atol=1e-3)
    assert abs(int(frames.frames[1].mean()) - 8) <= 3  # source frame 2
    assert decode_frames(tmp_path / "v.mp4", 16, 12, stride=3).frames.shape[0] == 20


def test_targets_mark_onsets_with_a_radius_and_events_while_they_last():
    events = pd.DataFrame([(1.0, 0.5, "Press"), (2.0, 0.0, "Boom"), (9.0, 1.0, "Press"), (0.5, 0.0, "Other")],
                          columns=["onset", "duration", "trial_type"])
    targets = make_targets(events, ["Press", "Boom"], 40, fps=20.0, stride=2, radius=1, active=True)
    onsets, active = targets[:, :2], targets[:, 2:]
    assert np.flatnonzero(onsets[:, 0]).tolist() == [9, 10, 11]      # 1.0 s → frame 10 ± 1; 9 s is past the end
    assert np.flatnonzero(onsets[:, 1]).tolist() == [19, 20, 21]
    assert np.flatnonzero(active[:, 0]).tolist() == list(range(10, 15))  # 1.0–1.5 s: frames 10..14
    assert np.flatnonzero(active[:, 1]).tolist() == [20]                   # instantaneous: its onset frame
    assert make_targets(events, ["Press", "Boom"], 40, 20.0, 2, 1).shape == (40, 2)  # onsets only


def test_network_outputs_and_windows_around_rare_events():
    net = EventNet(3, channels=[4, 8], feature_dim=8, temporal_dim=8, dilations=[1], active=True)
    frames = np.random.default_rng(0).integers(0, 255, (50, 12, 16, 3), dtype=np.uint8)
    hidden, logits = run_outputs(net, frames, chunk=16)
    assert hidden.shape == (50, 8) and logits.shape == (50, 6)
    # chunked CNN features = one pass over the run
    assert torch.allclose(run_outputs(net, frames, chunk=50)[1], logits, atol=1e-5)
    targets = np.zeros((50, 6), np.float32)
    targets[45, 2] = 1.0  # one rare onset of type 2, near the end
    sampler = WindowSampler([TrainingRun(frames, targets, 60.0, pd.DataFrame(), 2)], 3, window=8, batch_size=64,
                            share=1.0, seed=0)
    x, y = sampler.batch()
    assert x.shape == (64, 8, 6, 12, 16) and y.shape == (64, 8, 6)
    assert (y[:, :, 2].sum(dim=1) == 1).all()  # every window holds the rare onset
