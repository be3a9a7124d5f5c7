"""From replays to the training JSON files: schemas, resolvable paths, no leakage across splits."""

import json

import pandas as pd
import pytest

from shinobi_tools.dataset.build import build_dataset, make_run_clips
from shinobi_tools.dataset.clips import ClipOptions
from shinobi_tools.dataset.qa import QAOptions
from shinobi_tools.dataset.splits import assign_splits
from shinobi_tools.events.exports import export_run
from shinobi_tools.events.tsv import event_counts
from shinobi_tools.games import get_game
from shinobi_tools.media.video import count_frames
from shinobi_tools.naming import parse_run_name
from shinobi_tools.replay.run import replay_bk2


@pytest.fixture(scope="module")
def built(tmp_path_factory, airstriker_state):
    from shinobi_tools.replay.bk2 import write_bk2

    from conftest import random_inputs

    root = tmp_path_factory.mktemp("dataset")
    records, events = [], []
    names = [f"sub-0{s}_ses-001_task-airstriker_run-01_level-1_rep-01" for s in (1, 2, 3, 4)]
    for seed, name in enumerate(names):
        bk2 = write_bk2(root / f"{name}.bk2", "Airstriker-Genesis-v0", random_inputs(300, seed), airstriker_state)
        replay = replay_bk2(bk2, root / "replay", progress=False)
        written = export_run(replay.states, "airstriker", root / "events")
        events.append(written["events"])
        records.append(make_run_clips(replay.video, written["events"], replay.n_frames, 59.922743, root / "clips",
                                      ClipOptions(length=2.0, stride=1.0), QAOptions(point_queries=1),
                                      root / "records" / f"{name}.json",
                                      invisible=get_game("airstriker").invisible_events))
    splits = assign_splits([parse_run_name(n) for n in names], seed=0)
    written = build_dataset(records, splits, root / "out", event_counts(events))
    return root, splits, written


def test_llava_format(built):
    root, splits, written = built
    for split in ("train", "val", "test"):
        items = json.loads(written[f"llava_{split}"].read_text())
        for item in items:
            assert set(item) == {"id", "video", "conversations"}
            assert item["conversations"][0]["from"] == "human"
            assert item["conversations"][0]["value"].startswith("<video>\n")
            assert [c["from"] for c in item["conversations"]] == ["human", "gpt"] * (len(item["conversations"]) // 2)
            video = written[f"llava_{split}"].parent / item["video"]
            assert video.exists() and count_frames(video) == 16


def test_llamafactory_format_and_dataset_info(built):
    root, splits, written = built
    info = json.loads(written["dataset_info"].read_text())
    assert set(info) == {"gameplay_train", "gameplay_val", "gameplay_test"}
    for name, entry in info.items():
        path = written["dataset_info"].parent / entry["file_name"]
        items = json.loads(path.read_text())
        assert entry["formatting"] == "sharegpt" and entry["columns"]["videos"] == "videos"
        for item in items:
            assert item["messages"][0]["role"] == "user" and item["messages"][0]["content"].startswith("<video>")
            assert [m["role"] for m in item["messages"]] == ["user", "assistant"] * (len(item["messages"]) // 2)
            assert len(item["videos"]) == 1 and (path.parent / item["videos"][0]).exists()
            assert all({"onset", "offset", "trial_type"} <= set(e) for e in item["events"])


def test_no_run_in_two_splits(built):
    root, splits, written = built
    seen = {}
    for split in ("train", "val", "test"):
        for item in json.loads(written[f"llamafactory_{split}"].read_text()):
            run = item["id"].split("_clip-")[0]
            assert seen.setdefault(run, split) == split
    assert set(seen) == set(splits["run"])
    table = pd.read_csv(written["splits"], sep="\t")
    assert table.columns.tolist() == ["run", "split"] and table["run"].is_unique


def test_statistics_count_events_per_split(built):
    root, splits, written = built
    stats = pd.read_csv(written["statistics"], sep="\t").set_index("split")
    assert stats["runs"].sum() == 4
    counts = event_counts(sorted((root / "events").glob("*_events.tsv")))
    assert stats["Action/Attack"].sum() == counts["Action/Attack"].sum() > 0


def test_records_hold_the_targets_only(built):
    """Neither the gym-retro_game row (the repetition itself) nor the inputs nothing on screen shows."""
    root, splits, written = built
    counts = event_counts(sorted((root / "events").glob("*_events.tsv")))
    assert counts["Action/Up"].sum() > 0 and counts["gym-retro_game"].sum() == 4
    types = {e["trial_type"] for split in ("train", "val", "test")
             for item in json.loads(written[f"llamafactory_{split}"].read_text()) for e in item["events"]}
    assert "Action/Attack" in types and "Screen/Gameplay" in types
    assert not types & ({"gym-retro_game"} | set(get_game("airstriker").invisible_events))
    answers = " ".join(m["content"] for split in ("train", "val", "test")
                       for item in json.loads(written[f"llamafactory_{split}"].read_text()) for m in item["messages"])
    assert "Action/Up" not in answers and "gym-retro_game" not in answers
