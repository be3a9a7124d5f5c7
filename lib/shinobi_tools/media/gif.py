"""Animated GIFs of a frame range, with an optional caption band below: PyAV decoding + Pillow.

GIF frame ``k`` is source frame ``start + round(k * source_fps / fps)`` (as for clips,
:func:`shinobi_tools.media.frames.resample_indices`), so the first GIF frame is exactly the range's first
frame. Pillow rather than moviepy: see ``BENCHMARKS.md`` (Clips and GIFs), moviepy is slower and
not frame-exact on our 59.922743 fps videos.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shinobi_tools.errors import InputError
from shinobi_tools.media.frames import FrameRange, iter_frames, probe_video, resample_indices


@dataclass(frozen=True)
class GifOptions:
    fps: float = 15.0            # frame rate of the GIF
    width: int = 320             # pixels; the height keeps the video's aspect ratio
    caption: str | None = None   # text in a black band added below every frame


@dataclass(frozen=True)
class GifResult:
    path: Path
    n_frames: int                # frames in the GIF (identical consecutive frames are merged)
    source_frames: list[int]     # the video frame of each sampled frame


def make_gif(video: str | Path, out: str | Path, frames: FrameRange, options: GifOptions = GifOptions(),
             source_fps: float | None = None, clip_to_end: bool = False) -> GifResult:
    """Write a GIF of ``frames`` of ``video`` to ``out`` (looping, ``options.fps``)."""
    from PIL import Image

    if options.fps <= 0 or options.width < 16:
        raise InputError(f"--fps {options.fps} / --width {options.width}: give fps > 0 and width >= 16")
    info = probe_video(video)
    source_fps = source_fps or info.fps
    if options.fps > source_fps:
        raise InputError(f"--fps {options.fps} is above the video's {source_fps:.3f} fps; give a lower --fps")
    wanted = resample_indices(frames.start, frames.stop, source_fps, options.fps)
    height = max(2, int(round(options.width * info.height / info.width / 2)) * 2)   # even, aspect kept
    size = (None, None) if (options.width, height) == (info.width, info.height) else (options.width, height)
    images, used = [], []
    for index, pixels in iter_frames(video, frames, wanted, clip_to_end, *size):
        if options.caption:
            pixels = draw_caption(pixels, options.caption)
        images.append(Image.fromarray(pixels))
        used.append(index)
    if not images:
        raise InputError(f"{video}: no frame in [{frames.start}, {frames.stop}); give a range inside the video")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        images[0].save(partial, format="GIF", save_all=True, append_images=images[1:], loop=0,
                       duration=int(round(1000 / options.fps)), disposal=1, optimize=False)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    with Image.open(out) as gif:
        n_frames = gif.n_frames   # Pillow merges identical consecutive frames into one longer frame
    return GifResult(out, n_frames, used)


def draw_caption(pixels: np.ndarray, text: str) -> np.ndarray:
    """``pixels`` (H × W × 3 RGB) with a black band added below it, holding ``text`` in white.

    The band is added rather than drawn over the frame so that nothing of the game is hidden (the
    player's ship sits at the bottom of the screen in shoot-'em-ups); the text is wrapped to the width.
    """
    from PIL import Image, ImageDraw, ImageFont

    height, width = pixels.shape[:2]
    font = ImageFont.load_default(size=max(9, width // 26))
    lines = _wrap(text, font, width - 8)
    line_height = int(font.getbbox("Ag")[3]) + 2
    band = len(lines) * line_height + 6
    image = Image.new("RGB", (width, height + band), (0, 0, 0))
    image.paste(Image.fromarray(pixels), (0, 0))
    draw = ImageDraw.Draw(image)
    y = height + 3
    for line in lines:
        x = max((width - font.getlength(line)) / 2, 4)
        draw.text((x, y), line, font=font, fill=(255, 255, 255))
        y += line_height
    return np.asarray(image)


def _wrap(text: str, font, max_width: int) -> list[str]:
    """Greedy word wrap to ``max_width`` pixels (a word longer than the width gets its own line)."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and font.getlength(candidate) > max_width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines
