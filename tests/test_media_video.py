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
    with pytest.raises(ValueError, match="differs from the first frame"):
        with Mp4Writer(tmp_path / "sizes.mp4", fps=30) as writer:
            writer.write(np.zeros((64, 96, 3), np.uint8))
            writer.write(np.zeros((32, 96, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []
