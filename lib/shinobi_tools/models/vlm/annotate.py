"""Annotate videos from their pixels alone: windows, generation, parsing, merging, checking.

Windows of the training clip length (with overlap for models without a fast pathway) cover each video; each is
answered by the model, read with :func:`shinobi_tools.dataset.answers.parse_events` (malformed lines are counted,
never raised) and shifted to video time; duplicates from overlapping windows (same type, onsets within one frame)
are merged, keeping the one farthest from its window's edges. When the model has an event head (its fast pathway,
or a per-frame head on the detailed frames), its detections check and complete the text
(:mod:`shinobi_tools.models.vlm.decoding`). Generation is batched across windows and videos
(:mod:`shinobi_tools.models.vlm.pool`): each video is a :class:`~shinobi_tools.models.vlm.video_job.VideoJob`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from shinobi_tools.errors import InputError
from shinobi_tools.events.exports import write_srt, write_vtt
from shinobi_tools.events.tsv import write_events_tsv
from shinobi_tools.media.frames import probe_video
from shinobi_tools.models.vlm.detections import Annotation
from shinobi_tools.models.vlm.model import VLM, load_model, native_bf16
from shinobi_tools.models.vlm.pool import GenerationPool
from shinobi_tools.models.vlm.video_job import VideoJob, settings_for
from shinobi_tools.naming import run_of


def annotate_video(video: str | Path, model_dir: str | Path | VLM, window_seconds: float | None = None,
                   overlap: float | None = None, tolerance: float = 0.5, batch_size: int = 8,
                   max_new_tokens: int | None = None, prompt: str | None = None, fps: float | None = None,
                   device: str | None = None, decoding: str | None = None, describe: str = "reuse",
                   stop_loops: bool = False) -> Annotation:
    """The events (onset, duration, trial_type, description, confidence) of ``video`` from its pixels.

    ``overlap`` (s) between consecutive windows: default 0 for models with a fast pathway, 1 otherwise.
    Frames, time markers, prompt and window length default to the model's training settings
    (``shinobi_vlm.json``), ``max_new_tokens`` to 1.25 × its longest training answer. ``decoding`` (see
    :mod:`shinobi_tools.models.vlm.decoding`; models without an event head always decode as ``text``): ``text`` = the
    language model's events as written, ``checked`` = those its per-frame head confirms within ``tolerance``,
    ``assisted`` = checked + the head's detections the language model left out, named and described by it.
    ``head`` (models with a fast pathway; their default) = no free-text pass: the fast pathway's detections, those
    of the types the language model writes named and described by it (it continues ``<time> <type>:`` in the window
    that shows each), the others with their type's usual training description; ``None`` = ``head`` for models
    with a fast pathway, ``assisted`` otherwise.
    ``describe`` (models with a fast pathway, assisted decoding): how the head's detections the text left out get a
    description: ``lm`` = a second generation pass continuing ``<time> <type>:`` in the window that shows them,
    ``reuse`` = the description the language model wrote for the nearest event of that type in this video (else
    the type's usual training description), which costs no generation. ``stop_loops``: end an answer once it
    repeats one of its lines (bounds the cost of degenerate answers; see ``generate._AnswerStop``).
    """
    vlm = load_model(model_dir, device=device) if isinstance(model_dir, (str, Path)) else model_dir
    (_, result), = annotate_many([video], vlm, window_seconds=window_seconds, overlap=overlap, tolerance=tolerance,
                                 batch_size=batch_size, max_new_tokens=max_new_tokens, prompt=prompt, fps=fps,
                                 decoding=decoding, describe=describe, stop_loops=stop_loops)
    if isinstance(result, InputError):
        raise result
    return result


def annotate_many(videos: list[str | Path], vlm: VLM, batch_size: int = 8, stop_loops: bool = False,
                  finished: Callable[[str | Path, Annotation | InputError], None] | None = None,
                  pool_stats: dict | None = None, **settings) -> list[tuple[str | Path, Annotation | InputError]]:
    """:func:`annotate_video` on several videos, their windows and descriptions generated in shared batches of
    ``batch_size``. ``finished(video, result)`` is called as each video is done (not necessarily in order); returns
    ``(video, result)`` in the order given. A result is the video's :class:`Annotation`, or the
    :class:`InputError` that stopped it (a video that breaks off) while the others carry on. ``pool_stats`` receives
    the number of generation ``batches`` and of ``requests`` they answered. ``settings``: the keywords of
    :func:`annotate_video`."""
    config = settings_for(vlm, **settings)
    pool = GenerationPool(vlm, config.prompt, config.marker, config.max_new_tokens, batch_size, stop_loops)
    results: dict[int, Annotation | InputError] = {}

    def done(index: int, job: VideoJob) -> None:
        results[index] = job.result if job.error is None else job.error
        if finished is not None:
            finished(job.video, results[index])

    for index, video in enumerate(videos):
        try:
            VideoJob(video, vlm, config, pool, lambda job, index=index: done(index, job)).start()
        except Exception:
            pool.flush()  # a bug, not a bad video: the videos before it still finish (and ``finished`` writes them)
            raise
    pool.flush()
    if pool_stats is not None:
        pool_stats.update(batches=pool.batches, requests=pool.requests)
    return [(video, results[index]) for index, video in enumerate(videos)]


def annotate_videos(videos: list[Path], model: Path, out_dir: Path, formats: tuple[str, ...] = (),
                    window: float | None = None, overlap: float | None = None, tolerance: float = 0.5,
                    batch_size: int = 8, max_new_tokens: int | None = None, threads: int | None = None,
                    device: str | None = None, decoding: str | None = None, text_out_dir: Path | None = None,
                    describe: str = "reuse", stop_loops: bool = False) -> list[Path]:
    """Annotate each video with the model in ``model``: ``out_dir/<run>_events.tsv`` (+ ``.srt``/``.vtt`` for
    ``formats``), each written as soon as its video is done; ``text_out_dir``: also the language model's own events,
    unchecked (``text`` decoding; it needs the free-text pass, so the default decoding becomes ``assisted``).
    Generation is batched across videos. Prints one summary line per video and, for the whole call, the
    real-time factor (model loading included) and how full the generation batches were, to stderr. A video that
    breaks off mid-way gets its error line and the others carry on; the call then ends with an :class:`InputError`."""
    began = time.perf_counter()
    if text_out_dir is not None and decoding == "head":
        raise InputError("--text-out-dir needs the free-text pass: use --decoding assisted (or checked)")
    if text_out_dir is not None and decoding is None:
        decoding = "assisted"  # the same pass gives both tables
    for video in videos:  # every video readable before the model loads
        probe_video(video)
    unknown = sorted(set(formats) - {"srt", "vtt"})
    if unknown:
        raise InputError(f"--formats {','.join(formats)}: unknown format(s) {', '.join(unknown)}; use srt,vtt or ''")
    if threads:
        torch.set_num_threads(threads)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    fast_bf16 = device.startswith("cuda") or (device == "cpu" and native_bf16())
    vlm = load_model(model, device=device, dtype=torch.bfloat16 if fast_bf16 else None)
    written: dict[str, Path] = {}
    failed: list[str] = []

    def write(video: str | Path, result: Annotation | InputError) -> None:
        if isinstance(result, InputError):
            print(f"error: {result}", file=sys.stderr)
            failed.append(str(video))
            return
        run = run_of(video)
        out = write_events_tsv(result.events, Path(out_dir) / f"{run}_events.tsv")
        if text_out_dir is not None:
            write_events_tsv(result.text_events, Path(text_out_dir) / f"{run}_events.tsv")
        if "srt" in formats:
            write_srt(result.events, Path(out_dir) / f"{run}.srt")
        if "vtt" in formats:
            write_vtt(result.events, Path(out_dir) / f"{run}.vtt")
        print(f"{video}: {len(result.events)} events, {result.windows} windows, {result.malformed} malformed lines, "
              f"{result.rejected} events not confirmed by the frame detector, {result.proposed} added from it, "
              f"{result.merged} duplicates merged -> {out}", file=sys.stderr)
        written[str(video)] = out

    stats: dict = {}
    results = annotate_many(videos, vlm, batch_size=batch_size, stop_loops=stop_loops, finished=write,
                            pool_stats=stats, window_seconds=window, overlap=overlap, tolerance=tolerance,
                            max_new_tokens=max_new_tokens, decoding=decoding, describe=describe)
    total_video = sum(result.video_seconds for _, result in results if isinstance(result, Annotation))
    elapsed = time.perf_counter() - began
    fill = f"{stats['requests'] / stats['batches']:.1f} of {batch_size}" if stats["batches"] else "none needed"
    print(f"{len(videos)} videos, {total_video:.1f} s of video annotated in {elapsed:.1f} s including model loading: "
          f"{total_video / max(elapsed, 1e-9):.2f} x real time; {stats['requests']} generations in "
          f"{stats['batches']} batches (mean fill {fill})", file=sys.stderr)
    if failed:
        raise InputError(f"{len(failed)} of {len(videos)} videos could not be read to their end ({', '.join(failed)}: "
                         f"errors above); the others' events are in {out_dir}")
    return [written[str(video)] for video in videos]
