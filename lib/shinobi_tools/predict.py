"""Annotate unseen videos of the game with a fine-tuned video LLM, from the pixels alone.

    python -m shinobi_tools.predict --model results/vlm/run/final VIDEO.mp4 [VIDEO2.mp4 ...] --out-dir DIR

writes ``DIR/<video stem>_events.tsv`` (onset, duration, trial_type, description; n/a-free BIDS-like events)
and prints one summary line per video (windows, malformed answer lines, merged duplicates, real-time factor).
The library function is :func:`shinobi_tools.vlm.annotate.annotate_video`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shinobi_tools.predict", description=__doc__.split("\n\n")[0])
    parser.add_argument("videos", nargs="+", type=Path, help="mp4 files of the game")
    parser.add_argument("--model", required=True, type=Path, help="fine-tuned model folder (<output_dir>/final)")
    parser.add_argument("--out-dir", required=True, type=Path)
    parser.add_argument("--window", type=float, default=None, help="window length (s); default: the training clips'")
    parser.add_argument("--overlap", type=float, default=1.0, help="overlap of consecutive windows (s)")
    parser.add_argument("--tolerance", type=float, default=0.5, help="onsets closer than this (s) are one event")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")
    parser.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    args = parser.parse_args(argv)

    import torch

    from .vlm.annotate import annotate_video
    from .vlm.model import load_model

    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    vlm = load_model(args.model, device=device, dtype=torch.bfloat16 if device.startswith("cuda") else None)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for video in args.videos:
        table = annotate_video(video, vlm, window_seconds=args.window, overlap=args.overlap, tolerance=args.tolerance,
                               batch_size=args.batch_size, max_new_tokens=args.max_new_tokens)
        out = args.out_dir / f"{video.stem}_events.tsv"
        table.to_csv(out, sep="\t", index=False, float_format="%.3f")
        a = table.attrs
        print(f"{video}: {len(table)} events, {a['windows']} windows, {a['malformed']} malformed lines, "
              f"{a['merged']} duplicates merged, {a['video_seconds'] / max(a['seconds'], 1e-9):.2f} s of video "
              f"per s -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
