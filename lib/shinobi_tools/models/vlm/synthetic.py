"""Synthetic QA clips in the training-data format (tests, smoke runs of the trainer without the emulator).

Each clip is dark noise; a white square appears for a while (event ``Square``) and, in some clips, the
screen flashes red for a few frames (the rarer event ``Flash``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from shinobi_tools.dataset.answers import AnswerEvent, format_events
from shinobi_tools.media.video import Mp4Writer

PROMPT = "<video>List the gameplay events in this clip with their times."


def write_synthetic_qa(directory: str | Path, clips: int = 6, seconds: float = 4.0, fps: float = 8.0,
                       width: int = 64, height: int = 48, seed: int = 0, name: str = "qa.json") -> Path:
    """Write ``clips`` mp4s under ``directory/clips`` and the QA JSON ``directory/name``; return its path."""
    directory = Path(directory)
    (directory / "clips").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = int(round(seconds * fps))
    records = []
    for c in range(clips):
        frames = rng.integers(0, 40, size=(n, height, width, 3), dtype=np.uint8)
        events = []
        if c % 3 != 2:
            first = int(rng.integers(0, n - 4))
            last = int(min(n - 1, first + rng.integers(3, 8)))
            x, y = int(rng.integers(0, width - 16)), int(rng.integers(0, height - 16))
            frames[first:last + 1, y:y + 16, x:x + 16] = 255
            events.append(AnswerEvent(first / fps, (last + 1) / fps, "Square", "A white square is on screen."))
        if c % 4 == 1:
            at = int(rng.integers(0, n - 2))
            frames[at:at + 2, :, :, 0] = 230
            events.append(AnswerEvent(at / fps, (at + 2) / fps, "Flash", "The screen flashes red."))
        video = f"clips/clip-{c:03d}.mp4"
        with Mp4Writer(directory / video, fps=fps, preset="ultrafast", crf=18) as writer:
            for frame in frames:
                writer.write(frame)
        records.append({
            "messages": [{"role": "user", "content": PROMPT}, {"role": "assistant", "content": format_events(events)}],
            "videos": [video],
            "events": [{"onset": round(e.onset, 3), "offset": round(e.offset, 3), "trial_type": e.trial_type}
                       for e in events],
        })
    path = directory / name
    path.write_text(json.dumps(records, indent=1))
    return path
