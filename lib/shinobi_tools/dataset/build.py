"""Gather per-run clip records into training files: LLaVA/VideoLLaMA2 and LLaMA-Factory/ms-swift JSON.

Both formats come from one internal record per clip (see :func:`shinobi_tools.qa.run_records`);
video paths are written relative to each JSON file's folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from shinobi_tools.dataset.clips import ClipOptions, cut_clips, plan_clips
from shinobi_tools.dataset.qa import QAOptions, run_records
from shinobi_tools.dataset.splits import SPLITS
from shinobi_tools.errors import InputError
from shinobi_tools.events.tsv import read_events_tsv
from shinobi_tools.events.vocabulary import targets
from shinobi_tools.files import write_json
from shinobi_tools.naming import run_of

VIDEO_TOKEN = "<video>"
DATASET_PREFIX = "gameplay"


def to_llava(record: dict, video: str) -> dict:
    conversations = []
    for i, turn in enumerate(record["turns"]):
        question = f"{VIDEO_TOKEN}\n{turn['question']}" if i == 0 else turn["question"]
        conversations += [{"from": "human", "value": question}, {"from": "gpt", "value": turn["answer"]}]
    return {"id": record["id"], "video": video, "conversations": conversations}


def to_llamafactory(record: dict, video: str) -> dict:
    messages = []
    for i, turn in enumerate(record["turns"]):
        question = f"{VIDEO_TOKEN}{turn['question']}" if i == 0 else turn["question"]
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": turn["answer"]}]
    return {"id": record["id"], "messages": messages, "videos": [video], "events": record["events"]}


def read_records(path: str | Path) -> list[dict]:
    """A run's QA records (from :func:`make_run_clips`)."""
    try:
        records = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a readable records file ({type(error).__name__}); rerun the clips stage") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) and {"run", "video"} <= set(r) for r in records):
        raise InputError(f"{path}: not a records file (a list of clip records); rerun the clips stage")
    return records


def dataset_info(names: list[str]) -> dict:
    """LLaMA-Factory's ``dataset_info.json`` entries for the split files."""
    return {
        f"{DATASET_PREFIX}_{name}": {
            "file_name": f"{name}.json",
            "formatting": "sharegpt",
            "columns": {"messages": "messages", "videos": "videos"},
            "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"},
        }
        for name in names
    }


def build_dataset(record_files: list[str | Path], splits: pd.DataFrame, out_dir: str | Path,
                  counts: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write ``llava/<split>.json``, ``llamafactory/<split>.json`` + ``dataset_info.json``, ``splits.tsv``
    and ``statistics.tsv`` (events per type per split, from ``counts`` if given, else from the clips)."""
    out_dir = Path(out_dir)
    split_of = dict(zip(splits["run"], splits["split"]))
    by_split: dict[str, list[dict]] = {name: [] for name in SPLITS}
    for path in record_files:
        for record in read_records(path):
            if record["run"] not in split_of:
                raise InputError(f"{path}: run {record['run']} is not in the splits table; rebuild the splits")
            # Clip paths become relative to the record file's folder (where the clips are).
            by_split[split_of[record["run"]]].append(dict(record, video=str(Path(path).parent / record["video"])))
    written = {}
    for fmt, convert in (("llava", to_llava), ("llamafactory", to_llamafactory)):
        folder = out_dir / fmt
        folder.mkdir(parents=True, exist_ok=True)
        for name, records in by_split.items():
            items = [convert(r, os.path.relpath(r["video"], folder)) for r in records]
            written[f"{fmt}_{name}"] = write_json(folder / f"{name}.json", items)
    written["dataset_info"] = write_json(out_dir / "llamafactory" / "dataset_info.json", dataset_info(list(SPLITS)))
    splits[["run", "split"]].to_csv(out_dir / "splits.tsv", sep="\t", index=False)
    written["splits"] = out_dir / "splits.tsv"
    written["statistics"] = out_dir / "statistics.tsv"
    split_statistics(splits, counts, by_split).to_csv(written["statistics"], sep="\t", index=False)
    return written


def split_statistics(splits: pd.DataFrame, counts: pd.DataFrame | None, by_split: dict[str, list[dict]]) -> pd.DataFrame:
    """One row per split: runs, clips and events per type (whole runs when ``counts`` is given)."""
    rows = []
    for name in SPLITS:
        runs = splits.loc[splits["split"] == name, "run"]
        row = {"split": name, "runs": len(runs), "clips": len(by_split[name])}
        if counts is not None:
            row.update(counts[counts["run"].isin(runs)].drop(columns="run").sum().astype(int).to_dict())
        else:
            for record in by_split[name]:
                for event in record["events"]:
                    row[event["trial_type"]] = row.get(event["trial_type"], 0) + 1
        rows.append(row)
    return pd.DataFrame(rows).fillna(0)


def make_run_clips(video: str | Path, events_tsv: str | Path, n_frames: int, fps: float, out_dir: str | Path,
                   clip_options: ClipOptions, qa_options: QAOptions, records_json: str | Path,
                   invisible: tuple[str, ...] = ()) -> Path:
    """Plan and cut one run's clips into ``out_dir/<run>/`` and write its QA records to ``records_json`` (clip
    paths relative to that file's folder).

    The records hold the run's :func:`~shinobi_tools.events.vocabulary.targets`: neither the ``gym-retro_game`` row
    (the repetition itself) nor the game's ``invisible`` types (inputs nothing on screen shows).
    """
    run = run_of(events_tsv)
    events = targets(read_events_tsv(events_tsv), invisible)
    plan = plan_clips(run, n_frames, fps, clip_options, events)
    clips = Path(out_dir) / run
    cut_clips(video, plan, clips, clip_options, source_fps=fps)
    folder = os.path.relpath(clips, Path(records_json).parent)
    return write_json(records_json, run_records(run, plan, events, fps, qa_options, video_folder=folder))
