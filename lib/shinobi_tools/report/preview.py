"""An annotated preview: a GIF of part of a run with the true and each model's events written under each frame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PIL import Image

from shinobi_tools.events.vocabulary import targets
from shinobi_tools.media.frames import iter_frames, probe_video, resample_indices, time_range
from shinobi_tools.media.gif import draw_caption

#: An instantaneous event stays on screen this long (s).
SHOW_AT_LEAST = 0.5


def active_types(events: pd.DataFrame, seconds: float) -> list[str]:
    """Event types under way at ``seconds`` (instantaneous ones shown for SHOW_AT_LEAST; never the
    ``gym-retro_game`` row, which spans the whole repetition)."""
    events = targets(events)
    ends = events["onset"] + events["duration"].fillna(0).clip(lower=SHOW_AT_LEAST)
    return sorted(set(events.loc[(events["onset"] <= seconds) & (seconds < ends), "trial_type"]))


def annotated_preview(video: str | Path, sources: dict[str, pd.DataFrame], out: str | Path, start: float = 0.0,
                      length: float = 10.0, fps: float = 10.0, width: int = 320) -> Path:
    """GIF of ``length`` s from ``start`` with one caption line per source ("truth: FIRE, LifeLost")."""
    info = probe_video(video)
    frames = time_range(start, start + length, info.fps)
    wanted = resample_indices(frames.start, frames.stop, info.fps, fps)
    height = max(2, int(round(width * info.height / info.width / 2)) * 2)
    images = []
    for index, pixels in iter_frames(video, frames, wanted, clip_to_end=True, width=width, height=height):
        seconds = index / info.fps
        lines = [f"{seconds:6.2f}s"] + [f"{name}: {', '.join(active_types(events, seconds)) or '-'}"
                                         for name, events in sources.items()]
        images.append(Image.fromarray(draw_caption(pixels, "\n".join(lines))))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    images[0].save(partial, format="GIF", save_all=True, append_images=images[1:], loop=0,
                   duration=int(round(1000 / fps)), disposal=1)
    partial.replace(out)
    return out
