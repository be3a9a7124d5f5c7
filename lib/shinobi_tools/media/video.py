"""Frame-exact H.264 mp4 writing with PyAV, encoding in a child process.

stable-retro holds the GIL while it emulates, so a thread cannot overlap encoding with emulation;
a child process (``python -m shinobi_tools.media.video``) on another core can. Frames travel over its
stdin as length-prefixed raw RGB bytes (+ int16 audio samples).
"""

from __future__ import annotations

import fcntl
import json
import queue
import struct
import subprocess
import sys
import tempfile
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

_HEADER = struct.Struct("<I")
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
_PIPE_BYTES = 1 << 20
#: Frames waiting for the encoder at most (~14 MB at 320×224).
_QUEUE_FRAMES = 64


def fps_fraction(fps: float) -> Fraction:
    """An exact rational frame rate (59.922743 → 59922743/1000000)."""
    return Fraction(str(fps)).limit_denominator(10_000_000)


class Mp4Writer:
    """Write RGB frames to an mp4 whose frame count and rate match the input exactly.

    Use as a context manager; on an exception (or ``abort()``) the file is removed.
    Audio (``n × 2`` int16 samples per frame at ``audio_rate`` Hz) goes into an AAC track.
    """

    def __init__(self, path: str | Path, fps: float, preset: str = "superfast", crf: int = 23,
                 audio_rate: int | None = None) -> None:
        self.path = Path(path)
        self.options = {"path": str(self.path), "fps": fps, "preset": preset, "crf": crf, "audio_rate": audio_rate}
        self._process: subprocess.Popen | None = None
        self._frame_bytes = 0
        self._broken = False
        self.frames_written = 0
        self._start()  # now, so the encoder's imports overlap with whatever comes before the first frame

    def __enter__(self) -> "Mp4Writer":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _start(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "shinobi_tools.media.video", json.dumps(self.options)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr, bufsize=0,
        )
        _enlarge_pipe(self._process.stdin)
        self._queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self._sender = threading.Thread(target=self._send_loop, daemon=True)
        self._sender.start()

    def _send_loop(self) -> None:
        """Feed the encoder from the queue; the blocking pipe write releases the GIL, so emulation goes on."""
        stdin = self._process.stdin
        while (message := self._queue.get()) is not None:
            try:
                stdin.write(message)
            except (BrokenPipeError, ConnectionResetError, ValueError):
                self._broken = True

    def write(self, frame: np.ndarray, audio: np.ndarray | None = None) -> None:
        """Send one RGB frame (H × W × 3, uint8) and, optionally, its audio samples to the encoder."""
        if self._process is None:
            raise ValueError(f"{self.path}: the writer is closed")
        if not self._frame_bytes:  # the first frame fixes the size; the encoder learns it first
            height, width = frame.shape[:2]
            self._frame_bytes = height * width * 3
            size = json.dumps({"height": height, "width": width}).encode()
            self._queue.put(_HEADER.pack(len(size)) + size)
        payload = np.ascontiguousarray(frame, dtype=np.uint8).tobytes()
        if len(payload) != self._frame_bytes:
            raise ValueError(f"frame of shape {frame.shape} differs from the first frame's size")
        if audio is not None and self.options["audio_rate"]:
            payload += np.ascontiguousarray(audio, dtype=np.int16).tobytes()
        if self._broken:
            self._finish()
        self._queue.put(_HEADER.pack(len(payload)) + payload)
        self.frames_written += 1

    def _finish(self) -> None:
        """Wait for the encoder; raise with its message if it failed."""
        self._queue.put(_HEADER.pack(0))
        self._queue.put(None)
        self._sender.join()
        process, self._process = self._process, None
        try:
            process.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass
        process.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read()
        self._stderr.close()
        if process.returncode != 0:
            self.path.unlink(missing_ok=True)
            message = stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"{self.path}: video encoding failed: {message[-1] if message else process.returncode}")

    def close(self) -> None:
        if not self.frames_written:
            self.abort()
            raise ValueError(f"{self.path}: no frame was written")
        self._finish()

    def abort(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._drain_queue()
            self._process.wait()
            self._process = None
            self._stderr.close()
        self.path.unlink(missing_ok=True)

    def _drain_queue(self) -> None:
        """Stop the sender thread without sending what is left."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)
        self._sender.join()


def _enlarge_pipe(pipe) -> None:
    """Let the pipe hold several frames (Linux; elsewhere the default size stays)."""
    try:
        fcntl.fcntl(pipe.fileno(), _F_SETPIPE_SZ, _PIPE_BYTES)
    except (OSError, AttributeError):
        pass


def _read_exact(stream, size: int) -> bytes:
    data = stream.read(size)
    while len(data) < size:
        more = stream.read(size - len(data))
        if not more:
            raise EOFError("the replay stopped sending frames")
        data += more
    return data


def _encode_frames(options: dict, stream) -> None:
    """Encoder process: read the frame size (JSON), then length-prefixed raw frames until a zero length."""
    size = _HEADER.unpack(_read_exact(stream, _HEADER.size))[0]
    if not size:  # closed before any frame
        return
    shape = json.loads(_read_exact(stream, size))
    height, width = shape["height"], shape["width"]
    frame_bytes = height * width * 3
    with av.open(options["path"], "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps_fraction(options["fps"]))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": options["preset"], "crf": str(options["crf"])}
        video.codec_context.thread_count = 1
        audio = _AudioTrack(container, options["audio_rate"]) if options["audio_rate"] else None
        index = 0
        while size := _HEADER.unpack(_read_exact(stream, _HEADER.size))[0]:
            payload = _read_exact(stream, size)
            pixels = np.frombuffer(payload, dtype=np.uint8, count=frame_bytes).reshape(height, width, 3)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            index += 1
            for packet in video.encode(frame):
                container.mux(packet)
            if audio is not None and size > frame_bytes:
                audio.add(np.frombuffer(payload, dtype=np.int16, offset=frame_bytes).reshape(-1, 2))
        for packet in video.encode():
            container.mux(packet)
        if audio is not None:
            audio.flush()


class _AudioTrack:
    """Encode stereo int16 samples into AAC frames of 1024 samples."""

    CHUNK = 1024

    def __init__(self, container, rate: int) -> None:
        self.container = container
        self.stream = container.add_stream("aac", rate=rate)
        self.stream.layout = "stereo"
        self.buffer = np.zeros((0, 2), dtype=np.int16)
        self.pts = 0

    def add(self, samples: np.ndarray) -> None:
        self.buffer = np.concatenate([self.buffer, samples])
        while len(self.buffer) >= self.CHUNK:
            self._encode(self.buffer[: self.CHUNK])
            self.buffer = self.buffer[self.CHUNK :]

    def flush(self) -> None:
        if len(self.buffer):
            self._encode(self.buffer)
        for packet in self.stream.encode():
            self.container.mux(packet)

    def _encode(self, block: np.ndarray) -> None:
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block.T), format="s16p", layout="stereo")
        frame.sample_rate = self.stream.rate
        frame.pts = self.pts
        self.pts += len(block)
        for packet in self.stream.encode(frame):
            self.container.mux(packet)


def count_frames(path: str | Path) -> int:
    """Decode the whole video stream and count its frames (exact, unlike container metadata)."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


if __name__ == "__main__":
    _encode_frames(json.loads(sys.argv[1]), sys.stdin.buffer)
