import numpy as np
import pytest

from shinobi_tools.media.video import Mp4Writer, count_frames

from conftest import read_frame


def test_frames_in_equal_frames_out(tmp_path):
    path = tmp_path / "x.mp4"
    with Mp4Writer(path, fps=59.922743) as writer:
        for i in range(30):
            frame = np.zeros((64, 96, 3), np.uint8)
            frame[:, i * 3:(i + 1) * 3] = 255
            writer.write(frame)
    assert count_frames(path) == 30
    assert read_frame(path, 17)[:, 17 * 3 + 1].mean() > 200


def test_no_frame_and_errors_leave_no_file(tmp_path):
    empty = Mp4Writer(tmp_path / "empty.mp4", fps=30)
    with pytest.raises(ValueError, match="no frame was written"):
        empty.close()
    with pytest.raises(RuntimeError):
        with Mp4Writer(tmp_path / "broken.mp4", fps=30) as writer:
            writer.write(np.zeros((64, 96, 3), np.uint8))
            raise RuntimeError("the replay failed")
    assert list(tmp_path.iterdir()) == []


def test_odd_and_changing_frame_sizes_keep_one_frame_per_frame(tmp_path):
    """Some cores change the screen size within a game; H.264 needs even sizes: frames are padded or cropped."""
    path = tmp_path / "sizes.mp4"
    with Mp4Writer(path, fps=30) as writer:
        writer.write(np.full((63, 95, 3), 255, np.uint8))
        writer.write(np.full((32, 96, 3), 255, np.uint8))
        writer.write(np.full((70, 100, 3), 255, np.uint8))
    assert count_frames(path) == 3
    first, second = read_frame(path, 0), read_frame(path, 1)
    assert first.shape == (64, 96, 3)
    assert second[:30].mean() > 200 and second[40:].mean() < 50
