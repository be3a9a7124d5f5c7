"""Annotate unseen videos of the game with a fine-tuned video LLM, from the pixels alone.

    python -m shinobi_tools.predict --model results/vlm/run/final VIDEO.mp4 [VIDEO2.mp4 ...] --out-dir DIR

writes ``DIR/<video stem>_events.tsv`` (onset, duration, trial_type, description; BIDS-like events) and, by
default, ``.srt``/``.vtt`` subtitles, and prints one summary line per video (windows, malformed answer lines, merged duplicates, real-time factor).
The library function is :func:`shinobi_tools.vlm.annotate.annotate_video`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def annotate_videos(videos: list[Path], model: Path, out_dir: Path, formats: tuple[str, ...] = (),
                    window: float | None = None, overlap: float = 1.0, tolerance: float = 0.5, batch_size: int = 8,
                    max_new_tokens: int | None = None, threads: int | None = None, device: str | None = None,
                    decoding: str = "assisted", text_out_dir: Path | None = None) -> list[Path]:
    """Annotate each video with the model in ``model``: ``out_dir/<stem>_events.tsv`` (+ ``.srt``/``.vtt``
    for ``formats``); ``text_out_dir``: also the language model's own events, unchecked (``text`` decoding).
    Raises :class:`InputError` for a missing model or video."""
    import torch

    from .errors import InputError
    from .exports import write_srt, write_vtt
    from .vlm.annotate import annotate_video
    from .vlm.model import MissingCheckpointError, load_model, native_bf16

    missing = [str(v) for v in videos if not Path(v).exists()]
    if missing:
        raise InputError(f"{', '.join(missing)}: video not found")
    if threads:
        torch.set_num_threads(threads)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        fast_bf16 = device.startswith("cuda") or (device == "cpu" and native_bf16())
        vlm = load_model(model, device=device, dtype=torch.bfloat16 if fast_bf16 else None)
    except MissingCheckpointError as error:
        raise InputError(f"{error}; train one with `python -m shinobi_tools.finetune` or give --model") from None
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for video in videos:
        table = annotate_video(video, vlm, window_seconds=window, overlap=overlap, tolerance=tolerance,
                               batch_size=batch_size, max_new_tokens=max_new_tokens, decoding=decoding)
        stem = Path(video).name.removesuffix(".mp4")
        out = out_dir / f"{stem}_events.tsv"
        table.to_csv(out, sep="\t", index=False, float_format="%.3f")
        if text_out_dir is not None:
            text_out_dir.mkdir(parents=True, exist_ok=True)
            table.attrs["text_events"].to_csv(text_out_dir / f"{stem}_events.tsv", sep="\t", index=False,
                                              float_format="%.3f")
        if "srt" in formats:
            write_srt(table, out_dir / f"{stem}.srt")
        if "vtt" in formats:
            write_vtt(table, out_dir / f"{stem}.vtt")
        a = table.attrs
        print(f"{video}: {len(table)} events, {a['windows']} windows, {a['malformed']} malformed lines, "
              f"{a['rejected']} events not confirmed by the frame detector, {a['proposed']} added from it, "
              f"{a['merged']} duplicates merged, {a['video_seconds'] / max(a['seconds'], 1e-9):.2f} s of video "
              f"per s -> {out}", file=sys.stderr)
        written.append(out)
    return written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m shinobi_tools.predict`` and ``shinobi-tools annotate``."""
    parser.add_argument("videos", nargs="+", type=Path, help="mp4 files of the game")
    parser.add_argument("--model", required=True, type=Path, help="fine-tuned model folder (<output_dir>/final)")
    parser.add_argument("--out-dir", required=True, type=Path, help="writes <stem>_events.tsv (+ subtitles)")
    parser.add_argument("--formats", default="srt,vtt", help="subtitles beside the TSV: srt,vtt or ''")
    parser.add_argument("--window", type=float, default=None, help="window length (s); default: the training clips'")
    parser.add_argument("--overlap", type=float, default=1.0, help="overlap of consecutive windows (s)")
    parser.add_argument("--tolerance", type=float, default=0.5,
                        help="the frame head confirms a written event within this many seconds of its onset")
    parser.add_argument("--batch-size", type=int, default=8, help="windows generated together")
    parser.add_argument("--max-new-tokens", type=int, default=None,
                        help="answer length limit per window (default: 1.25 x the longest training answer)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")
    parser.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    parser.add_argument("--decoding", choices=["text", "checked", "assisted"], default="assisted",
                        help="text: the language model's events as written; checked: those its per-frame event "
                             "head confirms; assisted (default): checked + the head's detections the language "
                             "model left out, described by it (models without a head: text)")
    parser.add_argument("--text-out-dir", type=Path, default=None,
                        help="also write the text decoding's <stem>_events.tsv here (same pass, for comparison)")


def run(args: argparse.Namespace) -> int:
    annotate_videos(args.videos, args.model, args.out_dir, tuple(f for f in args.formats.split(",") if f),
                    args.window, args.overlap, args.tolerance, args.batch_size, args.max_new_tokens, args.threads,
                    args.device, args.decoding, args.text_out_dir)
    return 0


def main(argv: list[str] | None = None) -> int:
    from .errors import InputError

    parser = argparse.ArgumentParser(prog="python -m shinobi_tools.predict", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
