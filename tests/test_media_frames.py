"""Frames, resampling and GIFs on real mp4s whose frames show their own index (a bright bar at x = 2 × index)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageSequence

from shinobi_tools.cli import main
from shinobi_tools.errors import InputError
from shinobi_tools.media.frames import (
    FrameRange,
    event_range,
    iter_frames,
    probe_video,
    resample_indices,
    time_range,
    write_frames,
)
from shinobi_tools.media.gif import GifOptions, make_gif
from shinobi_tools.media.video import Mp4Writer

FPS = 59.922743
N_FRAMES = 120
WIDTH, HEIGHT = 256, 64


def _frame(index: int) -> np.ndarray:
    pixels = np.full((HEIGHT, WIDTH, 3), 20, dtype=np.uint8)
    pixels[:, 2 * index:2 * index + 2] = 255
    return pixels


def _index(pixels: np.ndarray, height: int = HEIGHT) -> int:
    """The index a decoded frame shows (its top ``height`` rows, whatever its width)."""
    columns = pixels[:height].astype(float).mean(axis=(0, 2))
    return int(round(np.argmax(columns) * WIDTH / pixels.shape[1] / 2))


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("video") / "sub-01_ses-001_task-t_run-01.mp4"
    with Mp4Writer(path, FPS) as writer:
        for index in range(N_FRAMES):
            writer.write(_frame(index))
    return path


@pytest.fixture(scope="module")
def events_tsv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("events") / "run_events.tsv"
    pd.DataFrame({
        "onset": [10 / FPS, 60 / FPS], "duration": [0.0, 5 / FPS], "trial_type": ["shot", "kill"],
        "frame_start": [10, 60], "frame_stop": [10, 65], "description": ["a shot", "an enemy explodes"],
    }).to_csv(path, sep="\t", index=False)
    return path


def test_decoded_frames_are_exact(video: Path) -> None:
    assert probe_video(video).fps == pytest.approx(FPS, abs=1e-6)
    decoded = dict(iter_frames(video, FrameRange(0, N_FRAMES)))
    assert sorted(decoded) == list(range(N_FRAMES))
    assert all(_index(pixels) == index for index, pixels in decoded.items())


def test_write_frames(video: Path, tmp_path: Path) -> None:
    paths = write_frames(video, tmp_path, FrameRange(37, 45), every=3)
    assert [p.name for p in paths] == [f"{video.stem}_frame-{i:06d}.png" for i in (37, 40, 43)]
    assert [_index(np.asarray(Image.open(p))) for p in paths] == [37, 40, 43]


def test_ranges() -> None:
    assert time_range(0.5, 1.0, FPS) == FrameRange(29, 60)   # frames shown during [0.5, 1.0) s
    assert event_range(60, 65, FPS, before=0.1, after=0.2) == FrameRange(60 - 6, 65 + 12)
    assert event_range(10, 10, FPS) == FrameRange(0, 11 + 60)   # clipped at 0; instant event: 1 frame


def test_resampling_starts_exactly_at_the_range_start():
    frames = resample_indices(120, 360, FPS, 8.0)
    assert frames[0] == 120 and len(frames) == 32 and frames[-1] < 360
    assert np.all(np.diff(frames) >= 7) and np.all(np.diff(frames) <= 8)


def test_bad_input_names_the_file(video: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=rf"{video.name}.*{N_FRAMES} frames"):
        write_frames(video, tmp_path, FrameRange(100, 130))
    with pytest.raises(InputError, match="missing.mp4"):
        write_frames(tmp_path / "missing.mp4", tmp_path, FrameRange(0, 2))
    with pytest.raises(InputError):
        FrameRange(5, 5)
    assert len(write_frames(video, tmp_path, FrameRange(110, 130), clip_to_end=True)) == 10


def test_gif_frames_and_caption(video: Path, tmp_path: Path) -> None:
    plain = make_gif(video, tmp_path / "plain.gif", FrameRange(30, 90), GifOptions(fps=15, width=WIDTH))
    captioned = make_gif(video, tmp_path / "caption.gif", FrameRange(30, 90),
                         GifOptions(fps=15, width=WIDTH, caption="an enemy explodes"))
    assert plain.n_frames == captioned.n_frames == 15          # 60 frames at 59.92 fps → 15 at 15 fps
    assert plain.source_frames[0] == 30
    frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(Image.open(plain.path))]
    assert [_index(f) for f in frames] == plain.source_frames
    with Image.open(plain.path) as a, Image.open(captioned.path) as b:
        assert a.size == (WIDTH, HEIGHT) and b.size[0] == WIDTH and b.size[1] > HEIGHT
        top, band = np.asarray(b.convert("RGB"))[:HEIGHT], np.asarray(b.convert("RGB"))[HEIGHT:]
        assert np.abs(top.astype(int) - np.asarray(a.convert("RGB")).astype(int)).mean() < 3
        assert (band > 200).any() and (band < 50).any()            # white text on a dark band
    small = make_gif(video, tmp_path / "small.gif", FrameRange(0, 30), GifOptions(fps=10, width=128))
    with Image.open(small.path) as gif:
        assert gif.size == (128, 32)


def test_cli(video: Path, events_tsv: Path, tmp_path: Path, capsys) -> None:
    assert main(["frames", str(video), "--out-dir", str(tmp_path / "f"), "--start", "0.5", "--stop", "0.6"]) == 0
    assert sorted(p.name[-10:-4] for p in (tmp_path / "f").iterdir()) == [f"{i:06d}" for i in range(29, 36)]
    assert main(["frames", str(video), "--out-dir", str(tmp_path), "--start-frame", "0", "--stop-frame", "500"]) == 2
    assert main(["frames", str(video), "--out-dir", str(tmp_path)]) == 2
    assert main(["gif", str(video), "--out", str(tmp_path / "e.gif"), "--event-tsv", str(events_tsv),
                 "--event-index", "1", "--before", "0.2", "--after", "0.2"]) == 0
    with Image.open(tmp_path / "e.gif") as gif:
        assert gif.size[1] > HEIGHT                               # the description became the caption
    assert main(["gif", str(video), "--out", str(tmp_path / "x.gif"), "--event-tsv", str(events_tsv),
                 "--event-index", "7"]) == 2
    assert main(["gif", str(video), "--out", str(tmp_path / "y.gif"), "--event-tsv", str(events_tsv)]) == 2
    assert "--event-index" in capsys.readouterr().err
